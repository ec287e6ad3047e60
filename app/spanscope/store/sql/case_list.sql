-- Every case with what it holds: traces collected (directly or through one of their spans),
-- the spans those traces hold (what its case file carries), its notes, and the annotations on
-- its traces and their spans. The Cases panel and `case list` read this.
WITH traces_of AS (
    SELECT DISTINCT case_id, trace_id FROM case_items
),
span_counts AS (
    SELECT t.case_id, count(*) AS spans
    FROM traces_of t JOIN spans s ON s.trace_id = t.trace_id GROUP BY t.case_id
),
annotation_counts AS (
    SELECT t.case_id, count(*) AS annotations
    FROM traces_of t JOIN annotations a ON a.trace_id = t.trace_id GROUP BY t.case_id
),
trace_counts AS (
    SELECT case_id, count(*) AS traces FROM traces_of GROUP BY case_id
),
note_counts AS (
    SELECT case_id, count(*) AS notes FROM case_notes GROUP BY case_id
)
SELECT
    c.case_id,
    c.name,
    c.summary,
    c.author,
    c.created_at,
    c.origin,
    coalesce(tc.traces, 0) AS traces,
    coalesce(sc.spans, 0) AS spans,
    coalesce(nc.notes, 0) AS notes,
    coalesce(ac.annotations, 0) AS annotations
FROM cases c
LEFT JOIN trace_counts tc USING (case_id)
LEFT JOIN span_counts sc USING (case_id)
LEFT JOIN note_counts nc USING (case_id)
LEFT JOIN annotation_counts ac USING (case_id)
ORDER BY c.created_at DESC, c.case_id DESC;
