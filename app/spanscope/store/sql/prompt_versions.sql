-- Prompt versions: one row per version (the kept tables of prompt_schema.sql), with the
-- counts, times, models and example of the calls `{selected}` selects (the caller's span
-- filter over `prompt_usage` as `c`); versions it selects no call of are left out.
WITH used AS (
    SELECT prompt_id,
           count(*) AS calls,
           count(DISTINCT trace_id) AS traces,
           min(start_ns) AS first_seen_ns,
           max(start_ns) AS last_seen_ns,
           list_sort(list_distinct(list(model) FILTER (model IS NOT NULL))) AS models,
           arg_min({'trace_id': trace_id, 'span_id': span_id, 'text_hash': text_hash}, coalesce(start_ns, 0)) AS example
    FROM prompt_usage c
    WHERE {selected}
    GROUP BY prompt_id
)
SELECT u.prompt_id, p.version, p.service, p.prompt_source, p.template,
       t.prompt_text AS example_text,
       u.calls, u.traces, u.first_seen_ns, u.last_seen_ns, u.models,
       u.example.trace_id AS example_trace_id,
       u.example.span_id AS example_span_id
FROM used u
JOIN prompts p ON p.prompt_id = u.prompt_id
JOIN prompt_texts t ON t.text_hash = u.example.text_hash
