-- Rebuilds the whole full-text index from the spans table (after a migration, or to compact
-- the ids replaced spans left behind); search_fill.sql then adds the terms and word pairs.
DELETE FROM search_terms;

DELETE FROM search_pairs;

DELETE FROM search_docs;

INSERT INTO search_docs (doc_id, trace_id, span_id)
SELECT nextval('search_doc_ids'), trace_id, span_id FROM spans;

-- Each span's text, split once for both the terms and the pairs.
CREATE OR REPLACE TEMP TABLE search_sequences AS
WITH bodies AS (
    SELECT d.doc_id,
           search_body(s.name, s.input_messages, s.output_messages, s.tool_calls, s.documents)
               AS body
    FROM spans s JOIN search_docs d ON d.trace_id = s.trace_id AND d.span_id = s.span_id
)
SELECT doc_id, search_tokens(body) AS tokens, search_separators(body) AS seps FROM bodies;
