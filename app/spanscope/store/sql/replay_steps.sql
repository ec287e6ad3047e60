-- A trace's spans in time order with what the step-through shows in its list: what each span
-- is, when, how it ended, its usage and cost, and how much it retrieved. Large text columns
-- are read one step at a time (queries.span_detail), not here; the names and messages listed
-- are cut to what a row can show (trace text can hold megabytes anywhere).
SELECT span_id, parent_span_id, left(name, 2000) AS name, kind, start_ns, end_ns, duration_ns,
       status, left(status_message, 2000) AS status_message, left(error_type, 500) AS error_type,
       left(model, 500) AS model, left(tool_name, 500) AS tool_name, input_tokens, output_tokens,
       coalesce(recorded_cost, computed_cost) AS cost,
       len(documents) AS document_count,
       len(tool_calls) AS tool_call_count,
       -- server-side tools that failed inside a model call: their result is {"error": ...}
       CASE WHEN kind <> 'tool' THEN len(list_filter(tool_calls, lambda c:
           json_valid(c.result) AND (json_extract_string(c.result, '$.error') IS NOT NULL
               OR ends_with(coalesce(json_extract_string(c.result, '$.type'), ''), '_error')))) ELSE 0 END
           AS failed_tool_call_count
FROM spans
WHERE trace_id = $trace_id
ORDER BY start_ns NULLS LAST, span_id;
