-- Spans (trace_id, span_id) the search index finds for the text in the parameter: those
-- holding its words next to each other (search.py says how exactly). search_hits() asks the
-- index (store/search_index.py) and returns the span numbers it holds; search_docs maps them
-- to spans, so numbers of spans since replaced match nothing.
SELECT d.trace_id, d.span_id
FROM search_docs d
WHERE d.doc_id IN (SELECT unnest(search_hits(?)))
