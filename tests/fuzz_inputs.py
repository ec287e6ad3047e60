"""Inputs for fuzzing the importers: valid seed files of several formats, ways to damage them,
and the check every import must pass. Shared by the hypothesis tests and the atheris run."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import zstandard

from otlp_builder import agent_trace, document
from spanscope.model import ImportResult, ImportStatus
from spanscope.store import Database
from store_checks import counts

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
EXAMPLES = int(os.environ.get("SPANSCOPE_FUZZ_EXAMPLES", "0")) or None


def seeds() -> list[tuple[str, bytes]]:
    """(file name, content) of valid files: built OTLP in its shapes, plus the small files of
    the shared corpus when it is there (every format Spanscope reads)."""
    doc = document(agent_trace())
    lines = "".join(
        json.dumps(document(agent_trace(f"{i:032x}"))) + "\n" for i in range(1, 4)
    ).encode()
    found = [
        ("otlp.json", json.dumps(doc).encode()),
        ("otlp-pretty.json", json.dumps(doc, indent=2).encode()),
        ("otlp.jsonl", lines),
        ("otlp.jsonl.gz", gzip.compress(lines)),
        ("otlp.jsonl.zst", zstandard.compress(lines)),
    ]
    if CORPUS.is_dir():
        small = sorted(
            p
            for p in CORPUS.rglob("*")
            if p.is_file() and p.suffix != ".md" and 0 < p.stat().st_size < 60_000
        )
        found += [(p.name, p.read_bytes()) for p in small]
    return found


def damage(data: bytes, cuts: list[tuple[int, float, bytes]]) -> bytes:
    """Apply edits to ``data``: (kind, where as a fraction of the length, bytes)."""
    for kind, where, extra in cuts:
        at = int(where * len(data))
        if kind == 0:  # cut off
            data = data[:at]
        elif kind == 1:  # overwrite
            data = data[:at] + extra + data[at + len(extra) :]
        elif kind == 2:  # insert
            data = data[:at] + extra + data[at:]
        elif kind == 3:  # drop a stretch
            data = data[:at] + data[at + 1 + len(extra) * 8 :]
        else:  # repeat a stretch
            data = data[:at] + data[at : at + 64] * 3 + data[at:]
    return data


def check_result(db: Database, before: tuple[int, int, int], result: ImportResult) -> None:
    """An import ends in a clean result: imported, unchanged, or failed with a message naming
    the file, leaving the store as it was; never a reader's crash."""
    name = Path(result.path).name
    assert result.status in (ImportStatus.IMPORTED, ImportStatus.UNCHANGED, ImportStatus.FAILED)
    if result.status is ImportStatus.FAILED:
        assert result.error and name in result.error, result.error
        assert "reader failed" not in result.error, result.error
        assert counts(db) == before
    elif result.status is ImportStatus.IMPORTED:
        assert result.spans > 0
        after = counts(db)
        assert after[2] == before[2] + 1
    else:
        assert counts(db) == before
