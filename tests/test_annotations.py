"""Annotations in the store: saving, durability (a process killed right after a save), saving
while an import holds its transaction, upgrades of a real version-2 file, re-imports,
rebuilds from the same files, merging reviewers' files, and review queues."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from old_schemas import write_schema2_database
from otlp_builder import LLM, ROOT, TOOL, TRACE, agent_trace, document, write_json
from spanscope.core.annotation_file import read_annotations, write_annotations
from spanscope.core.filters import compile_filter
from spanscope.model.annotation import Annotation
from spanscope.store import Database, review_queues
from spanscope.store import annotations as stored
from spanscope.store.annotation_merge import merge_annotations
from spanscope.store.database import SCHEMA_VERSION
from store_checks import imported, rows

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def traced(tmp_path: Path) -> Database:
    db = Database.open(tmp_path / "traced.duckdb")
    imported(db, write_json(tmp_path / "agent.json", document(agent_trace())))
    yield db
    db.close()


def test_save_update_and_remove(db: Database) -> None:
    cur = db.writer.cursor()
    first = stored.save_annotation(
        cur, Annotation(TRACE, LLM, ("hallucination", "refusal"), note="made up", author="ana")
    )
    assert first.annotation_id is not None and first.checkpointed
    again = stored.save_annotation(cur, Annotation(TRACE, LLM, ("refusal",), author="ana"))
    assert again.annotation_id == first.annotation_id  # one per author per rubric item
    stored.save_annotation(cur, Annotation(TRACE, LLM, ("latency",), author="bo"))
    stored.save_annotation(cur, Annotation(TRACE, LLM, rubric="correct", score=0.0, author="ana"))
    found = {(a.author, a.rubric): a for a in stored.annotations_of(cur, TRACE, LLM)}
    assert found[("ana", "")].labels == ("refusal",) and found[("ana", "")].note is None
    assert found[("bo", "")].labels == ("latency",)
    assert found[("ana", "correct")].score == 0.0
    # the first label is mirrored in `label` for older readers
    assert rows(db, "SELECT label FROM annotations WHERE author = 'ana' AND rubric = ''") == [
        ("refusal",)
    ]
    removed = stored.save_annotation(cur, Annotation(TRACE, LLM, (), author="bo"))
    assert removed.annotation_id is None
    assert {a.author for a in stored.annotations_of(cur, TRACE, LLM)} == {"ana"}


# The save runs in a child process that is SIGKILLed the moment it reports the save: no
# close, no checkpoint at exit, no Python cleanup.
_SAVE_THEN_WAIT = textwrap.dedent(
    """
    import sys, time
    from spanscope.model.annotation import Annotation
    from spanscope.store import Database
    from spanscope.store.annotations import save_annotation
    db = Database.open(sys.argv[1])
    con = db.writer
    if sys.argv[2] == "import":
        # an import holding its transaction open on the writer connection
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT INTO spans (trace_id, span_id, name) "
                    "SELECT 'bulk' || i, 's', 'x' FROM range(50000) r(i)")
    saved = save_annotation(con.cursor(), Annotation(
        "t-kill", "s-kill", ("hallucination", "wrong tool"), note="killed right after",
        expected="the right answer", author="ana"))
    print("saved", saved.annotation_id, saved.checkpointed, flush=True)
    time.sleep(60)
    """
)


@pytest.mark.parametrize("during", ["idle", "import"])
def test_a_saved_annotation_survives_the_process_being_killed(tmp_path: Path, during: str) -> None:
    path = tmp_path / "killed.duckdb"
    Database.open(path).close()
    with subprocess.Popen(
        [sys.executable, "-c", _SAVE_THEN_WAIT, str(path), during],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    ) as child:
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.startswith("saved "), line
            child.send_signal(signal.SIGKILL)
        finally:
            child.kill()
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    if during == "idle":
        assert line.split()[2] == "True"  # checkpointed too; during an import it may not be
    with Database.open(path) as db:
        [found] = stored.annotations_of(db.reader(), "t-kill", "s-kill")
        assert found.labels == ("hallucination", "wrong tool")
        assert (found.note, found.expected, found.author) == (
            "killed right after",
            "the right answer",
            "ana",
        )
        # the import that never committed left nothing
        assert rows(db, "SELECT count(*) FROM spans") == [(0,)]


def test_saving_while_an_import_runs_commits_at_once(traced: Database, tmp_path: Path) -> None:
    """An import holds its transaction on the writer connection; a save on a cursor commits
    independently and survives the import failing."""
    con = traced.writer
    con.execute("BEGIN TRANSACTION")
    con.execute("INSERT INTO annotations (trace_id, label) VALUES ('from-import', 'x')")
    done = threading.Event()
    outcome: list[stored.Saved] = []

    def save() -> None:
        outcome.append(
            stored.save_annotation(traced.writer.cursor(), Annotation(TRACE, "", ("cost",)))
        )
        done.set()

    worker = threading.Thread(target=save)
    worker.start()
    assert done.wait(30), "the save waited for the import"
    worker.join()
    con.execute("ROLLBACK")  # the import fails
    assert outcome[0].annotation_id is not None and not outcome[0].checkpointed
    assert [a.labels for a in stored.annotations_of(traced.reader(), TRACE, "")] == [("cost",)]
    assert rows(traced, "SELECT count(*) FROM annotations WHERE trace_id = 'from-import'") == [(0,)]


def test_upgrade_of_a_version_2_file_keeps_its_annotation(tmp_path: Path) -> None:
    path = write_schema2_database(tmp_path / "v2.duckdb")
    with Database.open(path) as db:
        assert db.schema_version() == SCHEMA_VERSION
        [old] = stored.annotations_of(db.reader(), "t1", "s1")
        assert (old.labels, old.note, old.author) == (("hallucination",), "made up a policy", "ana")
        assert rows(db, "SELECT count(*) FROM label_taxonomy") == [(10,)]
        # the upgraded file takes new annotations like a fresh one
        stored.save_annotation(
            db.writer.cursor(), Annotation("t1", "s1", ("refusal",), author="bo")
        )
        where = compile_filter("label:hallucination", "spans")
        assert rows(db, f"SELECT span_id FROM spans WHERE {where.sql}", list(where.params)) == [
            ("s1",)
        ]


def test_annotation_migration_is_idempotent(tmp_path: Path) -> None:
    """The migration also runs on files that already have part of it."""
    from spanscope.sqlfiles import load, statements

    path = write_schema2_database(tmp_path / "v2.duckdb")
    with Database.open(path) as db:
        for _ in range(2):
            for stmt in statements(load("spanscope.store", "migrate_4_annotations.sql")):
                db.writer.execute(stmt)
        assert [a.labels for a in stored.list_annotations(db.reader())] == [("hallucination",)]
        assert rows(db, "SELECT count(*) FROM label_taxonomy") == [(10,)]


def test_annotations_survive_a_reimport_of_changed_spans(traced: Database, tmp_path: Path) -> None:
    cur = traced.writer.cursor()
    stored.save_annotation(cur, Annotation(TRACE, TOOL, ("wrong tool",), author="ana"))
    changed = agent_trace()
    changed[0]["name"] = "invoke_agent support v2"
    imported(traced, write_json(tmp_path / "again.json", document(changed)))
    assert rows(traced, "SELECT name FROM spans WHERE span_id = ?", [ROOT]) == [
        ("invoke_agent support v2",)
    ]
    assert [a.labels for a in stored.annotations_of(traced.reader(), TRACE, TOOL)] == [
        ("wrong tool",)
    ]


def test_a_rebuild_from_the_same_files_gets_the_annotations_back(
    traced: Database, tmp_path: Path
) -> None:
    cur = traced.writer.cursor()
    stored.save_annotation(cur, Annotation(TRACE, LLM, ("hallucination",), note="n", author="ana"))
    stored.save_annotation(cur, Annotation(TRACE, "", ("latency",), author="bo"))
    saved = write_annotations(tmp_path / "reviews.jsonl", stored.list_annotations(cur))
    assert saved == 2
    with Database.open(tmp_path / "rebuilt.duckdb") as rebuilt:
        imported(rebuilt, write_json(tmp_path / "agent-copy.json", document(agent_trace())))
        outcome = merge_annotations(
            rebuilt.writer.cursor(), read_annotations(tmp_path / "reviews.jsonl"), "reviews.jsonl"
        )
        assert (outcome.added, outcome.updated, outcome.unchanged) == (2, 0, 0)
        got = {(a.span_id, a.author): a for a in stored.list_annotations(rebuilt.reader())}
        assert got[(LLM, "ana")].labels == ("hallucination",) and got[(LLM, "ana")].note == "n"
        assert got[("", "bo")].labels == ("latency",)
        assert got[("", "bo")].origin == "reviews.jsonl"


def test_merge_keeps_the_newer_of_two_versions(db: Database) -> None:
    cur = db.writer.cursor()
    stored.save_annotation(cur, Annotation("t", "s", ("refusal",), author="ana", updated_at=T0))
    older = Annotation("t", "s", ("formatting",), author="ana", updated_at=T0 - timedelta(days=1))
    newer = Annotation("t", "s", ("latency",), author="ana", updated_at=T0 + timedelta(days=1))
    other = Annotation("t", "s", ("refusal",), author="bo", updated_at=T0)
    first = merge_annotations(cur, [older, other], "a.jsonl")
    assert (first.added, first.updated, first.unchanged) == (1, 0, 1)
    second = merge_annotations(cur, [newer, other], "b.jsonl")
    assert (second.added, second.updated, second.unchanged) == (0, 1, 1)
    got = {a.author: a.labels for a in stored.annotations_of(cur, "t", "s")}
    assert got == {"ana": ("latency",), "bo": ("refusal",)}


def test_annotation_file_round_trip(tmp_path: Path) -> None:
    a = Annotation(
        "t",
        "s",
        ("hallucination", "wrong tool"),
        "correct",
        1.0,
        "note ✓",
        "expected",
        "ana",
        True,
        "app",
        T0,
        T0 + timedelta(seconds=5),
    )
    write_annotations(tmp_path / "a.jsonl", [a])
    [line] = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["labels"] == ["hallucination", "wrong tool"]
    [back] = read_annotations(tmp_path / "a.jsonl")
    assert back == a


def test_badge_labels_for_a_page(db: Database) -> None:
    cur = db.writer.cursor()
    stored.save_annotation(cur, Annotation("t1", "s1", ("latency", "hallucination"), author="a"))
    stored.save_annotation(cur, Annotation("t1", "", note="look", author="b"))
    db.writer.execute(
        "INSERT INTO annotations (trace_id, span_id, label) VALUES ('t2', 's', 'relevant')"
    )
    traces = stored.labels_of_traces(cur, ["t1", "t2", "t3"])
    # taxonomy order first (hallucination before latency), labels from evaluations too
    assert traces == {"t1": (["hallucination", "latency"], True), "t2": (["relevant"], False)}
    spans = stored.labels_of_spans(cur, [("t1", "s1"), ("t1", "x")])
    assert spans == {("t1", "s1"): (["hallucination", "latency"], False)}


def test_review_queue_freezes_items_and_resumes(traced: Database) -> None:
    cur = traced.writer.cursor()
    where = compile_filter("kind:llm OR kind:tool", "spans")
    queue = review_queues.create_queue(
        cur, "llm and tools", "kind:llm OR kind:tool", "spans", where
    )
    assert (queue.total, queue.position) == (2, 0)
    items = review_queues.items(cur, queue.queue_id)
    assert {i.span_id for i in items} == {LLM, TOOL}
    review_queues.mark(cur, queue.queue_id, 0, "done")
    review_queues.mark(cur, queue.queue_id, 1, "skipped")
    review_queues.move_to(cur, queue.queue_id, 1)
    again = review_queues.queue(traced.reader(), queue.queue_id)
    assert again is not None
    assert (again.position, again.done, again.skipped) == (1, 1, 1)
    traces = review_queues.create_queue(cur, "all", "", "traces", compile_filter("", "traces"))
    assert [(i.trace_id, i.span_id) for i in review_queues.items(cur, traces.queue_id)] == [
        (TRACE, "")
    ]
    assert [q.queue_id for q in review_queues.queues(cur)] == [traces.queue_id, queue.queue_id]
