"""Fuzzing the importers: valid files of every format, damaged at random, always end in a
clean result (imported, or failed with a message and nothing left behind).

The suite runs a short version; ``make fuzz`` runs many more examples
(``SPANSCOPE_FUZZ_EXAMPLES``) and, when atheris installs, tests/fuzz_atheris.py."""

from __future__ import annotations

import gzip
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_inputs import EXAMPLES, check_result, damage, seeds
from spanscope.importers import registry
from spanscope.importers.base import ImportError_
from spanscope.ingest import import_paths
from spanscope.store import Database
from store_checks import counts

SEEDS = seeds()
CUTS = st.lists(
    st.tuples(
        st.integers(0, 4), st.floats(0, 1, allow_nan=False), st.binary(min_size=1, max_size=12)
    ),
    min_size=1,
    max_size=4,
)
_names = itertools.count()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = Database.open(tmp_path_factory.mktemp("fuzz") / "fuzz.duckdb")
    yield database
    database.close()


@settings(
    max_examples=EXAMPLES or 30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, len(SEEDS) - 1), cuts=CUTS, inside=st.booleans())
def test_damaged_files_import_cleanly(
    store: Database, tmp_path_factory: pytest.TempPathFactory, seed: int,
    cuts: list[tuple[int, float, bytes]], inside: bool,
) -> None:  # fmt: skip
    name, data = SEEDS[seed]
    if inside and name.endswith(".gz"):
        data = gzip.compress(damage(gzip.decompress(data), cuts))
    elif inside and name.endswith(".zst"):
        data = zstandard.compress(damage(zstandard.decompress(data), cuts))
    else:
        data = damage(data, cuts)
    folder = tmp_path_factory.mktemp("case")
    path = folder / f"{next(_names)}-{name}"
    path.write_bytes(data)
    before = counts(store)
    [result] = list(import_paths(store, [path], index=False))
    check_result(store, before, result)


@settings(max_examples=(EXAMPLES or 30) * 10, deadline=None, database=None)
@given(data=st.binary(max_size=2048) | st.sampled_from(SEEDS).map(lambda s: s[1][:300]))
def test_any_bytes_are_recognised_or_refused_cleanly(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("sniff") / "any.bin"
    path.write_bytes(data)
    try:
        importer, _ = registry.detect(path)
    except ImportError_ as exc:
        assert "any.bin" in str(exc)
    else:
        assert importer.name


def test_every_seed_is_imported(store: Database, tmp_path: Path) -> None:
    """The fuzzing starts from files that work: otherwise it only tests the error path."""
    for name, data in SEEDS[:5]:
        path = tmp_path / name
        path.write_bytes(data)
        [result] = list(import_paths(store, [path], index=False))
        assert result.error is None, result.error
