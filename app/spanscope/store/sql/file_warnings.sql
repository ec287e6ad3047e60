-- Facts about the spans the file $source_id brought, for its warnings. One row.
WITH mine AS (
    SELECT trace_id, span_id, parent_span_id, start_ns, end_ns, kind, conventions, status, model,
           input_messages, output_messages, tool_calls
    FROM spans WHERE source_id = $source_id
),
orphans AS (
    SELECT count(*) AS n FROM mine c
    WHERE c.parent_span_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM spans p WHERE p.trace_id = c.trace_id AND p.span_id = c.parent_span_id)
)
SELECT
    (SELECT n FROM orphans) AS orphans,
    count(*) FILTER (end_ns < start_ns) AS end_before_start,
    count(*) FILTER (start_ns IS NULL) AS no_start,
    count(*) FILTER ((len(conventions) = 0 OR conventions IS NULL) AND kind = 'other') AS no_llm_convention,
    count(*) FILTER (starts_with(trace_id, 'unset-') OR starts_with(span_id, 'unset-')) AS zero_ids,
    -- model calls missing what an engineer reads first: the model, the input, the answer
    count(*) FILTER (kind = 'llm' AND model IS NULL) AS llm_no_model,
    count(*) FILTER (kind = 'llm' AND coalesce(len(input_messages), 0) = 0) AS llm_no_input,
    count(*) FILTER (kind = 'llm' AND coalesce(len(output_messages), 0) = 0
                     AND coalesce(len(tool_calls), 0) = 0 AND status IS DISTINCT FROM 'error') AS llm_no_output,
    coalesce(sum(len(list_filter(tool_calls, lambda c: c.arguments IS NULL))), 0) AS calls_no_arguments,
    count(*) AS spans,
    count(DISTINCT trace_id) AS traces
FROM mine;
