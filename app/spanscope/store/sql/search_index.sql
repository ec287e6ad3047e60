-- Adds the spans of one imported file ($source_id) to the full-text index (search_schema.sql).
-- Spans this file replaced lose their old search_docs row; their old ids left in
-- search_terms.doc_ids then match no span (search.rebuild() compacts them away).
DELETE FROM search_docs d USING spans s
WHERE s.source_id = $source_id AND d.trace_id = s.trace_id AND d.span_id = s.span_id;

INSERT INTO search_docs (doc_id, trace_id, span_id)
SELECT nextval('search_doc_ids'), trace_id, span_id FROM spans WHERE source_id = $source_id;

INSERT INTO search_terms (term, doc_ids)
WITH words AS (
    SELECT d.doc_id,
           unnest(search_words(search_body(s.name, s.input_messages, s.output_messages,
                                           s.tool_calls, s.documents))) AS term
    FROM spans s JOIN search_docs d ON d.trace_id = s.trace_id AND d.span_id = s.span_id
    WHERE s.source_id = $source_id
)
SELECT term, list(doc_id ORDER BY doc_id) FROM words GROUP BY term;
