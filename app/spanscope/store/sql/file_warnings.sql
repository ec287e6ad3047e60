-- Facts about the spans the file $source_id brought, for its warnings. One row.
WITH mine AS (
    SELECT trace_id, span_id, parent_span_id, start_ns, end_ns, kind, conventions
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
    count(*) AS spans,
    count(DISTINCT trace_id) AS traces
FROM mine;
