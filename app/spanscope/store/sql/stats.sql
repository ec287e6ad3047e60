-- Totals for `spanscope stats`. Tokens count each model call once: llm and embedding spans
-- only (enclosing agent or chain spans often repeat their children's usage).
SELECT
    count(*) AS spans,
    count(DISTINCT trace_id) AS traces,
    count(*) FILTER (status = 'error') AS error_spans,
    coalesce(sum(input_tokens) FILTER (kind IN ('llm', 'embedding')), 0) AS input_tokens,
    coalesce(sum(output_tokens) FILTER (kind IN ('llm', 'embedding')), 0) AS output_tokens,
    list_sort(list_distinct(list(model) FILTER (model IS NOT NULL AND kind IN ('llm', 'embedding')))) AS models
FROM spans;
