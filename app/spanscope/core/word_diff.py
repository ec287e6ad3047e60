"""Word-level differences between two texts, for messages, tool results and chunk contents.

Texts are cut into words, runs of whitespace and single punctuation marks, and compared with
:mod:`difflib`. Very long texts are compared line by line instead: a word diff of a 200 KB tool
result would take seconds and nobody reads it word by word.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

Op = Literal["=", "-", "+"]
WORD_LIMIT = 20_000  # tokens per side above which the diff is by line
# Characters per side above which the diff is by line without tokenising first: one regex
# call over megabytes holds the interpreter lock long enough to freeze the window while the
# diff runs in its worker.
CHAR_LIMIT = 200_000
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class Piece:
    """A stretch of text that both sides share (``=``), only the first has (``-``), or only
    the second has (``+``)."""

    op: Op
    text: str


def tokens(text: str) -> list[str]:
    """Words, whitespace runs and punctuation marks; joined again they give back ``text``."""
    return _TOKENS.findall(text)


def word_diff(a: str | None, b: str | None) -> list[Piece]:
    """The pieces that turn ``a`` into ``b``, adjacent pieces of one kind merged."""
    a, b = a or "", b or ""
    if a == b:
        return [Piece("=", a)] if a else []
    if len(a) > CHAR_LIMIT or len(b) > CHAR_LIMIT:
        left, right = a.splitlines(keepends=True), b.splitlines(keepends=True)
    else:
        left, right = tokens(a), tokens(b)
        if len(left) > WORD_LIMIT or len(right) > WORD_LIMIT:
            left, right = a.splitlines(keepends=True), b.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    pieces: list[Piece] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _add(pieces, "=", "".join(left[i1:i2]))
            continue
        if tag in ("delete", "replace"):
            _add(pieces, "-", "".join(left[i1:i2]))
        if tag in ("insert", "replace"):
            _add(pieces, "+", "".join(right[j1:j2]))
    return pieces


def _add(pieces: list[Piece], op: Op, text: str) -> None:
    if not text:
        return
    if pieces and pieces[-1].op == op:
        pieces[-1] = Piece(op, pieces[-1].text + text)
    else:
        pieces.append(Piece(op, text))


def changed(pieces: list[Piece]) -> bool:
    """Whether any piece is an insertion or a deletion."""
    return any(piece.op != "=" for piece in pieces)


def side(pieces: list[Piece], which: Literal["a", "b"]) -> str:
    """The text of one side, rebuilt from the pieces."""
    skip = "+" if which == "a" else "-"
    return "".join(piece.text for piece in pieces if piece.op != skip)
