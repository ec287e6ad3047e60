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

-- Pairs of terms written one space apart ("refund policy"), so a quoted phrase of common words
-- finds its few spans without intersecting the long lists of each word; for a phrase of two
-- words the pair is the answer. Rows of one import are sorted by (second, first): a lookup by
-- the second word then reads only the row groups holding it.
CREATE TABLE IF NOT EXISTS search_pairs (
    second   VARCHAR,           -- the later term (at least 2 characters)
    first    VARCHAR,           -- the term one space before it (at least 2 characters)
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

-- The runs of letters and digits of a text, lowercased, in order.
CREATE OR REPLACE MACRO search_tokens(body) AS
    list_filter(regexp_split_to_array(lower(body), '[^\p{L}\p{N}]+'), lambda t: t <> '');

-- What lies between those runs: element k + 1 separates token k from token k + 1.
CREATE OR REPLACE MACRO search_separators(body) AS
    regexp_split_to_array(lower(body), '[\p{L}\p{N}]+');

-- The distinct terms of a token list: tokens of at least 2 characters.
CREATE OR REPLACE MACRO search_terms_of(tokens) AS
    list_distinct(list_filter(tokens, lambda t: length(t) >= 2));

-- The distinct pairs of terms one space apart, each as 'first<US>second' (US: chr(31), which
-- no token holds). Apply to columns, not expressions: a macro argument is re-evaluated at
-- each use inside the lambdas.
CREATE OR REPLACE MACRO search_word_pairs(tokens, seps) AS
    list_distinct(list_transform(
        list_filter(range(1, len(tokens)),
                    lambda k: seps[k + 1] = ' ' AND length(tokens[k]) >= 2
                              AND length(tokens[k + 1]) >= 2),
        lambda k: tokens[k] || chr(31) || tokens[k + 1]));
