-- What evaluators read of each model call a filter selects, in one pass (no per-span query):
-- the conversation sent and the answer as text, the tool calls it requested, its timing,
-- tokens, cost and finish reason, the chunks retrieved earlier in the same trace (what the
-- answer should be grounded in), and the attributes where tools are declared. A content hash
-- identifies what was judged, so a re-run skips calls already judged on the same content.
-- The attributes (the large column) are read only for the checks that need them ({attributes}
-- is put in by the caller); the finish reason is the column import keeps.
WITH calls AS (
    SELECT trace_id, span_id, start_ns, duration_ns, model, status, status_message,
           input_messages, output_messages, tool_calls, {attributes} AS attributes,
           coalesce(input_tokens, 0) + coalesce(output_tokens, 0) AS tokens,
           coalesce(recorded_cost, computed_cost) AS cost,
           finish_reason
    FROM spans
    WHERE kind = 'llm' AND {where}
    ORDER BY start_ns, trace_id, span_id
    LIMIT $limit
),
chunks AS (
    SELECT c.trace_id, c.span_id, list(d.content ORDER BY r.start_ns) AS chunks
    FROM calls c
    JOIN spans r ON r.trace_id = c.trace_id AND r.kind IN ('retriever', 'reranker')
        AND coalesce(r.start_ns, 0) <= coalesce(c.start_ns, 0)
    CROSS JOIN unnest(r.documents) AS u(d)
    GROUP BY ALL
)
SELECT c.*, coalesce(k.chunks, []) AS chunks,
       md5(coalesce(to_json(c.input_messages)::VARCHAR, '') || '|' || coalesce(to_json(c.output_messages)::VARCHAR, '')
           || '|' || coalesce(to_json(c.tool_calls)::VARCHAR, '') || '|' || coalesce(to_json(k.chunks)::VARCHAR, '')) AS content_hash
FROM calls c LEFT JOIN chunks k USING (trace_id, span_id)
