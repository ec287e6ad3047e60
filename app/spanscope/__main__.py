"""``spanscope`` and ``python -m spanscope``: the window, or a command."""

from __future__ import annotations

import sys


def main() -> None:
    from spanscope.cli import main as cli_main

    sys.exit(cli_main())


if __name__ == "__main__":
    main()
