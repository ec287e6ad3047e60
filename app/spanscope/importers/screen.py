"""What happens to a recognised file before its importer reads it: the decompression cap is
checked, and with "skip bad records" the bad lines of a JSON Lines file are left out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from spanscope.importers import bad_lines
from spanscope.importers.base import Sample, read_sample
from spanscope.importers.inflation import check_inflation

SKIP_HINT = (
    "to import the other lines, skip bad records (spanscope import --skip-bad-records, or "
    "'Import again, skipping bad lines' in the import window)"
)


@dataclass
class Screened:
    """The sample to read (the file's own, or that of a cleaned copy) and what was done."""

    sample: Sample
    warnings: list[str] = field(default_factory=list)


def screen(
    sample: Sample,
    workdir: Path,
    *,
    skip_bad_records: bool = False,
    cancelled: Callable[[], bool] = lambda: False,
) -> Screened:
    """Refuse a decompression bomb; with ``skip_bad_records``, read a JSON Lines file through
    a copy without its bad lines. Stops early (returning the sample as it is) when
    ``cancelled()`` turns true."""
    if check_inflation(sample.path, sample.compression, cancelled) < 0:
        return Screened(sample)
    if not skip_bad_records or not bad_lines.is_json_lines(sample):
        return Screened(sample)
    folder = workdir / "without-bad-lines"
    folder.mkdir(exist_ok=True)
    # The copy keeps the file's name so that messages about it still name the file.
    copy = folder / sample.path.name
    skipped = bad_lines.copy_without_bad_lines(sample, copy, cancelled)
    if not skipped.count:
        return Screened(sample)
    return Screened(read_sample(copy), [skipped.warning()])


def skip_hint(sample: Sample | None, error: str) -> str:
    """The error of a failed JSON Lines file, naming the first line that is not JSON (DuckDB's
    own line count can be off by one) and how to import the other lines."""
    if sample is None or "not recognised" in error or not bad_lines.is_json_lines(sample):
        return error
    if "Malformed JSON" in error or "invalid JSON" in error or "not UTF-8" in error:
        found = bad_lines.first_bad_line(sample)
        if found is not None:
            number, reason = found
            error = f"{sample.path}: line {number} is not valid JSON ({reason})"
        return f"{error}; {SKIP_HINT}"
    return error
