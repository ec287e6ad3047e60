"""How fast a ClickHouse source answers: the collector exporter's ``otel_traces`` (its own DDL)
filled with synthetic GenAI agent runs inside ClickHouse in-process (chdb), then the first
trace page, a filtered page, the sidebar facets, cost by model and by day, the failure
groups, and a pull of 100
traces into a local database, each timed (median of ``--runs``).

    python bench/clickhouse_bench.py --spans 1000000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "app"))

from spanscope import ingest  # noqa: E402
from spanscope.core.filter_clickhouse import CLICKHOUSE  # noqa: E402
from spanscope.core.filter_value import make_filter  # noqa: E402
from spanscope.core.pricing import cost_rules  # noqa: E402
from spanscope.store import Database  # noqa: E402
from spanscope.store.clickhouse.client import open_folder  # noqa: E402
from spanscope.store.clickhouse.pulled_file import write_pulled  # noqa: E402
from spanscope.store.clickhouse.source import ClickHouseSource  # noqa: E402
from spanscope.store.facets import FACETS  # noqa: E402

DDL = ROOT / "tests" / "fixtures" / "clickhouse" / "otel_traces.sql"
# Five spans a trace (an agent, three model calls, a tool), over thirty days.
FILL = """
INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind,
    ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode, StatusMessage)
SELECT
    fromUnixTimestamp64Nano(toInt64(1793527200000000000 + intDiv(number, 5) * {gap} + (number % 5) * 1000000)),
    leftPad(lower(hex(intDiv(number, 5) + 1)), 32, '0'),
    leftPad(lower(hex(number + 1)), 16, '0'),
    if(number % 5 = 0, '', leftPad(lower(hex(number - number % 5 + 1)), 16, '0')),
    multiIf(number % 5 = 0, 'agent.run', number % 5 = 4, 'execute_tool search_kb', 'chat'),
    if(number % 5 = 0, 'Internal', 'Client'),
    ['checkout', 'support', 'search'][intDiv(number, 5) % 3 + 1],
    map('service.name', ['checkout', 'support', 'search'][intDiv(number, 5) % 3 + 1]),
    multiIf(number % 5 = 0, map('gen_ai.operation.name', 'invoke_agent', 'user.id', concat('u_', toString(intDiv(number, 5) % 1000))),
            number % 5 = 4, map('gen_ai.operation.name', 'execute_tool', 'gen_ai.tool.name', 'search_kb',
                                'gen_ai.tool.call.arguments', concat('{{"query": "order ', toString(number % 997), '"}}')),
            map('gen_ai.operation.name', 'chat', 'gen_ai.provider.name', 'openai',
                'gen_ai.request.model', ['gpt-4o', 'gpt-4o-mini', 'o3-mini'][number % 3 + 1],
                'gen_ai.usage.input_tokens', toString(number % 3000), 'gen_ai.usage.output_tokens', toString(number % 500),
                'gen_ai.input.messages', concat('[{{"role": "user", "parts": [{{"type": "text", "content": "where is order ', toString(number % 997), '"}}]}}]'))),
    (number * 7919) % 3000000000,
    if(number % 37 = 0, 'Error', 'Unset'),
    if(number % 37 = 0, 'upstream timed out', '')
FROM numbers({spans})
"""


def timed(runs: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import clickhouse_connect

    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "clickhouse"
        writer = clickhouse_connect.get_client(interface="chdb", path=str(data))
        started = time.perf_counter()
        writer.command(DDL.read_text(encoding="utf-8"))
        gap = 30 * 86_400 * 10**9 // max(args.spans // 5, 1)
        writer.command(FILL.format(spans=args.spans, gap=gap))
        writer.close()
        print(f"filled {args.spans:,} spans in {time.perf_counter() - started:.1f} s")
        source = ClickHouseSource(open_folder(data))
        source.check()
        priced = timed(1, lambda: source.use_prices(cost_rules().rate_card))
        everything = make_filter("").compiled_for(CLICKHOUSE)
        llm = make_filter("kind:llm model:gpt-4o* status:error").compiled_for(CLICKHOUSE)
        rows = [
            ("price book (once per connection)", priced),
            (
                "first trace page",
                timed(args.runs, lambda: source.trace_page(everything[0], limit=200)),
            ),
            (
                "first span page",
                timed(args.runs, lambda: source.span_page(everything[1], limit=200)),
            ),
            (
                "trace page: kind:llm model:gpt-4o* status:error",
                timed(args.runs, lambda: source.trace_page(llm[0], limit=200)),
            ),
            (
                "facets (7), no filter",
                timed(
                    args.runs,
                    lambda: [
                        source.facet_counts(
                            f.field, everything[0] if f.table == "traces" else everything[1]
                        )
                        for f in FACETS
                    ],
                ),
            ),
            ("cost by model", timed(args.runs, lambda: source.cost_breakdown("model"))),
            ("cost by day", timed(args.runs, lambda: source.cost_breakdown("day"))),
            ("failure groups", timed(args.runs, lambda: source.failure_groups(everything[1]))),
        ]
        db = Database.open(Path(folder) / "local.duckdb")

        def pull() -> None:
            pulled = source.pull_rows(llm[0], 100)
            path = write_pulled(pulled, Path(folder) / "pulled", "bench", "")
            list(ingest.import_paths(db, [path]))

        rows.append(("pull 100 traces into a local database", timed(1, pull)))
        db.close()
        source.close()
    width = max(len(name) for name, _ in rows)
    for name, ms in rows:
        print(f"{name.ljust(width)}  {ms:9.1f} ms")


if __name__ == "__main__":
    main()
