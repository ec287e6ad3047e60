-- Badges for one page of a list: the annotations of the page's traces (the one parameter is
-- their ids as a list), with the taxonomy position of their labels. Plain rows from the
-- small annotation table; Python groups them per list row (a grouped query cost ten times more).
SELECT
    trace_id,                                   -- the annotated trace
    span_id,                                    -- its span; '' for the trace itself
    CASE WHEN len(labels) > 0 THEN labels
         WHEN label IS NOT NULL THEN [label] ELSE [] END AS labels, -- every label
    coalesce(note, '') <> '' AS has_note        -- a note is attached
FROM annotations
WHERE trace_id IN (SELECT unnest(?));
