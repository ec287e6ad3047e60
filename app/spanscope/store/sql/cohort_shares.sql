-- What a cohort used and how it was labelled: llm calls per model, tool calls per tool, and
-- traces carrying each label reviewers gave (on the trace or any of its spans). An evaluator's
-- pass/fail is left out: which calls were judged, not what changed, would decide its share.
WITH cohort AS (SELECT trace_id FROM traces WHERE {traces}),
s AS (SELECT * FROM spans WHERE trace_id IN (SELECT trace_id FROM cohort))
SELECT 'model' AS dimension, coalesce(model, '(none)') AS value, count(*) AS n FROM s WHERE kind = 'llm' GROUP BY ALL
UNION ALL
SELECT 'tool', coalesce(tool_name, name, '(none)'), count(*) FROM s WHERE kind = 'tool' GROUP BY ALL
UNION ALL
SELECT 'label', lower(label), count(DISTINCT trace_id) FROM annotation_labels
WHERE trace_id IN (SELECT trace_id FROM cohort) AND label IS NOT NULL
  AND NOT coalesce(author, '') LIKE 'evaluator:%' GROUP BY ALL
