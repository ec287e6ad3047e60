-- Aggregates of one cohort for a comparison: the traces `{traces}` selects (a WHERE over
-- `traces`, as the trace list counts them) and every span of those traces. Rates as
-- (hits, trials); latencies in milliseconds; means per call, per trace or per retrieval.
WITH cohort AS (SELECT * FROM traces WHERE {traces}),
s AS (SELECT * FROM spans WHERE trace_id IN (SELECT trace_id FROM cohort))
SELECT
    (SELECT count(*) FROM cohort) AS traces,
    (SELECT count(*) FILTER (error_count > 0) FROM cohort) AS traces_with_errors,
    (SELECT avg(coalesce(cost, 0)) FROM cohort) AS cost_per_trace,
    (SELECT avg(tool_count) FROM cohort) AS tool_calls_per_trace,
    (SELECT avg(llm_count) FROM cohort) AS calls_per_trace,
    count(*) FILTER (kind = 'llm') AS calls,
    count(*) FILTER (kind = 'llm' AND status = 'error') AS failed_calls,
    quantile_cont(duration_ns / 1e6, 0.5) FILTER (kind = 'llm') AS latency_p50_ms,
    quantile_cont(duration_ns / 1e6, 0.95) FILTER (kind = 'llm') AS latency_p95_ms,
    quantile_cont(duration_ns / 1e6, 0.99) FILTER (kind = 'llm') AS latency_p99_ms,
    avg(input_tokens) FILTER (kind = 'llm') AS input_tokens_per_call,
    avg(output_tokens) FILTER (kind = 'llm') AS output_tokens_per_call,
    avg(list_sum(list_transform(output_messages, lambda m: length(coalesce(m.content, ''))))) FILTER (kind = 'llm') AS output_chars_per_call,
    count(*) FILTER (kind = 'tool') AS tool_spans,
    count(*) FILTER (kind = 'tool' AND status = 'error') AS failed_tool_spans,
    count(*) FILTER (kind = 'retriever') AS retrievals,
    avg(coalesce(len(documents), 0)) FILTER (kind = 'retriever') AS chunks_per_retrieval,
    avg(list_max(list_transform(documents, lambda d: d.score))) FILTER (kind = 'retriever') AS top_chunk_score
FROM s
