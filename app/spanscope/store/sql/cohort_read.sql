-- Everything a comparison reads of one cohort, in one pass over its spans (the sizes of
-- answers and retrievals are the columns import kept, never the nested lists): the traces
-- `{traces}` selects (a WHERE over `traces`, as the trace list counts them) and their model
-- calls, tool calls and retrievals. One row:
-- * aggregates: rates as (hits, trials); latencies in milliseconds; means per call, per trace
--   or per retrieval;
-- * samples of the distributions the rank tests read (a call's latency, tokens and output
--   length; a trace's cost, tool calls and calls; a retrieval's chunks and top score): at most
--   {sample} rows of each of calls, traces and retrievals, drawn at random (all of them below
--   that), so a million-span cohort is compared in well under a second;
-- * shares: llm calls per model, tool calls per tool, and traces carrying each label reviewers
--   gave (on the trace or any of its spans). An evaluator's pass/fail is left out: which calls
--   were judged, not what changed, would decide its share.
WITH cohort AS MATERIALIZED (
    SELECT trace_id, error_count, coalesce(cost, 0) AS cost, tool_count, llm_count
    FROM traces WHERE {traces}
),
s AS MATERIALIZED (
    SELECT kind, status, coalesce(model, '(none)') AS model, coalesce(tool_name, name, '(none)') AS tool,
           duration_ns / 1e6 AS latency_ms, input_tokens, output_tokens, output_chars,
           CASE WHEN kind = 'retriever' THEN coalesce(chunk_count, 0) END AS chunks,
           CASE WHEN kind = 'retriever' THEN top_chunk_score END AS top_score
    FROM spans
    WHERE trace_id IN (SELECT trace_id FROM cohort) AND kind IN ('llm', 'tool', 'retriever')
),
call_sample AS (SELECT * FROM (SELECT * FROM s WHERE kind = 'llm') USING SAMPLE reservoir({sample} ROWS)),
trace_sample AS (SELECT * FROM cohort USING SAMPLE reservoir({sample} ROWS)),
retrieval_sample AS (SELECT * FROM (SELECT * FROM s WHERE kind = 'retriever') USING SAMPLE reservoir({sample} ROWS)),
span_summary AS (
    SELECT
        count(*) FILTER (kind = 'llm') AS calls,
        count(*) FILTER (kind = 'llm' AND status = 'error') AS failed_calls,
        quantile_cont(latency_ms, [0.5, 0.95, 0.99]) FILTER (kind = 'llm') AS latency_quantiles,
        avg(input_tokens) FILTER (kind = 'llm') AS input_tokens_per_call,
        avg(output_tokens) FILTER (kind = 'llm') AS output_tokens_per_call,
        avg(output_chars) FILTER (kind = 'llm') AS output_chars_per_call,
        count(*) FILTER (kind = 'tool') AS tool_spans,
        count(*) FILTER (kind = 'tool' AND status = 'error') AS failed_tool_spans,
        count(*) FILTER (kind = 'retriever') AS retrievals,
        avg(chunks) FILTER (kind = 'retriever') AS chunks_per_retrieval,
        avg(top_score) FILTER (kind = 'retriever') AS top_chunk_score
    FROM s
),
trace_summary AS (
    SELECT count(*) AS traces,
           count(*) FILTER (error_count > 0) AS traces_with_errors,
           avg(cost) AS cost_per_trace,
           avg(tool_count) AS tool_calls_per_trace,
           avg(llm_count) AS calls_per_trace
    FROM cohort
)
SELECT t.*, p.* EXCLUDE (latency_quantiles),
    p.latency_quantiles[1] AS latency_p50_ms,
    p.latency_quantiles[2] AS latency_p95_ms,
    p.latency_quantiles[3] AS latency_p99_ms,
    (SELECT {
        'latency_ms': list(latency_ms::DOUBLE) FILTER (latency_ms IS NOT NULL),
        'input_tokens_per_call': list(input_tokens::DOUBLE) FILTER (input_tokens IS NOT NULL),
        'output_tokens_per_call': list(output_tokens::DOUBLE) FILTER (output_tokens IS NOT NULL),
        'output_chars_per_call': list(output_chars::DOUBLE) FILTER (output_chars IS NOT NULL)
     } FROM call_sample) AS call_values,
    (SELECT {
        'cost_per_trace': list(cost::DOUBLE) FILTER (cost IS NOT NULL),
        'tool_calls_per_trace': list(tool_count::DOUBLE) FILTER (tool_count IS NOT NULL),
        'calls_per_trace': list(llm_count::DOUBLE) FILTER (llm_count IS NOT NULL)
     } FROM trace_sample) AS trace_values,
    (SELECT {
        'chunks_per_retrieval': list(chunks::DOUBLE) FILTER (chunks IS NOT NULL),
        'top_chunk_score': list(top_score::DOUBLE) FILTER (top_score IS NOT NULL)
     } FROM retrieval_sample) AS retrieval_values,
    (SELECT list({'value': model, 'n': n}) FROM (SELECT model, count(*) AS n FROM s WHERE kind = 'llm' GROUP BY ALL)) AS models,
    (SELECT list({'value': tool, 'n': n}) FROM (SELECT tool, count(*) AS n FROM s WHERE kind = 'tool' GROUP BY ALL)) AS tools,
    (SELECT list({'value': label, 'n': n}) FROM (
        SELECT lower(label) AS label, count(DISTINCT trace_id) AS n FROM annotation_labels
        WHERE trace_id IN (SELECT trace_id FROM cohort) AND label IS NOT NULL
          AND NOT coalesce(author, '') LIKE 'evaluator:%' GROUP BY ALL)) AS labels
FROM trace_summary t, span_summary p
