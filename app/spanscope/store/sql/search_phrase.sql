-- The candidates of search_query.sql (spliced in below) that really contain the
-- phrase (each ILIKE parameter is the escaped '%phrase%'). The CASE refers to the candidate
-- side so DuckDB cannot push the text test below the join into a scan of every span: only the
-- candidates' text is read.
SELECT c.trace_id, c.span_id
FROM ({candidates}) c
JOIN spans v ON v.trace_id = c.trace_id AND v.span_id = c.span_id
WHERE CASE WHEN c.span_id IS NOT NULL THEN
    v.name ILIKE ? ESCAPE '\'
    OR list_bool_or(list_transform(list_concat(v.input_messages, v.output_messages),
                                   lambda m: m.content ILIKE ? ESCAPE '\'))
    OR list_bool_or(list_transform(v.tool_calls,
                                   lambda x: x.arguments ILIKE ? ESCAPE '\' OR x.result ILIKE ? ESCAPE '\'))
    OR list_bool_or(list_transform(v.documents, lambda x: x.content ILIKE ? ESCAPE '\'))
END
