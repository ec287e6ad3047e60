"""`make check-exports`, end to end: an annotated trace exported by Spanscope, then run by the
tools themselves, offline: promptfoo (echo provider, an offline grader) and an Inspect eval with
its mock model. Every sample must be scored, and none may pass for free: the echo provider and
the mock model never give the expected answers.

    python tests/check_exports_e2e.py export FOLDER   # needs Spanscope
    python tests/check_exports_e2e.py run FOLDER      # needs inspect_ai and npx
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROMPTFOO = os.environ.get("PROMPTFOO", "promptfoo@0.123.1")


def export(folder: Path) -> None:
    sys.path.insert(0, str(HERE))
    from otlp_builder import document, write_json
    from spanscope.core import eval_export
    from spanscope.model.annotation import Annotation
    from spanscope.store import Database
    from spanscope.store import annotations as stored
    from store_checks import imported
    from test_export_consumers import rag_trace

    folder.mkdir(parents=True, exist_ok=True)
    db = Database.open(folder / "check.duckdb")
    try:
        imported(db, write_json(folder / "rag.json", document(rag_trace())))
        cur = db.writer.cursor()
        for span_id in ("b000000000000004", "b000000000000005", ""):
            stored.save_annotation(cur, Annotation(
                "0af7651916cd43dd8448eb211c80319c", span_id, ("hallucination",),
                expected="Refunds take 5 business days.", author="check"))  # fmt: skip
        records = eval_export.records_for(db.reader(), stored.list_annotations(db.reader()))
        for name in ("promptfoo-yaml", "inspect-jsonl"):  # noqa: E501
            outcome = eval_export.export(
                records, name, folder / f"evals{eval_export.FORMATS[name].suffix}"
            )
            print(outcome.summary())
    finally:
        db.close()


def run(folder: Path) -> None:
    config = folder / "evals.yaml"
    results = folder / "promptfoo.json"
    grader = f"file://{HERE / 'fixtures' / 'promptfoo_offline_grader.js'}"
    env = {**os.environ, "PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1"}
    subprocess.run(["npx", "--yes", PROMPTFOO, "validate", "-c", str(config)], check=True, env=env)
    subprocess.run(
        ["npx", "--yes", PROMPTFOO, "eval", "-c", str(config), "-r", "echo", "--grader", grader,
         "--no-cache", "--no-progress-bar", "-o", str(results)],
        env=env, check=False,  # failing tests exit non-zero, which is the point
    )  # fmt: skip
    outcome = json.loads(results.read_text(encoding="utf-8"))["results"]
    stats = outcome["stats"]
    print(
        f"promptfoo: {stats['successes']} passed, {stats['failures']} failed, {stats.get('errors', 0)} errors"
    )
    assert stats["failures"] > 0 and stats["successes"] == 0 and not stats.get("errors"), stats

    from inspect_ai import Task, eval
    from inspect_ai.dataset import json_dataset
    from inspect_ai.model import ModelOutput, ModelUsage, get_model
    from inspect_ai.scorer import match
    from inspect_ai.solver import generate

    samples = json_dataset(str(folder / "evals.jsonl"))
    # the mock model's default answer, with its usage given (counting it would fetch a tokenizer)
    answer = ModelOutput.from_content("mockllm/model", "Default output from mockllm/model")
    answer.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    model = get_model("mockllm/model", custom_outputs=[answer] * len(samples))
    [log] = eval(Task(dataset=samples, solver=generate(), scorer=match()),
                 model=model, log_dir=str(folder / "inspect-logs"), display="none")  # fmt: skip
    assert log.status == "success", log.error
    scored = [s.scores["match"].value for s in log.samples or []]
    print(f"inspect: {len(scored)} samples scored, {scored.count('C')} correct")
    assert scored and "C" not in scored, scored


if __name__ == "__main__":
    step, where = sys.argv[1], Path(sys.argv[2])
    export(where) if step == "export" else run(where)
