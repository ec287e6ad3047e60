-- Rebuilds the whole full-text index from the spans table (after a migration, or to compact
-- the ids replaced spans left behind).
DELETE FROM search_terms;

DELETE FROM search_docs;

INSERT INTO search_docs (doc_id, trace_id, span_id)
SELECT nextval('search_doc_ids'), trace_id, span_id FROM spans;

INSERT INTO search_terms (term, doc_ids)
WITH words AS (
    SELECT d.doc_id,
           unnest(search_words(search_body(s.name, s.input_messages, s.output_messages,
                                           s.tool_calls, s.documents))) AS term
    FROM spans s JOIN search_docs d ON d.trace_id = s.trace_id AND d.span_id = s.span_id
)
SELECT term, list(doc_id ORDER BY doc_id) FROM words GROUP BY term;
