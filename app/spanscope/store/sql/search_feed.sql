-- The searchable fields (each its own value: a phrase never runs from one into the next) of the spans of the files sources that were just numbered (numbers
-- from first on), for the search index (search.feed).
SELECT d.doc_id::UBIGINT AS doc_id, s.source_id::UBIGINT AS source_id,
       search_fields(s.name, s.input_messages, s.output_messages, s.tool_calls, s.documents) AS fields
FROM spans s
JOIN search_docs d ON d.trace_id = s.trace_id AND d.span_id = s.span_id
WHERE list_contains($sources, s.source_id) AND d.doc_id >= $first
