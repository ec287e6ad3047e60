"""What every command shares: which database it opens and the house table layout."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from spanscope import paths
from spanscope.cli.terminal import visible


def db_path(args: argparse.Namespace) -> Path:
    """The database named on the command line, else the default one."""
    return args.db if args.db else paths.default_database()


def print_table(header: list[str], rows: Sequence[tuple[str, ...]], out: TextIO) -> None:
    """Columns padded to their widest cell (at most 48 characters, longer cells cut with …),
    measured on the text as shown (control characters from traces as escapes)."""
    rows = [tuple(visible(c) for c in row) for row in rows]
    widths = [min(max([len(h)] + [len(r[i]) for r in rows]), 48) for i, h in enumerate(header)]
    out.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip() + "\n")
    for row in rows:
        cells = [c if len(c) <= w else c[: w - 1] + "…" for c, w in zip(row, widths, strict=True)]
        out.write("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip() + "\n")
