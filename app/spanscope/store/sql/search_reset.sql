-- Starts the search index over: every file waits to be indexed again (searches read them
-- directly meanwhile) and numbers start from 1 in a new, empty index. Also takes a database
-- from the index kept in DuckDB tables (schemas 2 to 8) to the index beside the file.
DROP TABLE IF EXISTS search_terms;

DROP TABLE IF EXISTS search_pairs;

DROP MACRO IF EXISTS search_word_pairs;

DROP MACRO IF EXISTS search_terms_of;

DROP MACRO IF EXISTS search_separators;

DROP MACRO IF EXISTS search_tokens;

DELETE FROM search_docs;

DELETE FROM search_pending;

INSERT INTO search_pending SELECT DISTINCT source_id FROM spans WHERE source_id IS NOT NULL;

DELETE FROM meta WHERE key IN ('search_next_doc_id', 'search_index_id');

INSERT INTO meta VALUES ('search_next_doc_id', '1');
