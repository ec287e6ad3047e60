"""Two imported runs of the same agent that part at the retrieval, for the diff tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from otlp_builder import LLM, RETRIEVER, TOOL, agent_trace, document, write_json
from spanscope.ingest import import_paths
from spanscope.model import ImportStatus
from spanscope.store import Database

GOOD = "aaaa0000aaaa0000aaaa0000aaaa0000"
BAD = "bbbb0000bbbb0000bbbb0000bbbb0000"


def attribute(span: dict[str, Any], key: str, text: str) -> None:
    for entry in span["attributes"]:
        if entry["key"] == key:
            entry["value"] = {"stringValue": text}


def two_runs(tmp_path: Path) -> Path:
    good, bad = agent_trace(GOOD), agent_trace(BAD)
    for span in bad:  # the bad run happened a minute later
        for key in ("startTimeUnixNano", "endTimeUnixNano"):
            span[key] = str(int(span[key]) + 60_000_000_000)
    by_id = {s["spanId"]: s for s in bad}
    # The same retrieval, re-ranked; the model then answered differently; call ids differ.
    docs = json.loads(
        next(a for a in by_id[RETRIEVER]["attributes"] if a["key"] == "gen_ai.retrieval.documents")[
            "value"
        ]["stringValue"]
    )
    attribute(by_id[RETRIEVER], "gen_ai.retrieval.documents", json.dumps(docs[::-1]))
    out = json.loads(
        next(a for a in by_id[LLM]["attributes"] if a["key"] == "gen_ai.output.messages")["value"][
            "stringValue"
        ]
    )
    out[0]["parts"][0]["content"] = "Let me check the shipping rules."
    attribute(by_id[LLM], "gen_ai.output.messages", json.dumps(out))
    attribute(by_id[TOOL], "gen_ai.tool.call.id", "call_77")
    path = write_json(tmp_path / "runs.json", document(good + bad))
    db_path = tmp_path / "runs.duckdb"
    db = Database.open(db_path)
    try:
        [result] = list(import_paths(db, [path]))
        assert result.status == ImportStatus.IMPORTED, result.error
    finally:
        db.close()
    return db_path
