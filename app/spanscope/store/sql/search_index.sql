-- Adds the spans of one imported file ($source_id) to the full-text index (search_schema.sql);
-- search_fill.sql then adds their terms and word pairs.
-- Spans this file replaced lose their old search_docs row; their old ids left in
-- search_terms.doc_ids then match no span (search.rebuild() compacts them away).
DELETE FROM search_docs d USING spans s
WHERE s.source_id = $source_id AND d.trace_id = s.trace_id AND d.span_id = s.span_id;

INSERT INTO search_docs (doc_id, trace_id, span_id)
SELECT nextval('search_doc_ids'), trace_id, span_id FROM spans WHERE source_id = $source_id;

-- The file whose spans search_fill.sql adds.
CREATE OR REPLACE TEMP TABLE search_filling AS SELECT $source_id::INTEGER AS source_id;
