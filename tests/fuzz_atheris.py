"""Coverage-guided fuzzing with atheris (``make fuzz`` runs it when atheris installs).

    python tests/fuzz_atheris.py importers -runs=3000
    python tests/fuzz_atheris.py filters -runs=200000

``importers`` writes each input as a file (plain, or as a damaged seed file of a known
format) and imports it into one store; ``filters`` compiles each input as a filter. A broken
rule (see fuzz_inputs.check_result) stops the run with the input that broke it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import atheris  # noqa: E402

with atheris.instrument_imports():
    from spanscope.core.filters import FilterError, compile_filter
    from spanscope.importers import registry
    from spanscope.ingest import import_paths
    from spanscope.store import Database

    registry.builtin_importers()  # formats load lazily: load them here, instrumented

from fuzz_inputs import check_result, damage, seeds  # noqa: E402
from store_checks import counts  # noqa: E402

SEEDS = seeds()
WORK = Path(tempfile.mkdtemp(prefix="spanscope-fuzz-"))
os.environ.setdefault("SPANSCOPE_HOME", str(WORK / "home"))
STORE: Database | None = None


def fuzz_import(data: bytes) -> None:
    global STORE
    if STORE is None:
        STORE = Database.open(WORK / "fuzz.duckdb")
    fdp = atheris.FuzzedDataProvider(data)
    name, content = SEEDS[fdp.ConsumeIntInRange(0, len(SEEDS) - 1)]
    if fdp.ConsumeBool():
        cuts = [
            (fdp.ConsumeIntInRange(0, 4), fdp.ConsumeProbability(), fdp.ConsumeBytes(8) or b"x")
            for _ in range(fdp.ConsumeIntInRange(1, 3))
        ]
        content = damage(content, cuts)
    else:
        content = fdp.ConsumeBytes(fdp.remaining_bytes())
    path = WORK / f"case-{name}"
    path.write_bytes(content)
    before = counts(STORE)
    [result] = list(import_paths(STORE, [path], index=False))
    check_result(STORE, before, result)


def fuzz_filter(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(4096)
    for table in ("spans", "traces"):
        try:
            compile_filter(text, table)
        except FilterError as exc:
            assert 0 <= exc.position <= len(text)


if __name__ == "__main__":
    target = {"importers": fuzz_import, "filters": fuzz_filter}[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()
