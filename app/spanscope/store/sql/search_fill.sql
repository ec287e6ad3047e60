-- Adds the terms and adjacent word pairs of the spans in the temporary table search_sequences
-- (made by search_index.sql or search_rebuild.sql) to the index, then drops that table.
INSERT INTO search_terms (term, doc_ids)
SELECT term, list(doc_id ORDER BY doc_id)
FROM (SELECT doc_id, unnest(search_terms_of(tokens)) AS term FROM search_sequences)
GROUP BY term;

-- Sorted so that a lookup by the second word reads few row groups (their min/max prune them).
INSERT INTO search_pairs (second, first, doc_ids)
SELECT split_part(pair, chr(31), 2), split_part(pair, chr(31), 1), list(doc_id ORDER BY doc_id)
FROM (SELECT doc_id, unnest(search_word_pairs(tokens, seps)) AS pair FROM search_sequences)
GROUP BY pair
ORDER BY 1, 2;

DROP TABLE search_sequences;
