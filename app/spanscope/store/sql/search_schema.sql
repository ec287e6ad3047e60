-- Full-text search over span names, message contents, tool call arguments and results, and
-- retrieved chunk contents. The index itself is a folder beside the database file
-- (store/search_index.py); these tables tie it to the spans. search.py turns quoted filter text
-- into lookups there.

CREATE TABLE IF NOT EXISTS search_docs (
    doc_id    INTEGER,          -- the span's number in the search index (from meta's search_next_doc_id)
    trace_id  VARCHAR NOT NULL, -- the span's trace (spans.trace_id)
    span_id   VARCHAR NOT NULL  -- the span (spans.span_id)
);

CREATE TABLE IF NOT EXISTS search_pending (
    source_id  INTEGER PRIMARY KEY  -- an imported file whose spans are not in the index yet; searches scan them
);

-- The next number a span gets in the search index; numbers are never given twice to one index
-- (meta's search_index_id names it; search_reset.sql starts both over).
INSERT INTO meta SELECT 'search_next_doc_id', '1'
WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'search_next_doc_id');

-- The searched fields of a span: its name and each content field, each cut at 20,000 characters.
CREATE OR REPLACE MACRO search_fields(name, input_messages, output_messages, tool_calls, documents) AS
    list_transform(list_filter(list_concat(
        [name],
        list_transform(coalesce(input_messages, []), lambda m: m.content),
        list_transform(coalesce(output_messages, []), lambda m: m.content),
        flatten(list_transform(coalesce(tool_calls, []), lambda c: [c.arguments, c.result])),
        list_transform(coalesce(documents, []), lambda x: x.content)),
        lambda f: f IS NOT NULL), lambda f: left(f, 20000));
