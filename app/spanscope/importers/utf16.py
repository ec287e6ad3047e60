"""Trace files saved as UTF-16 (Windows PowerShell's ``>`` writes them): recognised by what
they hold once decoded, and read by that format's importer through a UTF-8 copy."""

from __future__ import annotations

import codecs
from pathlib import Path

from spanscope.importers.base import (
    BuiltinFormat,
    Importer,
    ImportError_,
    Sample,
    Source,
    read_sample,
)

_BLOCK = 1024 * 1024


class Utf16Text:
    """A file of another format, written as UTF-16 with a byte order mark."""

    name = "utf-16"

    def __init__(self) -> None:
        self._inner: Importer | None = None
        self._encoding = ""

    def sniff(self, sample: Sample) -> bool:
        from spanscope.importers.registry import builtin_importers

        encoding = _encoding(sample.head)
        if encoding is None or sample.compression != "none":
            return False
        # the head may end in the middle of a character: decode what is whole
        text = codecs.getincrementaldecoder(encoding)("replace").decode(sample.head[2:])
        decoded = Sample(sample.path, text.encode("utf-8"), "none")
        for importer in builtin_importers():
            if not isinstance(importer, Utf16Text) and importer.sniff(decoded):
                self._inner, self._encoding = importer, encoding
                self.name = f"{importer.name} (UTF-16)"
                return True
        return False

    def source(self, sample: Sample, workdir: Path) -> Source:
        assert self._inner is not None, "sniff() chose the format"
        folder = workdir / "utf-8"
        folder.mkdir(exist_ok=True)
        copy = folder / sample.path.name  # same name, so messages still name the file
        utf8_copy(sample.path, self._encoding, copy)
        return self._inner.source(read_sample(copy), workdir)


def _encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF32_LE):
        return None
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    return None


def utf8_copy(path: Path, encoding: str, target: Path) -> None:
    """Write ``path`` (UTF-16 with a byte order mark) as UTF-8 to ``target``."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    done = 0
    with open(path, "rb") as raw, open(target, "wb") as out:
        raw.read(2)  # the byte order mark
        done = 2
        try:
            while block := raw.read(_BLOCK):
                out.write(decoder.decode(block).encode("utf-8"))
                done += len(block)
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ImportError_(
                f"{path}: not valid {encoding.upper()} text near byte {done + exc.start}"
            ) from None


# Asked last: any of the formats above, saved as UTF-16 (base.BuiltinFormat).
FORMAT = BuiltinFormat(Utf16Text, asked_at=1000)
