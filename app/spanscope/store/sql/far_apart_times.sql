-- Spans of the file $source_id whose start and end are too far apart to subtract in int64
-- (e.g. a start near -2^63 and an end near 2^63): kept without a duration. One row: how
-- many, and the name and id of the first (by span id).
SELECT count(*), arg_min(name, span_id), min(span_id)
FROM spans
WHERE source_id = $source_id AND start_ns IS NOT NULL AND end_ns IS NOT NULL AND duration_ns IS NULL;
