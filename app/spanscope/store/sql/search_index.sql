-- Adds the spans of one imported file ($source_id) to the full-text index (search_schema.sql);
-- search_fill.sql then adds their terms and word pairs.
-- Spans this file replaced lose their old search_docs row; their old ids left in
-- search_terms.doc_ids then match no span (search.rebuild() compacts them away).
DELETE FROM search_docs d USING spans s
WHERE s.source_id = $source_id AND d.trace_id = s.trace_id AND d.span_id = s.span_id;

INSERT INTO search_docs (doc_id, trace_id, span_id)
SELECT nextval('search_doc_ids'), trace_id, span_id FROM spans WHERE source_id = $source_id;

-- Each span's text, split once for both the terms and the pairs.
CREATE OR REPLACE TEMP TABLE search_sequences AS
WITH bodies AS (
    SELECT d.doc_id,
           search_body(s.name, s.input_messages, s.output_messages, s.tool_calls, s.documents)
               AS body
    FROM spans s JOIN search_docs d ON d.trace_id = s.trace_id AND d.span_id = s.span_id
    WHERE s.source_id = $source_id
)
SELECT doc_id, search_tokens(body) AS tokens, search_separators(body) AS seps FROM bodies;
