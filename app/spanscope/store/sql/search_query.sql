-- Spans (trace_id, span_id) holding, for every query word (or every pair of adjacent query
-- words), an indexed term (or pair) that matches it.
-- Filled in by spanscope.store.search with fixed SQL only (each word is a bound parameter):
-- {hits} is one `SELECT <n> AS i, doc_ids FROM search_terms t WHERE <test>` per word, or one
-- `SELECT <n> AS i, doc_ids FROM search_pairs p WHERE <tests>` per pair, joined by UNION ALL,
-- where <test> is `t.term = ?`, `starts_with(t.term, ?)`, `ends_with(t.term, ?)` or
-- `contains(t.term, ?)`; {words} is the number of lookups; {steps} chains them from the
-- rarest (fewest spans over its matching terms) to the most common: step1 holds the rarest
-- word's spans and each next step keeps those of its word's spans that the step before holds,
-- so the hash tables built stay the size of the rarest word's list. Only the term column and
-- the matching id lists are read: no span text.
WITH hits AS (
    {hits}
),
ranked AS (
    SELECT w.i, row_number() OVER (ORDER BY coalesce(sum(len(h.doc_ids)), 0), w.i) AS r
    FROM range(1, {words} + 1) w(i) LEFT JOIN hits h ON h.i = w.i
    GROUP BY w.i
),
step1 AS (
    SELECT unnest(doc_ids) AS doc_id FROM hits WHERE i = (SELECT i FROM ranked WHERE r = 1)
){steps}
SELECT d.trace_id, d.span_id
FROM search_docs d
WHERE d.doc_id IN (SELECT doc_id FROM step{words})
