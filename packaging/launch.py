"""Entry script of the bundled application (PyInstaller runs this as ``__main__``)."""

import multiprocessing

from spanscope.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    main()  # exits the process with the command's status
