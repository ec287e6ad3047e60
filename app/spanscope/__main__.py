"""``spanscope`` and ``python -m spanscope``: the window, or a command-line command."""

from __future__ import annotations

import sys


def main() -> None:
    from spanscope import cli

    args = cli.build_parser().parse_args(cli.protect_negations(None))
    if args.command is None:
        from spanscope import desktop_libraries

        if desktop_libraries.main():  # Qt would stop at the first missing library, unnamed
            sys.exit(1)
        from spanscope.ui.app import run  # Qt is loaded only for the window

        sys.exit(run(cli.db_path(args), demo=args.demo, read_only=args.read_only))
    sys.exit(cli.run_command(args, sys.stdout))


if __name__ == "__main__":
    main()
