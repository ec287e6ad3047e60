"""`make check-exports`: annotated traces (the small RAG trace of the tests, and the real corpus
traces when present) exported in every format by Spanscope, then each file handed to its tool,
each tool in its own environment, offline: Inspect loads its dataset and runs an eval with its
mock model, Ragas and DeepEval load the RAG set, promptfoo runs its config with the echo provider
and an offline grader. Every sample must be scored and none may pass for free.

    python tests/check_exports_e2e.py export FOLDER     # needs Spanscope
    python tests/check_exports_e2e.py inspect FOLDER    # needs inspect_ai (tests/consumers/)
    python tests/check_exports_e2e.py ragas|deepeval FOLDER
    python tests/check_exports_e2e.py promptfoo FOLDER  # needs npx
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
CORPUS = HERE.parents[1] / "shared" / "corpus"
PROMPTFOO = os.environ.get("PROMPTFOO", "promptfoo@0.123.1")
SETS = ("fixture", "corpus")


def export(folder: Path) -> None:
    from otlp_builder import document, write_json
    from spanscope.model.annotation import Annotation
    from spanscope.store import Database
    from spanscope.store import annotations as stored
    from store_checks import imported
    from test_export_consumers import annotate_corpus, export_all, rag_trace

    for name in SETS:
        if name == "corpus" and not CORPUS.is_dir():
            print("the shared trace corpus is not present: fixture only")
            continue
        where = folder / name
        where.mkdir(parents=True, exist_ok=True)
        db = Database.open(where / "reviewed.duckdb")
        try:
            if name == "corpus":
                annotate_corpus(db, CORPUS)
            else:
                imported(db, write_json(where / "rag.json", document(rag_trace())))
                for span_id in ("b000000000000004", "b000000000000006", ""):
                    stored.save_annotation(db.writer.cursor(), Annotation(
                        "0af7651916cd43dd8448eb211c80319c", span_id, ("hallucination",),
                        expected="Refunds take 5 business days.", author="check"))  # fmt: skip
            for outcome in export_all(db, where).values():
                print(outcome.summary()[:200])
        finally:
            db.close()


def sets(folder: Path) -> list[Path]:
    return [folder / name for name in SETS if (folder / name).is_dir()]


def inspect(folder: Path) -> None:
    from inspect_ai import Task, eval
    from inspect_ai.dataset import json_dataset
    from inspect_ai.model import ModelOutput, ModelUsage, get_model
    from inspect_ai.scorer import match
    from inspect_ai.solver import generate

    from export_checks import check_inspect

    for where in sets(folder):
        path = where / "evals-inspect-jsonl.jsonl"
        check_inspect(path)
        samples = json_dataset(str(path))
        # the mock model's answer, with its usage given (counting it would fetch a tokenizer)
        answer = ModelOutput.from_content("mockllm/model", "Default output from mockllm/model")
        answer.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        model = get_model("mockllm/model", custom_outputs=[answer] * len(samples))
        [log] = eval(Task(dataset=samples, solver=generate(), scorer=match()), model=model,
                     log_dir=str(where / "inspect-logs"), display="none")  # fmt: skip
        assert log.status == "success", log.error
        scored = [s.scores["match"].value for s in log.samples or []]
        print(f"inspect {where.name}: {len(scored)} samples scored, {scored.count('C')} correct")
        assert scored and "C" not in scored, scored


def ragas(folder: Path) -> None:
    from export_checks import check_ragas

    for where in sets(folder):
        print(f"ragas {where.name}: {len(check_ragas(where / 'evals-rag-jsonl.jsonl'))} samples")


def deepeval(folder: Path) -> None:
    from export_checks import check_deepeval

    for where in sets(folder):
        found = check_deepeval(where / "evals-rag-jsonl.jsonl")
        print(f"deepeval {where.name}: {len(found)} goldens")


def promptfoo(folder: Path) -> None:
    from export_checks import check_promptfoo

    grader = f"file://{HERE / 'fixtures' / 'promptfoo_offline_grader.js'}"
    env = {**os.environ, "PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1"}
    for where in sets(folder):
        config = where / "evals-promptfoo-yaml.yaml"
        check_promptfoo(config)
        results = where / "promptfoo.json"
        npx = ["npx", "--yes", PROMPTFOO]
        subprocess.run([*npx, "validate", "-c", str(config)], check=True, env=env)
        subprocess.run(
            [*npx, "eval", "-c", str(config), "-r", "echo", "--grader", grader, "--no-cache",
             "--no-progress-bar", "-o", str(results)],
            env=env, check=False,  # failing tests exit non-zero, which is the point
        )  # fmt: skip
        stats = json.loads(results.read_text(encoding="utf-8"))["results"]["stats"]
        print(f"promptfoo {where.name}: {stats['successes']} passed, {stats['failures']} failed")
        assert stats["failures"] > 0 and stats["successes"] == 0 and not stats.get("errors"), stats


if __name__ == "__main__":
    step, where = sys.argv[1], Path(sys.argv[2])
    {"export": export, "inspect": inspect, "ragas": ragas, "deepeval": deepeval,
     "promptfoo": promptfoo}[step](where)  # fmt: skip
