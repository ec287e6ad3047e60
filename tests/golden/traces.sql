-- The golden query of the trace list: the derived row of every trace of the imported file (what
-- the list shows: counts, tokens, who, when). Cost is left out (it comes from the bundled
-- prices, which change on their own); whether the calls were priced is kept.
SELECT
    trace_id,
    root_span_id,
    root_name,
    service,
    duration_ns // 1000000 AS duration_ms,
    span_count,
    llm_count,
    tool_count,
    retriever_count,
    error_count,
    input_tokens,
    output_tokens,
    cost IS NOT NULL AS priced,
    session_id,
    user_id,
    array_to_string(models, '|') AS models,
    preview
FROM traces
ORDER BY start_ns, trace_id
