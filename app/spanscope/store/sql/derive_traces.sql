-- Rebuilds the `traces` rows of every trace the files $source_ids touched, from all their spans
-- (a trace may span several files).
DELETE FROM traces WHERE trace_id IN (SELECT DISTINCT trace_id FROM spans WHERE list_contains($source_ids, source_id));

INSERT INTO traces BY NAME
WITH touched AS (
    SELECT s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.service, s.start_ns, s.end_ns,
           s.status, s.input_tokens, s.output_tokens, s.recorded_cost, s.computed_cost,
           s.session_id, s.user_id, s.model, s.preview
    FROM spans s
    WHERE s.trace_id IN (SELECT DISTINCT trace_id FROM spans WHERE list_contains($source_ids, source_id))
),
-- A root is a span without a parent, or whose parent is not in the trace (an orphan).
roots AS (
    SELECT c.* FROM touched c
    ANTI JOIN touched p ON c.trace_id = p.trace_id AND c.parent_span_id = p.span_id
),
first_root AS (
    SELECT trace_id,
           arg_min(span_id, (parent_span_id IS NOT NULL, start_ns, span_id)) AS root_span_id,
           arg_min(name, (parent_span_id IS NOT NULL, start_ns, span_id)) AS root_name,
           arg_min(service, (parent_span_id IS NOT NULL, start_ns, span_id)) AS root_service
    FROM roots GROUP BY trace_id
)
SELECT
    t.trace_id,
    any_value(r.root_span_id) AS root_span_id,
    any_value(r.root_name) AS root_name,
    coalesce(any_value(r.root_service), min(t.service)) AS service,
    min(t.start_ns) AS start_ns,
    max(coalesce(t.end_ns, t.start_ns)) AS end_ns,
    TRY_CAST(max(coalesce(t.end_ns, t.start_ns))::HUGEINT - min(t.start_ns)::HUGEINT AS BIGINT) AS duration_ns,  -- NULL past int64
    count(*) AS span_count,
    count(*) FILTER (t.kind = 'llm') AS llm_count,
    count(*) FILTER (t.kind = 'tool') AS tool_count,
    count(*) FILTER (t.kind IN ('retriever', 'reranker')) AS retriever_count,
    count(*) FILTER (t.status = 'error') AS error_count,
    coalesce(sum(t.input_tokens) FILTER (t.kind IN ('llm', 'embedding')), 0) AS input_tokens,
    coalesce(sum(t.output_tokens) FILTER (t.kind IN ('llm', 'embedding')), 0) AS output_tokens,
    sum(coalesce(t.recorded_cost, t.computed_cost)) AS cost,
    arg_min(t.session_id, t.start_ns) FILTER (t.session_id IS NOT NULL) AS session_id,
    arg_min(t.user_id, t.start_ns) FILTER (t.user_id IS NOT NULL) AS user_id,
    list_sort(list_distinct(list(t.model) FILTER (t.model IS NOT NULL AND t.kind IN ('llm', 'embedding')))) AS models,
    coalesce(arg_min(t.preview, t.start_ns) FILTER (t.kind = 'llm' AND t.preview IS NOT NULL),
             arg_min(t.preview, t.start_ns) FILTER (t.preview IS NOT NULL)) AS preview
FROM touched t
LEFT JOIN first_root r USING (trace_id)
GROUP BY t.trace_id;
