-- Rebuilds the whole full-text index from the spans table (after a migration, or to compact
-- the ids replaced spans left behind); search_fill.sql then adds the terms and word pairs.
DELETE FROM search_terms;

DELETE FROM search_pairs;

DELETE FROM search_docs;

INSERT INTO search_docs (doc_id, trace_id, span_id)
SELECT nextval('search_doc_ids'), trace_id, span_id FROM spans;

-- Every file's spans are added again by search_fill.sql.
CREATE OR REPLACE TEMP TABLE search_filling AS SELECT DISTINCT source_id FROM spans;
