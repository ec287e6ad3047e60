"""``spanscope`` and ``python -m spanscope``: the window, or a command-line command."""

from __future__ import annotations

import os
import sys


def main() -> None:
    from spanscope import cli

    args = cli.build_parser().parse_args(cli.protect_negations(None))
    if args.command is None:
        from spanscope import desktop_libraries

        if desktop_libraries.main():  # Qt would stop at the first missing library, unnamed
            sys.exit(1)
        from spanscope.cli.output import db_path
        from spanscope.ui.app import run  # Qt is loaded only for the window

        sys.exit(
            run(
                db_path(args),
                demo=args.demo,
                read_only=args.read_only,
                quit_after=args.quit_after,
            )
        )
    try:
        code = cli.run_command(args, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`spanscope spans --json | head`): stop quietly, as Unix tools
        # do. Python would report the pipe again while flushing stdout at exit, so stdout is
        # pointed at /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)  # 128 + SIGPIPE, what a shell reports for a tool stopped by the pipe
    sys.exit(code)


if __name__ == "__main__":
    main()
