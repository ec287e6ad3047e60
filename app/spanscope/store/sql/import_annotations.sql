-- Annotations from a file (evaluation results, labels) attached to spans already stored.
-- Input: the temporary view `raw_annotations`, one row per annotation in the file:
--   raw_trace_id  trace id as the file writes it; NULL when the file names spans only
--   raw_span_id   span id as the file writes it; NULL for an annotation on a whole trace
--   label, score, note, rubric, author   as in the `annotations` table
-- Ids are normalised like span ids (norm_id). A span id without a trace id is looked up in
-- `spans`; span ids are unique only within a trace, so one found in several traces is skipped.
-- An annotation replaces an earlier one on the same span with the same rubric and author, so
-- importing a corrected evaluation file updates its results instead of doubling them.
-- The statements run in this order; the second returns the facts for the file's result line.

CREATE OR REPLACE TEMP TABLE annotation_import AS
WITH given AS (
    SELECT row_number() OVER () AS n,
           norm_id(raw_trace_id) AS trace_n,
           norm_id(raw_span_id) AS span_n,
           label, CASE WHEN isfinite(score) THEN score END AS score, nullif(note, '') AS note,
           coalesce(rubric, '') AS rubric, coalesce(author, '') AS author
    FROM raw_annotations
),
found AS (
    SELECT g.n, count(DISTINCT s.trace_id) AS matches, min(s.trace_id) AS trace_id
    FROM given g JOIN spans s ON s.span_id = g.span_n AND (g.trace_n IS NULL OR s.trace_id = g.trace_n)
    GROUP BY g.n
    UNION ALL
    SELECT g.n, 1, t.trace_id
    FROM given g JOIN traces t ON t.trace_id = g.trace_n
    WHERE g.span_n IS NULL
)
SELECT g.*, coalesce(f.matches, 0) AS matches, f.trace_id,
       coalesce(g.span_n, '') AS span_id,
       (g.label IS NULL AND g.score IS NULL AND g.note IS NULL) AS empty
FROM given g LEFT JOIN found f USING (n);

SELECT
    count(*)                                                     AS given,
    count(*) FILTER (matches = 1 AND NOT empty)                  AS attached,
    count(*) FILTER (matches = 0 AND NOT empty)                  AS missing,
    count(*) FILTER (matches > 1 AND NOT empty)                  AS ambiguous,
    count(*) FILTER (empty)                                      AS empty,
    count(DISTINCT trace_id) FILTER (matches = 1 AND NOT empty)  AS traces,
    count(*) FILTER (matches = 1 AND NOT empty AND EXISTS (
        SELECT 1 FROM annotations a
        WHERE a.trace_id = i.trace_id AND a.span_id = i.span_id
          AND a.rubric = i.rubric AND a.author = i.author))      AS replacing
FROM annotation_import i;

DELETE FROM annotations a USING annotation_import i
WHERE i.matches = 1 AND NOT i.empty
  AND a.trace_id = i.trace_id AND a.span_id = i.span_id AND a.rubric = i.rubric AND a.author = i.author;

INSERT INTO annotations (trace_id, span_id, label, rubric, score, note, author)
SELECT trace_id, span_id, label, rubric, score, note, author
FROM annotation_import
WHERE matches = 1 AND NOT empty
ORDER BY n;

DROP TABLE annotation_import;
