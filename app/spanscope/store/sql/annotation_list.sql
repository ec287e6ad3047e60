-- Annotations in their plain shape, one row each (the columns `Annotation` holds).
-- {where} selects them (bound parameters only); newest change last.
SELECT
    annotation_id,                                         -- identifies the annotation
    trace_id,                                              -- the trace annotated
    span_id,                                               -- the span; '' for the trace
    CASE WHEN len(labels) > 0 THEN labels
         WHEN label IS NOT NULL THEN [label] ELSE [] END AS labels, -- every label, in the order chosen
    rubric,                                                -- rubric item of the score
    score,                                                 -- the score
    note,                                                  -- free text
    expected,                                              -- the correct output
    author,                                                -- who wrote it
    coalesce(adjudicated, false) AS adjudicated,           -- settles a disagreement
    origin,                                                -- app, cli, or a merged file
    created_at,                                            -- first saved
    updated_at                                             -- last changed
FROM annotations
WHERE {where}
ORDER BY trace_id, span_id, author, rubric, updated_at;
