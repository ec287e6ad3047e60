-- The label facet: traces of the filtered trace list carrying each annotation label (on the
-- trace or on any of its spans), most frequent first. {where} is the compiled trace filter
-- (values bound as ? parameters); the last parameter is the limit, k + 1.
SELECT
    label AS value,                   -- annotation label, e.g. hallucination
    count(DISTINCT trace_id) AS n     -- traces of the filtered list carrying it
FROM annotation_labels  -- one row per label: an annotation may carry several
WHERE label IS NOT NULL
  AND trace_id IN (SELECT trace_id FROM traces WHERE ({where}))
GROUP BY label
ORDER BY n DESC, value
LIMIT ?;
