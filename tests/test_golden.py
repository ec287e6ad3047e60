"""Golden tests, as Perfetto writes them: a small file of each main format is imported into a
fresh database, each query of ``tests/golden/*.sql`` reads it back (every span; every trace row
as the trace list shows it), and the rows must equal the CSV checked in beside the file
(``tests/golden/<file>.<query>.csv``). A file is named ``<format>__<case>.<ext>``: the
part before ``__`` is the format it must be recognised as, so a new case is a new file only.

A changed mapping shows up here as a changed cell, named by file, row and column. When a change
is meant, regenerate with ``make golden`` (``SPANSCOPE_UPDATE_GOLDEN=1``), then read the diff of
the CSV files against the input files before committing it: every expected cell was checked by
hand against its input (``tests/golden/README.md`` says what each file holds).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import pytest

from spanscope.ingest import import_paths
from spanscope.model import ImportStatus
from spanscope.store import Database

GOLDEN = Path(__file__).parent / "golden"
QUERIES = sorted(p.stem for p in GOLDEN.glob("*.sql"))
NULL = "[NULL]"
UPDATE = os.environ.get("SPANSCOPE_UPDATE_GOLDEN") == "1"

CASES = sorted(p.name for p in GOLDEN.iterdir() if p.suffix not in (".csv", ".sql", ".md"))
# The main formats each have a case at least.
MAIN_FORMATS = {"otlp-json", "phoenix", "langfuse", "langsmith", "mlflow", "inspect"}


def cell(value: Any) -> str:
    return NULL if value is None else str(value)


def as_csv(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([cell(v) for v in row] for row in rows)
    return out.getvalue()


def test_every_main_format_has_a_case() -> None:
    assert {name.split("__")[0] for name in CASES} >= MAIN_FORMATS


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("name", CASES)
def test_golden(name: str, query: str, tmp_path: Path) -> None:
    db = Database.open(tmp_path / "golden.duckdb")
    try:
        [result] = list(import_paths(db, [GOLDEN / name]))
        assert (result.status, result.format, result.error) == (
            ImportStatus.IMPORTED,
            name.split("__")[0],
            None,
        )
        cur = db.reader()
        rows = cur.execute((GOLDEN / f"{query}.sql").read_text(encoding="utf-8")).fetchall()
        columns = [d[0] for d in cur.description]
    finally:
        db.close()
    got = as_csv(columns, rows)
    expected_file = GOLDEN / f"{name}.{query}.csv"
    if UPDATE:
        expected_file.write_text(got, encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8")
    if got != expected:
        want = list(csv.reader(io.StringIO(expected)))
        have = list(csv.reader(io.StringIO(got)))
        differences = [
            f"row {r} {want[0][c] if c < len(want[0]) else c}: expected {w!r}, got {h!r}"
            for r, (w_row, h_row) in enumerate(zip(want, have, strict=False))
            for c, (w, h) in enumerate(zip(w_row, h_row, strict=False))
            if w != h
        ]
        if len(want) != len(have):
            differences.append(f"{len(want) - 1} rows expected, {len(have) - 1} read")
        pytest.fail(f"{name}, {query}.sql: the mapping changed:\n" + "\n".join(differences))
