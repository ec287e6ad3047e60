-- Prompt versions: one row per version (prompt_usage.sql over every call, as `u`, put in by the
-- caller), numbered per service in the order they were first seen over the whole database (so
-- a filter never renumbers them); the counts, times, models and example are of the calls that
-- `{selected}` selects (the caller's span filter), and versions it selects no call of are left out.
WITH u AS MATERIALIZED ({usage}),
numbered AS (
    SELECT prompt_id,
           row_number() OVER (PARTITION BY service ORDER BY first_seen_ns NULLS LAST, prompt_id) AS version
    FROM (SELECT prompt_id, any_value(service) AS service, min(start_ns) AS first_seen_ns FROM u GROUP BY prompt_id)
),
selected AS (
    SELECT * FROM u
    WHERE {selected}
)
SELECT s.prompt_id, any_value(n.version) AS version,
       any_value(service) AS service,
       any_value(prompt_source) AS prompt_source,
       any_value(template) AS template,
       arg_min(prompt_text, coalesce(start_ns, 0)) AS example_text,
       count(*) AS calls,
       count(DISTINCT trace_id) AS traces,
       min(start_ns) AS first_seen_ns,
       max(start_ns) AS last_seen_ns,
       list_sort(list_distinct(list(model) FILTER (model IS NOT NULL))) AS models,
       arg_min(trace_id, coalesce(start_ns, 0)) AS example_trace_id,
       arg_min(span_id, coalesce(start_ns, 0)) AS example_span_id
FROM selected s JOIN numbered n ON n.prompt_id = s.prompt_id
GROUP BY s.prompt_id
