-- Spans (trace_id, span_id) holding, for every LIKE pattern in the first parameter (one per
-- query word: 'word', 'word%', '%word' or '%word%'), an indexed term that matches it. The
-- second parameter is the number of patterns. Only the term column and the matching id lists
-- are read: no span text.
SELECT d.trace_id, d.span_id
FROM search_docs d
SEMI JOIN (
    SELECT doc_id
    FROM (
        SELECT q.i, unnest(t.doc_ids) AS doc_id
        FROM search_terms t,
             (SELECT unnest(p) AS pattern, generate_subscripts(p, 1) AS i
              FROM (SELECT ?::VARCHAR[] AS p)) q
        WHERE t.term LIKE q.pattern
    )
    GROUP BY doc_id
    HAVING count(DISTINCT i) = ?
) c USING (doc_id)
