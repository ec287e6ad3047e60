"""Importers from other packages, found through the ``spanscope.importers`` entry-point group.

Each test builds a tiny installed distribution (a ``*.dist-info`` folder and a module) in its
own temporary folder and puts that folder on ``sys.path``, so ``importlib.metadata`` finds it
exactly as it finds a pip-installed plug-in; nothing is installed anywhere else.
"""

from __future__ import annotations

import io
import json
import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from otlp_builder import agent_trace, document, write_json
from spanscope import cli
from spanscope.importers import registry
from spanscope.ingest import import_paths
from spanscope.model import ImportStatus
from spanscope.store import Database, queries

PLUGIN = '''
"""A made-up trace format: a "TINYTRACE v1" line, then one span per line:
trace_id span_id parent_id|- start_ns end_ns name"""

from spanscope.importers.base import ArrowSource
from spanscope.model.raw import RawSpan, to_batch


class TinyTrace:
    name = "tinytrace"

    def sniff(self, sample):
        return sample.head.startswith(b"TINYTRACE v1\\n")

    def source(self, sample, workdir):
        spans = []
        for line in sample.path.read_text(encoding="utf-8").splitlines()[1:]:
            trace, span, parent, start, end, name = line.split(" ", 5)
            spans.append(RawSpan(trace, span, None if parent == "-" else parent, name,
                                 int(start), int(end), status="ok",
                                 attributes={"spanscope.kind": "tool", "gen_ai.tool.name": name}))
        return ArrowSource(batches=iter([to_batch(spans)]))


class _Shout:
    """An importer registered as an object rather than a class."""
    name = "shout"

    def sniff(self, sample):
        return sample.head.startswith(b"SHOUT\\n")

    def source(self, sample, workdir):
        spans = [RawSpan("ab" * 16, "cd" * 8, None, sample.path.read_text().split("\\n")[1],
                         1, 2, attributes={"spanscope.kind": "event"})]
        return ArrowSource(batches=iter([to_batch(spans)]))


SHOUT = _Shout()


class GreedyJson:
    """Claims any JSON object, so only files no built-in importer knows reach it."""
    name = "greedy-json"

    def sniff(self, sample):
        return sample.first_char() == "{"

    def source(self, sample, workdir):
        raise NotImplementedError
'''

BROKEN = """
raise RuntimeError("this plug-in cannot be loaded")
"""


def distribution(site: Path, name: str, module: str, source: str, entries: dict[str, str]) -> None:
    """What pip leaves behind for a wheel: the module, and its dist-info with entry points."""
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8"
    )
    lines = "".join(f"{key} = {value}\n" for key, value in entries.items())
    (info / "entry_points.txt").write_text(f"[spanscope.importers]\n{lines}", encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "site-packages"
    folder.mkdir()
    distribution(
        folder,
        "spanscope-tinytrace",
        "tinytrace_plugin",
        PLUGIN,
        {
            "tinytrace": "tinytrace_plugin:TinyTrace",
            "shout": "tinytrace_plugin:SHOUT",
            "greedy": "tinytrace_plugin:GreedyJson",
        },
    )
    distribution(
        folder,
        "spanscope-broken",
        "broken_plugin",
        BROKEN,
        {"broken": "broken_plugin:Importer", "missing": "tinytrace_plugin:NoSuchClass"},
    )
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    for module in ("tinytrace_plugin", "broken_plugin"):
        sys.modules.pop(module, None)


def tiny_file(path: Path) -> Path:
    path.write_text(
        "TINYTRACE v1\n"
        "5b8efff798038103d269b633813fc60c 00000000000000a1 - 1764338400000000000 1764338400500000000 fetch_page\n"
        "5b8efff798038103d269b633813fc60c 00000000000000a2 00000000000000a1 1764338400100000000 "
        "1764338400200000000 parse html\n",
        encoding="utf-8",
    )
    return path


def test_entry_points_are_found(site: Path) -> None:
    names = {e.name for e in entry_points(group="spanscope.importers")}
    assert {"tinytrace", "shout", "greedy", "broken", "missing"} <= names
    # the class is instantiated, the object used as it is; the broken entries are left out
    found = {importer.name: importer for importer in registry.plugin_importers()}
    assert set(found) == {"tinytrace", "shout", "greedy-json"}
    assert type(found["tinytrace"]).__name__ == "TinyTrace"
    assert found["shout"] is sys.modules["tinytrace_plugin"].SHOUT


def test_plugin_format_is_imported(site: Path, db: Database, tmp_path: Path) -> None:
    [result] = list(import_paths(db, [tiny_file(tmp_path / "run.tiny")]))
    assert result.status is ImportStatus.IMPORTED, result.error
    assert (result.format, result.spans, result.traces) == ("tinytrace", 2, 1)
    detail = queries.span_detail(
        db.reader(), "5b8efff798038103d269b633813fc60c", "00000000000000a2"
    )
    assert detail is not None
    assert (detail["kind"], detail["tool_name"], detail["parent_span_id"]) == (
        "tool",
        "parse html",
        "00000000000000a1",
    )
    assert detail["source_format"] == "tinytrace"

    shout = tmp_path / "note.txt"
    shout.write_text("SHOUT\nhello\n", encoding="utf-8")
    [result] = list(import_paths(db, [shout]))
    assert (result.status, result.format, result.spans) == (ImportStatus.IMPORTED, "shout", 1)


def test_result_line_names_the_plugin_format(site: Path, tmp_path: Path) -> None:
    out = io.StringIO()
    path = tiny_file(tmp_path / "run.tiny")
    code = cli.main(["import", str(path), "--db", str(tmp_path / "cli.duckdb"), "--json"], out=out)
    assert code == 0
    [line] = [json.loads(text) for text in out.getvalue().splitlines() if text.strip()]
    assert (line["format"], line["status"], line["spans"]) == ("tinytrace", "imported", 2)


def test_broken_plugin_does_not_stop_known_formats(
    site: Path, db: Database, tmp_path: Path
) -> None:
    otlp = write_json(tmp_path / "trace.json", document(agent_trace()))
    unknown = tmp_path / "notes.txt"
    unknown.write_text("nothing to see\n", encoding="utf-8")
    results = list(import_paths(db, [otlp, tiny_file(tmp_path / "run.tiny"), unknown]))
    assert [(r.format, r.status) for r in results] == [
        ("otlp-json", ImportStatus.IMPORTED),
        ("tinytrace", ImportStatus.IMPORTED),
        (None, ImportStatus.FAILED),
    ]
    assert results[0].spans == 4
    assert "format not recognised" in str(results[2].error)


def test_builtin_formats_are_asked_first(site: Path, tmp_path: Path) -> None:
    # The greedy plug-in would take any JSON object, but built-in formats are asked first.
    otlp = write_json(tmp_path / "trace.json", document(agent_trace()))
    assert registry.detect(otlp)[0].name == "otlp-json"
    other = write_json(tmp_path / "other.json", {"hello": "world"})
    assert registry.detect(other)[0].name == "greedy-json"


def test_built_in_formats_declare_themselves_in_an_order_without_ties() -> None:
    """Each reader module declares ``FORMAT``; the registry finds every one and asks them by
    rank: a tie would leave the order of two sniffers to the file system."""
    formats = registry.builtin_formats()
    ranks = [f.asked_at for f in formats]
    assert ranks == sorted(set(ranks)), "two built-in formats share an asked_at"
    names = [type(i).__name__ for i in registry.builtin_importers()]
    assert names[0] == "OtlpJson" and names[-1] == "Utf16Text"  # UTF-16 re-asks all the others
    assert len(names) == len(set(names)) >= 18
    for declared in formats:  # declared by the module that writes the reader
        assert sys.modules[declared.importer.__module__].FORMAT is declared
