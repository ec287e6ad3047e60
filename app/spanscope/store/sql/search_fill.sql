-- Adds the terms and word pairs of the spans of the files in the temporary table
-- search_filling (made by search_index.sql or search_rebuild.sql) to the index.

-- Each span's text, split once for both the terms and the pairs.
CREATE OR REPLACE TEMP TABLE search_sequences AS
WITH bodies AS (
    SELECT d.doc_id,
           search_body(s.name, s.input_messages, s.output_messages, s.tool_calls, s.documents)
               AS body
    FROM spans s JOIN search_docs d ON d.trace_id = s.trace_id AND d.span_id = s.span_id
    WHERE s.source_id IN (SELECT source_id FROM search_filling)
)
SELECT doc_id, search_tokens(body) AS tokens, search_separators(body) AS seps FROM bodies;
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

DROP TABLE search_filling;
