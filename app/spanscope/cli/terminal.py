"""Everything the commands print goes through :func:`visible`: trace text is untrusted, and a
span name holding ``ESC ]52`` (write the clipboard), ``ESC ]0`` (set the title) or
``ESC [2J`` (clear the screen) must reach the terminal as text, not as a command.

:func:`main <spanscope.cli.main>` wraps stdout and stderr in :class:`VisibleOutput`, so every
printing path (tables, ``--csv``, messages, warnings, file names) is covered by this one
function; a new command needs nothing of its own.
"""

from __future__ import annotations

import io
import re
from typing import TextIO, cast

# C0 controls but newline and tab, DEL, C1 controls, the characters that reorder or hide
# text (bidi overrides and isolates, zero-width marks, the BOM), and lone surrogates (a file
# name that is not UTF-8), which no terminal could be sent
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character written as an escape (``ESC`` as ``\\x1b``);
    newlines and tabs kept."""
    return _CONTROL.sub(_escaped, text)


class VisibleOutput(io.TextIOBase):
    """A text stream that writes everything through :func:`visible` to ``raw``."""

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(visible(text))
        return len(text)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", "utf-8") or "utf-8"


def raw_stream(stream: TextIO) -> TextIO:
    """The terminal under a :class:`VisibleOutput`, for output that is ours alone (a
    progress bar's carriage returns); anything from a trace in it goes through
    :func:`visible` first."""
    return stream.raw if isinstance(stream, VisibleOutput) else stream


def visible_output(raw: TextIO) -> TextIO:
    """``raw`` behind :class:`VisibleOutput`, typed as the stream the commands write to."""
    return cast(TextIO, VisibleOutput(raw))
