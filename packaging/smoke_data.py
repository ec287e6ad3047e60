"""Writes packaging/smoke-data/: one small file of every built-in format, for the bundle's smoke
test, and ``expected.json``: what importing each must give (format, spans, priced calls).

The files are made with the test suite's own builders (so they are the shapes the importers
are tested on) and committed; run this again after changing a builder or an importer's
mapping, from the repository root, with the development environment:

    PYTHONPATH=app python packaging/smoke_data.py

``tests/test_smoke_data.py`` checks that the committed files still import as ``expected.json``
says, so the smoke test of a bundle compares it with the source tree.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "packaging" / "smoke-data"
sys.path[:0] = [str(ROOT / "app"), str(ROOT / "tests"), str(ROOT / "packaging")]

import pyarrow.parquet as pq  # noqa: E402
import smoke  # noqa: E402

import otlp_builder  # noqa: E402
import test_import_inspect as inspect_tests  # noqa: E402
import test_import_langfuse as langfuse_tests  # noqa: E402
import test_import_mlflow as mlflow_tests  # noqa: E402
import test_import_phoenix as phoenix_tests  # noqa: E402
import test_import_proto as proto_tests  # noqa: E402
import test_import_provider_logs as provider_tests  # noqa: E402


def otlp_json(path: Path) -> None:
    otlp_builder.write_json(path, otlp_builder.document(otlp_builder.agent_trace()))


def otlp_protobuf(path: Path) -> None:
    doc = otlp_builder.document(otlp_builder.agent_trace("ab" * 16))
    path.write_bytes(proto_tests.to_message(doc).SerializeToString())


def phoenix_jsonl(path: Path) -> None:
    usage = {
        "llm.model_name": "gpt-4o",
        "llm.provider": "openai",
        "llm.token_count.prompt": 1000,
        "llm.token_count.completion": 200,
    }
    trace, span = "cd" * 16, phoenix_tests.span  # a trace of its own (the Parquet one is TRACE)
    spans = [
        span(phoenix_tests.ROOT, "query", trace_id=trace),
        span(phoenix_tests.CHILD, "retrieve", "RETRIEVER", phoenix_tests.ROOT, trace_id=trace),
        span(phoenix_tests.GRANDCHILD, "llm", "LLM", phoenix_tests.CHILD, trace, attributes=usage),
    ]
    otlp_builder.write_jsonl(path, spans)


def phoenix_parquet(path: Path) -> None:
    pq.write_table(phoenix_tests.spans_table(), path)


def langfuse(path: Path) -> None:
    obs = langfuse_tests.observation
    generation = obs(
        "gen-1",
        "GENERATION",
        parentObservationId="span-1",
        model="gpt-4o-mini",
        input=[{"role": "user", "content": "Where is my refund?"}],
        output={"role": "assistant", "content": "On its way."},
        usageDetails={"input": 1500, "output": 300, "total": 1800},
    )
    doc = langfuse_tests.export([obs("span-1", name="agent"), generation], name="support")
    otlp_builder.write_json(path, doc)


def langsmith(path: Path) -> None:
    root, llm = "1f0a5c8e-0000-4000-8000-0000000000a1", "1f0a5c8e-0000-4000-8000-0000000000a2"
    start, end = "2024-10-11T20:58:23.000000+00:00", "2024-10-11T20:58:25.000000+00:00"
    usage = {"input_tokens": 900, "output_tokens": 120, "total_tokens": 1020}
    batch = {
        "post": [
            {
                "id": root,
                "trace_id": root,
                "name": "agent",
                "run_type": "chain",
                "start_time": start,
                "end_time": end,
                "dotted_order": f"20241011T205823000000Z{root}",
                "inputs": {"question": "refund policy?"},
                "outputs": {"answer": "30 days."},
            },
            {
                "id": llm,
                "trace_id": root,
                "parent_run_id": root,
                "name": "ChatOpenAI",
                "run_type": "llm",
                "start_time": start,
                "end_time": end,
                "dotted_order": f"20241011T205823000000Z{root}.20241011T205823100000Z{llm}",
                "extra": {"metadata": {"ls_provider": "openai", "ls_model_name": "gpt-4o"}},
                "inputs": {"messages": [{"role": "user", "content": "refund policy?"}]},
                "outputs": {"model": "gpt-4o-2024-08-06", "usage_metadata": usage},
            },
        ]
    }
    otlp_builder.write_json(path, batch)


def mlflow(path: Path) -> None:
    otlp_builder.write_json(path, mlflow_tests.agent_trace())


def inspect_eval(path: Path) -> None:
    inspect_tests.write_eval(path, inspect_tests.log([inspect_tests.agent_sample()]))
    # The same bytes on every run: members dated by the sample, not by the clock.
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, (2025, 7, 5, 10, 0, 0)), data)


def provider_log(path: Path) -> None:
    otlp_builder.write_json(path, provider_tests.chat_completion())


FILES = {
    "otlp.json": otlp_json,
    "otlp.pb": otlp_protobuf,
    "phoenix-spans.jsonl": phoenix_jsonl,
    "phoenix-spans.parquet": phoenix_parquet,
    "langfuse-trace.json": langfuse,
    "langsmith-runs.json": langsmith,
    "mlflow-trace.json": mlflow,
    "inspect.eval": inspect_eval,
    "openai-response.json": provider_log,
}


def source_tree_runner() -> smoke.Spanscope:
    """Runs the command line of the source tree in this process, as the bundle runs it."""
    from spanscope.cli import main as spanscope_main

    def run(args: Sequence[str]) -> tuple[int, str]:
        out = io.StringIO()
        return spanscope_main(list(args), out), out.getvalue()

    return run


def expected() -> dict[str, Any]:
    """What the source tree makes of the smoke data: the bundle must make the same."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SPANSCOPE_HOME"] = str(Path(tmp) / "home")
        found: dict[str, Any] = smoke.jsonable(smoke.facts(source_tree_runner(), Path(tmp)))
        return found


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, write in FILES.items():
        write(OUT / name)
    assert tuple(FILES) == smoke.FILES
    found = expected()
    (OUT / "expected.json").write_text(json.dumps(found, indent=1) + "\n")
    for name, facts in found["files"].items():
        print(f"{name}: {facts}")


if __name__ == "__main__":
    main()
