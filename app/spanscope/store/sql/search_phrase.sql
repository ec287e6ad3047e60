-- The candidates of search_query.sql (spliced in below) that really contain the phrase (each
-- ILIKE parameter is the escaped '%phrase%'). The candidates' row ids are found first, reading
-- only the key columns of spans; the join on rowid then reads the text of those rows alone.
-- The CASE refers to the candidate side so DuckDB cannot push the text test below the join
-- into a scan of every span.
SELECT v.trace_id, v.span_id
FROM (SELECT s.rowid AS row_id FROM spans s SEMI JOIN ({candidates}) c USING (trace_id, span_id)) c
JOIN spans v ON v.rowid = c.row_id
WHERE CASE WHEN c.row_id IS NOT NULL THEN
    v.name ILIKE ? ESCAPE '\'
    OR list_bool_or(list_transform(list_concat(v.input_messages, v.output_messages),
                                   lambda m: m.content ILIKE ? ESCAPE '\'))
    OR list_bool_or(list_transform(v.tool_calls,
                                   lambda x: x.arguments ILIKE ? ESCAPE '\' OR x.result ILIKE ? ESCAPE '\'))
    OR list_bool_or(list_transform(v.documents, lambda x: x.content ILIKE ? ESCAPE '\'))
END
