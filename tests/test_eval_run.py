"""Evaluators over a real database: code checks stored as annotations by the evaluator, found
by filters, not redone on a re-run; LLM judges through a loopback endpoint speaking both
protocols, with scripted verdicts, malformed verdicts and a 429; the judge against reviewers."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from otlp_builder import document, span, write_json
from replay_server import LoopbackModel, Reply
from spanscope.cli import main
from spanscope.core.filters import compile_filter
from spanscope.core.replay_endpoints import save_endpoints
from spanscope.model.annotation import Annotation
from spanscope.store import Database, queries
from spanscope.store.annotations import list_annotations, save_annotation
from store_checks import imported

ANSWERS = [
    "Refunds are accepted within 30 days of delivery.",
    "Refunds are accepted within 90 days, no questions asked.",
    "I'm sorry, I can't help with that.",
    "Refunds within 30 days with a receipt.",
]
KEY = "sk-judge-secret-0000000000000000"


def _calls() -> list[dict[str, Any]]:
    spans = []
    for n, answer in enumerate(ANSWERS, 1):
        trace = f"{n:032x}"
        spans.append(
            span(
                trace,
                f"{n:015x}a",
                "retrieval kb",
                start=n * 1000,
                attributes={
                    "gen_ai.operation.name": "retrieval",
                    "gen_ai.retrieval.documents": json.dumps(
                        [
                            {
                                "id": "d1",
                                "score": 0.9,
                                "content": "Refunds are accepted within 30 days of delivery with a receipt.",
                            }
                        ]
                    ),
                },
            )
        )
        spans.append(
            span(
                trace,
                f"{n:015x}b",
                "chat gpt-4o",
                start=n * 1000 + 10,
                attributes={
                    "gen_ai.operation.name": "chat",
                    "gen_ai.request.model": "gpt-4o",
                    "gen_ai.input.messages": json.dumps(
                        [
                            {
                                "role": "user",
                                "parts": [
                                    {"type": "text", "content": "What is the refund window?"}
                                ],
                            }
                        ]
                    ),
                    "gen_ai.output.messages": json.dumps(
                        [{"role": "assistant", "parts": [{"type": "text", "content": answer}]}]
                    ),
                },
            )
        )
    return spans


@pytest.fixture
def calls_db(db: Database, tmp_path: Path) -> Path:
    imported(db, write_json(tmp_path / "calls.json", document(_calls(), service="support")))
    path = db.path
    db.close()
    return path


def cli(path: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--db", str(path), *args], out=out)
    return code, out.getvalue()


def _spans(path: Path, text: str) -> list[str]:
    with Database.open(path, read_only=True) as db:
        page = queries.span_page(db.reader(), where=compile_filter(text, "spans"))
        return sorted(r["span_id"] for r in page.rows.to_pylist())


def test_a_code_check_is_stored_filterable_and_not_redone(calls_db: Path) -> None:
    code, out = cli(calls_db, "eval", "run", "contains:30 days", "--json")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["label"] for r in records] == ["pass", "fail", "fail", "pass"]
    assert {r["evaluator"] for r in records} == {"evaluator:contains:30 days@1"}
    assert _spans(calls_db, "author:evaluator:* label:fail") == [f"{2:015x}b", f"{3:015x}b"]
    assert _spans(calls_db, "score<1") == [f"{2:015x}b", f"{3:015x}b"]
    code, again = cli(calls_db, "eval", "run", "contains:30 days")
    assert "0 passed, 0 failed, 0 evaluator errors; 4 already judged" in again
    code, grounded = cli(calls_db, "eval", "run", "grounded:0.6", "--json")
    scores = [json.loads(line)["label"] for line in grounded.splitlines()]
    assert scores == ["pass", "fail", "fail", "pass"]


def test_eval_list_and_bad_names(calls_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(calls_db, "eval", "list")
    assert code == 0 and "faithfulness (LLM judge)" in out and "tool-args-valid" in out
    assert cli(calls_db, "eval", "run", "no-such-check")[0] == 2
    assert "unknown check" in capsys.readouterr().err
    assert cli(calls_db, "eval", "run", "faithfulness")[0] == 2
    assert "give --endpoint" in capsys.readouterr().err


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
def test_a_judge_verdicts_errors_and_a_rate_limit(
    calls_db: Path, protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdict = '{"label": "%s", "score": %s, "explanation": "checked against chunk 1"}'
    with LoopbackModel() as server:
        server.script(
            Reply(text=verdict % ("faithful", 1)),
            Reply(status=429, headers={"retry-after": "0"}),
            Reply(text="```json\n" + verdict % ("hallucinated", 0) + "\n```"),
            Reply(text="Sure! The answer looks faithful to me."),
            Reply(text=verdict % ("maybe", 0.5)),
        )
        endpoint = server.endpoint(protocol, model="judge-1", api_key_env="JUDGE_KEY")
        save_endpoints([endpoint])
        monkeypatch.setenv("JUDGE_KEY", KEY)
        code, out = cli(
            calls_db,
            "eval",
            "run",
            "faithfulness",
            "--endpoint",
            endpoint.name,
            "--concurrency",
            "1",
            "--json",
        )
        assert code == 0
        records = [json.loads(line) for line in out.splitlines()]
        assert [(r["label"], r["score"]) for r in records] == [
            ("faithful", 1.0),
            ("hallucinated", 0.0),
            (None, None),
            (None, None),
        ]
        assert "not JSON" in records[2]["error"]
        assert "'maybe' is not one of" in records[3]["error"]
        assert len(server.requests) == 5  # the 429 was retried after its Retry-After
        sent = json.dumps(server.requests[0].body)
        assert "BEGIN" in sent and "Refunds are accepted within 30 days" in sent
        # a re-run asks only about the calls that errored
        server.script(
            Reply(text=verdict % ("hallucinated", 0.2)), Reply(text=verdict % ("faithful", 0.9))
        )
        code, again = cli(
            calls_db,
            "eval",
            "run",
            "faithfulness",
            "--endpoint",
            endpoint.name,
            "--concurrency",
            "1",
            "--json",
        )
        assert len(again.splitlines()) == 2 and len(server.requests) == 7
    assert KEY not in calls_db.read_bytes().decode("latin-1")
    with Database.open(calls_db, read_only=True) as db:
        stored = list_annotations(db.reader(), "author = ?", ["evaluator:faithfulness@1-judge-1"])
    assert sorted(a.labels for a in stored) == [
        ("faithful",),
        ("faithful",),
        ("hallucinated",),
        ("hallucinated",),
    ]


def test_the_judge_against_reviewers(calls_db: Path) -> None:
    # the evaluator: calls 2 and 3 fail; ana agrees on 2 and 3, bo marks 2 and 4
    cli(calls_db, "eval", "run", "contains:30 days")
    with Database.open(calls_db) as db:
        writer = db.writer.cursor()
        for reviewer, failed in (("ana", {2, 3}), ("bo", {2, 4})):
            for n in range(1, 5):
                labels = ("hallucination",) if n in failed else ()
                note = None if labels else "fine"
                save_annotation(
                    writer,
                    Annotation(f"{n:032x}", f"{n:015x}b", labels, note=note, author=reviewer),
                )
    code, out = cli(calls_db, "eval", "agreement", "contains:30 days", "--json")
    rows = {r["reviewer"]: r for r in map(json.loads, out.splitlines())}
    ana, bo = rows["ana"], rows["bo"]
    assert (ana["items"], ana["both_failed"], ana["both_passed"], ana["cohen"]) == (4, 2, 2, 1.0)
    # bo: agree on 1 (pass) and 2 (fail); disagree on 3 and 4 -> kappa 0
    assert (bo["both_failed"], bo["only_judge_failed"], bo["only_reviewer_failed"]) == (1, 1, 1)
    assert bo["cohen"] == pytest.approx(0.0)
    assert sorted(s for _t, s in bo["disagreements"]) == [f"{3:015x}b", f"{4:015x}b"]
    code, text = cli(calls_db, "eval", "agreement", "contains:30 days")
    assert "disagree:" in text and "ana" in text


def test_a_judge_that_does_not_answer_in_time_is_an_evaluator_error(
    calls_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdict = '{"label": "faithful", "score": 1, "explanation": "supported"}'
    with LoopbackModel(default=Reply(text=verdict)) as server:
        server.script(Reply(text=verdict, delay_s=5.0))
        endpoint = server.endpoint(
            "openai", model="judge-1", timeout_s=0.5, api_key_env="JUDGE_KEY"
        )
        save_endpoints([endpoint])
        monkeypatch.setenv("JUDGE_KEY", KEY)
        code, out = cli(
            calls_db,
            "eval",
            "run",
            "faithfulness",
            "--endpoint",
            endpoint.name,
            "--concurrency",
            "1",
            "--limit",
            "2",
            "--json",
        )
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["label"] is None and "timeout" in first["error"]
    assert second["label"] == "faithful"
