"""Shared fixtures: every test gets its own app folder and database in a temporary directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The shared corpus sits next to the repository; SPANSCOPE_TEST_CORPUS points elsewhere (a
# checkout in another folder).
CORPUS = Path(
    os.environ.get("SPANSCOPE_TEST_CORPUS")
    or Path(__file__).resolve().parents[2] / "shared" / "corpus"
)


@pytest.fixture(autouse=True)
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every test away from the real user folders."""
    home = tmp_path / "home"
    monkeypatch.setenv("SPANSCOPE_HOME", str(home))
    monkeypatch.delenv("SPANSCOPE_DB", raising=False)
    return home


@pytest.fixture
def db(tmp_path: Path) -> Iterator[object]:
    from spanscope.store import Database

    database = Database.open(tmp_path / "test.duckdb")
    yield database
    database.close()


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("the shared trace corpus is not present")
    return CORPUS
