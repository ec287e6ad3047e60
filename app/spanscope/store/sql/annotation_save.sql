-- Saving one annotation, keyed by (trace_id, span_id, rubric, author, adjudicated): the
-- statements run in this order inside one transaction. Parameters by name:
--   $trace_id $span_id $rubric $author $adjudicated   the key
--   $label (first of $labels) $labels $score $note $expected $origin   the content
-- An update keeps the annotation's id and created_at; an empty annotation removes the row.

DELETE FROM annotations
WHERE trace_id = $trace_id AND span_id = $span_id AND rubric = $rubric AND author = $author
  AND coalesce(adjudicated, false) = $adjudicated AND $empty;

UPDATE annotations
SET label = $label, labels = $labels, score = $score, note = $note, expected = $expected,
    origin = $origin, updated_at = coalesce($updated_at, current_timestamp)
WHERE trace_id = $trace_id AND span_id = $span_id AND rubric = $rubric AND author = $author
  AND coalesce(adjudicated, false) = $adjudicated AND NOT $empty;

INSERT INTO annotations (trace_id, span_id, label, labels, rubric, score, note, expected, author,
                         adjudicated, origin, created_at, updated_at)
SELECT $trace_id, $span_id, $label, $labels, $rubric, $score, $note, $expected, $author,
       $adjudicated, $origin, coalesce($created_at, current_timestamp),
       coalesce($updated_at, current_timestamp)
WHERE NOT $empty AND NOT EXISTS (
    SELECT 1 FROM annotations
    WHERE trace_id = $trace_id AND span_id = $span_id AND rubric = $rubric AND author = $author
      AND coalesce(adjudicated, false) = $adjudicated);

SELECT annotation_id FROM annotations
WHERE trace_id = $trace_id AND span_id = $span_id AND rubric = $rubric AND author = $author
  AND coalesce(adjudicated, false) = $adjudicated;
