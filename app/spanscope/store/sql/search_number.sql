-- Gives the spans of the files sources their numbers in the search index, from first on
-- (search.number_spans), dropping the numbers they had (and those of spans they replaced).
DELETE FROM search_docs d USING spans s
WHERE list_contains($sources, s.source_id) AND d.trace_id = s.trace_id AND d.span_id = s.span_id;

INSERT INTO search_docs (doc_id, trace_id, span_id)
SELECT $first + row_number() OVER () - 1, trace_id, span_id
FROM spans
WHERE list_contains($sources, source_id);
