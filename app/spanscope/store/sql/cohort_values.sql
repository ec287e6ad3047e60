-- The values of one cohort's distributions, for rank tests: `metric` names the distribution,
-- `value` one observation (a call's latency in ms, tokens or output length; a trace's cost or
-- tool calls; a retrieval's chunk count or top score). At most `$sample` observations per
-- metric, drawn at random (all of them below that), so a million-span cohort is compared in well under a second.
WITH cohort AS (SELECT * FROM traces WHERE {traces}),
s AS (SELECT * FROM spans WHERE trace_id IN (SELECT trace_id FROM cohort)),
observations AS (
    SELECT 'latency_ms' AS metric, duration_ns / 1e6 AS value FROM s WHERE kind = 'llm' AND duration_ns IS NOT NULL
    UNION ALL SELECT 'input_tokens_per_call', input_tokens FROM s WHERE kind = 'llm' AND input_tokens IS NOT NULL
    UNION ALL SELECT 'output_tokens_per_call', output_tokens FROM s WHERE kind = 'llm' AND output_tokens IS NOT NULL
    UNION ALL SELECT 'output_chars_per_call', list_sum(list_transform(output_messages, lambda m: length(coalesce(m.content, '')))) FROM s WHERE kind = 'llm' AND len(output_messages) > 0
    UNION ALL SELECT 'cost_per_trace', coalesce(cost, 0) FROM cohort
    UNION ALL SELECT 'tool_calls_per_trace', tool_count FROM cohort
    UNION ALL SELECT 'calls_per_trace', llm_count FROM cohort
    UNION ALL SELECT 'chunks_per_retrieval', coalesce(len(documents), 0) FROM s WHERE kind = 'retriever'
    UNION ALL SELECT 'top_chunk_score', list_max(list_transform(documents, lambda d: d.score)) FROM s WHERE kind = 'retriever' AND len(documents) > 0
)
SELECT metric, value::DOUBLE AS value
FROM (
    SELECT metric, value, row_number() OVER (PARTITION BY metric ORDER BY lot) AS draw
    FROM (SELECT metric, value, random() AS lot FROM observations WHERE value IS NOT NULL)
)
WHERE draw <= $sample
