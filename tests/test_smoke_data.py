"""The bundle's smoke data still imports here as ``packaging/smoke-data/expected.json`` says:
the bundle's smoke test (packaging/smoke.py) holds a bundle to the source tree's answers, so
they must be the source tree's. After an intended change: ``python packaging/smoke_data.py``."""

from __future__ import annotations

import importlib.util
import io
import json
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

from spanscope.cli import main

PACKAGING = Path(__file__).resolve().parents[1] / "packaging"


def smoke_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("smoke", PACKAGING / "smoke.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def source_tree(args: Sequence[str]) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(args), out), out.getvalue()


@pytest.mark.slow
def test_the_source_tree_gives_the_answers_the_bundle_is_held_to(tmp_path: Path) -> None:
    smoke = smoke_module()
    expected = json.loads((smoke.DATA / "expected.json").read_text("utf-8"))
    found = smoke.jsonable(smoke.facts(source_tree, tmp_path))
    assert found == expected
    files = found["files"]
    assert (
        set(files) == set(smoke.FILES) == {p.name for p in smoke.DATA.iterdir()} - {"expected.json"}
    )
    formats = {facts["format"] for facts in files.values()}
    assert formats == {
        "otlp-json",
        "otlp-protobuf",
        "phoenix",
        "phoenix-parquet",
        "langfuse",
        "langsmith",
        "mlflow",
        "inspect",
        "provider-log",
    }
    # every file brings a priced call: the bundle's price data is exercised by each format
    assert all(facts["status"] == "imported" and facts["priced_calls"] for facts in files.values())


def test_the_smoke_test_fails_on_a_missing_module_or_file() -> None:
    smoke = smoke_module()
    for line in (
        "ModuleNotFoundError: No module named 'openai'",
        "importlib.metadata.PackageNotFoundError: No package metadata was found for httpx2",
        "FileNotFoundError: [Errno 2] No such file or directory: '.../schema.sql'",
        'qt.qpa.plugin: Could not find the Qt platform plugin "xcb" in ""',
    ):
        assert smoke.MISSING.search(line), line
    assert not smoke.MISSING.search("calls imported: 3 spans")
