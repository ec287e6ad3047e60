-- Spans of the traces touched by $source_id whose parent chain never reaches a root: they sit
-- on (or below) a parent cycle. Roots: no parent, or a parent missing from the trace.
WITH RECURSIVE touched AS (
    SELECT trace_id, span_id, parent_span_id FROM spans
    WHERE trace_id IN (SELECT DISTINCT trace_id FROM spans WHERE source_id = $source_id)
),
reached(trace_id, span_id) AS (
    SELECT c.trace_id, c.span_id FROM touched c
    ANTI JOIN touched p ON c.trace_id = p.trace_id AND c.parent_span_id = p.span_id
    UNION
    SELECT c.trace_id, c.span_id FROM touched c
    JOIN reached r ON c.trace_id = r.trace_id AND c.parent_span_id = r.span_id
)
SELECT count(*) AS spans, count(DISTINCT trace_id) AS traces
FROM touched c ANTI JOIN reached r USING (trace_id, span_id);
