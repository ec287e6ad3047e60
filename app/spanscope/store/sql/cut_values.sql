-- Spans of the file $source_id holding a value the reader cut (importers/sql/otlp_macros.sql,
-- otlp_capped). One row: how many, and the name and id of the first (by span id).
SELECT count(*), arg_min(name, span_id), min(span_id)
FROM spans
WHERE source_id = $source_id AND contains(attributes::VARCHAR, ' […cut by Spanscope: ');
