-- Full-text index over span names, message contents, tool call arguments and results, and
-- retrieved chunk contents. Built at import for the new spans (search_index.sql); search.py
-- turns quoted filter text into lookups here.

CREATE SEQUENCE IF NOT EXISTS search_doc_ids START 1;

CREATE TABLE IF NOT EXISTS search_docs (
    doc_id    INTEGER,          -- small id of an indexed span, used in search_terms.doc_ids
    trace_id  VARCHAR NOT NULL, -- the span's trace (spans.trace_id)
    span_id   VARCHAR NOT NULL  -- the span (spans.span_id)
);

CREATE TABLE IF NOT EXISTS search_terms (
    term     VARCHAR,           -- a lowercased run of letters and digits, at least 2 characters
    doc_ids  INTEGER[]          -- the spans holding it (search_docs.doc_id), ascending; one row per term per import
);

-- Adjacent word pairs, so a quoted phrase of common words finds its few spans without
-- intersecting the long lists of each word. Rows of one import are sorted by (second, first):
-- a lookup by the second word then reads only the row groups holding it.
CREATE TABLE IF NOT EXISTS search_pairs (
    second   VARCHAR,           -- the later word of two adjacent search_words terms
    first    VARCHAR,           -- the word just before it (words under 2 characters skipped)
    doc_ids  INTEGER[]          -- the spans holding the pair (search_docs.doc_id), ascending
);

CREATE TABLE IF NOT EXISTS search_pending (
    source_id  INTEGER PRIMARY KEY  -- an imported file whose spans are not in the index yet; searches scan them
);

-- The searched text of a span: its name and each content field, each cut at 20,000 characters.
CREATE OR REPLACE MACRO search_body(name, input_messages, output_messages, tool_calls, documents) AS
    array_to_string(list_transform(list_filter(list_concat(
        [name],
        list_transform(coalesce(input_messages, []), lambda m: m.content),
        list_transform(coalesce(output_messages, []), lambda m: m.content),
        flatten(list_transform(coalesce(tool_calls, []), lambda c: [c.arguments, c.result])),
        list_transform(coalesce(documents, []), lambda x: x.content)),
        lambda f: f IS NOT NULL), lambda f: left(f, 20000)), chr(10));

-- The terms of a text in order: lowercased, split on anything but letters and digits.
CREATE OR REPLACE MACRO search_sequence(body) AS
    list_filter(regexp_split_to_array(lower(body), '[^\p{L}\p{N}]+'), lambda w: length(w) >= 2);

-- The distinct terms of a text.
CREATE OR REPLACE MACRO search_words(body) AS list_distinct(search_sequence(body));

-- The distinct adjacent pairs of a term sequence, each as 'first<US>second' (US: chr(31),
-- which search_sequence never yields).
CREATE OR REPLACE MACRO search_word_pairs(seq) AS
    list_distinct(list_transform(range(1, len(seq)), lambda k: seq[k] || chr(31) || seq[k + 1]));
