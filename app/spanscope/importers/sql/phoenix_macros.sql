-- Helpers for reading Arize Phoenix span exports (span JSON / JSON Lines and TraceDataset
-- Parquet). Temporary macros on the connection that imports, never stored in the database.
-- An attribute entry is STRUCT(key VARCHAR, value JSON); a span's attributes are a list of them
-- until the end, where they become the MAP(VARCHAR, JSON) the raw span relation holds.

-- A time as Phoenix writes it: ISO 8601 with an offset (kept to the nanosecond), naive ISO
-- (which Phoenix means as UTC; never read in the session's time zone), or a number since the
-- epoch in s, ms, µs or ns (told apart by magnitude).
CREATE OR REPLACE TEMP MACRO phoenix_epoch_ns(t) AS CASE
    WHEN NOT contains(t, '.') AND abs(try_cast(t AS HUGEINT)) >= 100000000000000000 THEN try_cast(t AS BIGINT)
    WHEN NOT contains(t, '.') AND abs(try_cast(t AS HUGEINT)) >= 100000000000000 THEN try_cast(try_cast(t AS HUGEINT) * 1000 AS BIGINT)
    WHEN NOT contains(t, '.') AND abs(try_cast(t AS HUGEINT)) >= 100000000000 THEN try_cast(try_cast(t AS HUGEINT) * 1000000 AS BIGINT)
    ELSE try_cast(try_cast(t AS DECIMAL(38, 9)) * 1000000000 AS BIGINT)
END;

CREATE OR REPLACE TEMP MACRO phoenix_time_ns(t) AS CASE
    WHEN t IS NULL OR trim(t) = '' THEN NULL
    WHEN regexp_full_match(trim(t), '-?[0-9]+(\.[0-9]+)?') THEN phoenix_epoch_ns(trim(t))
    WHEN regexp_full_match(trim(t), '.*[0-9][T ][0-9].*([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)')
        THEN epoch_ns(try_cast(trim(t) AS TIMESTAMPTZ_NS))
    ELSE epoch_ns(try_cast(trim(t) AS TIMESTAMP_NS))
END;

CREATE OR REPLACE TEMP MACRO phoenix_status(c) AS CASE upper(replace(coalesce(c, ''), 'STATUS_CODE_', ''))
    WHEN 'OK' THEN 'ok' WHEN '1' THEN 'ok'
    WHEN 'ERROR' THEN 'error' WHEN '2' THEN 'error'
    ELSE 'unset'
END;

-- The lookup text of a JSON value: strings unquoted, everything else as JSON text.
CREATE OR REPLACE TEMP MACRO phoenix_json_text(j) AS CASE
    WHEN j IS NULL THEN NULL
    WHEN starts_with(j::VARCHAR, '"') THEN json_extract_string(j, '$')
    WHEN j::VARCHAR = 'null' THEN NULL
    ELSE j::VARCHAR
END;

-- Embedding vectors stay in the JSON attributes (lossless) but not in the lookup text, where
-- thousands of numbers per span would only slow every search down.
CREATE OR REPLACE TEMP MACRO phoenix_is_vector(k) AS ends_with(k, 'embedding.vector');

-- OpenInference keys whose value is a JSON document in its own right (a JSON string on the
-- wire); exports that parsed them into objects keep them whole instead of flattening them.
CREATE OR REPLACE TEMP MACRO phoenix_whole_object(k) AS
    regexp_matches(k, '(^|\.)(metadata|invocation_parameters|variables|parameters|json_schema|value)$');

-- Nested attribute objects ({"llm": {"model_name": ...}}) as the flat dotted keys of the
-- convention; lists of objects get their zero-based index as a key segment, as OpenInference
-- flattens them. One level per call.
CREATE OR REPLACE TEMP MACRO phoenix_flatten_once(es) AS flatten(list_transform(es, lambda e_px1:
    CASE WHEN e_px1.value IS NULL THEN [e_px1]
         WHEN starts_with(e_px1.value::VARCHAR, '{') AND NOT phoenix_whole_object(e_px1.key)
            THEN list_transform(map_entries(e_px1.value::MAP(VARCHAR, JSON)),
                lambda c_px1: struct_pack(key := e_px1.key || '.' || c_px1.key, value := c_px1.value))
         WHEN starts_with(e_px1.value::VARCHAR, '[{')
            THEN list_transform(json_extract(e_px1.value, '$[*]'),
                lambda c_px2, i_px2: struct_pack(key := e_px1.key || '.' || (i_px2 - 1), value := c_px2))
         ELSE [e_px1]
    END));

CREATE OR REPLACE TEMP MACRO phoenix_is_nested(es) AS coalesce(list_bool_or(list_transform(es,
    lambda e_px3: starts_with(e_px3.value::VARCHAR, '{') OR starts_with(e_px3.value::VARCHAR, '[{'))), false);

-- Eight levels cover the deepest OpenInference path
-- (llm.input_messages.N.message.contents.M.message_content.image.image.url).
CREATE OR REPLACE TEMP MACRO phoenix_flatten(es) AS CASE
    WHEN phoenix_is_nested(es) THEN phoenix_flatten_once(phoenix_flatten_once(phoenix_flatten_once(
        phoenix_flatten_once(phoenix_flatten_once(phoenix_flatten_once(phoenix_flatten_once(
        phoenix_flatten_once(es))))))))
    ELSE es
END;

CREATE OR REPLACE TEMP MACRO phoenix_dedupe(es) AS CASE
    WHEN len(list_distinct(list_transform(es, lambda e_px5: e_px5.key))) = len(es) THEN es
    ELSE list_filter(es, lambda e_px6, i_px6:
        NOT list_contains(list_transform(es[:i_px6 - 1], lambda x_px6: x_px6.key), e_px6.key))
END;

-- Entries without a value dropped; a key given twice (a nested and a flat form of the same
-- attribute) keeps its first value. Macros that use their argument more than once are only
-- ever given a column, never another macro call: DuckDB expands macros inline.
CREATE OR REPLACE TEMP MACRO phoenix_clean(es) AS phoenix_dedupe(list_filter(es,
    lambda e_px4: e_px4.value IS NOT NULL AND e_px4.value::VARCHAR <> 'null'));

CREATE OR REPLACE TEMP MACRO phoenix_has(es, k) AS list_contains(list_transform(es, lambda e_px7: e_px7.key), k);

CREATE OR REPLACE TEMP MACRO phoenix_get(es, k) AS list_filter(es, lambda e_px8: e_px8.key = k)[1].value;

-- The 2023 form `llm.messages` = [[role, content], ...] as the flat input messages of today's
-- convention (the attribute was renamed llm.input_messages).
CREATE OR REPLACE TEMP MACRO phoenix_legacy_messages(m) AS flatten(list_transform(
    coalesce(json_extract(m, '$[*]'), []), lambda x_px9, i_px9: [
        struct_pack(key := 'llm.input_messages.' || (i_px9 - 1) || '.message.role', value := json_extract(x_px9, '$[0]')),
        struct_pack(key := 'llm.input_messages.' || (i_px9 - 1) || '.message.content', value := json_extract(x_px9, '$[1]'))]));

-- In the same files the answer is only in output.value, written as "assistant: text".
CREATE OR REPLACE TEMP MACRO phoenix_legacy_answer(out_text) AS CASE
    WHEN regexp_matches(out_text, '^(assistant|model|ai): ') THEN [
        struct_pack(key := 'llm.output_messages.0.message.role',
                    value := to_json(regexp_extract(out_text, '^(\w+): ', 1))),
        struct_pack(key := 'llm.output_messages.0.message.content',
                    value := to_json(regexp_replace(out_text, '^\w+: ', '')))]
    ELSE []
END;

-- What the export knows beyond the attributes: older exports keep the span kind only in
-- span_kind (and the Phoenix REST API moves it there), and the export's own fields go under
-- phoenix.* (`extras`, already a list of entries).
CREATE OR REPLACE TEMP MACRO phoenix_complete(es, span_kind, extras) AS list_concat(
    es,
    CASE WHEN NOT phoenix_has(es, 'openinference.span.kind') AND upper(coalesce(span_kind, '')) NOT IN ('', 'UNKNOWN')
         THEN [struct_pack(key := 'openinference.span.kind', value := to_json(upper(span_kind)))] ELSE [] END,
    list_filter(extras, lambda e_px10: e_px10.value IS NOT NULL AND NOT phoenix_has(es, e_px10.key)));

-- Legacy message lists in today's keys. They go into the lookup text the mapping reads only,
-- so the stored attributes stay as recorded and the messages are not kept twice.
CREATE OR REPLACE TEMP MACRO phoenix_derived(es) AS list_concat(
    CASE WHEN phoenix_has(es, 'llm.messages') AND NOT phoenix_has(es, 'llm.input_messages.0.message.role')
              AND starts_with(phoenix_get(es, 'llm.messages')::VARCHAR, '[[')
         THEN phoenix_legacy_messages(phoenix_get(es, 'llm.messages')) ELSE [] END,
    CASE WHEN phoenix_has(es, 'llm.messages') AND NOT phoenix_has(es, 'llm.output_messages.0.message.role')
              AND phoenix_has(es, 'output.value')
         THEN phoenix_legacy_answer(phoenix_json_text(phoenix_get(es, 'output.value'))) ELSE [] END);

CREATE OR REPLACE TEMP MACRO phoenix_attr_map(es) AS map_from_entries(es);

CREATE OR REPLACE TEMP MACRO phoenix_text_map(es) AS map_from_entries(list_transform(
    list_filter(es, lambda e_px11: NOT phoenix_is_vector(e_px11.key)),
    lambda e_px12: struct_pack(key := e_px12.key, value := phoenix_json_text(e_px12.value))));

-- A JSON object (event attributes, flat in every export seen) as lookup text.
CREATE OR REPLACE TEMP MACRO phoenix_object_text(j) AS phoenix_text_map(list_filter(
    CASE WHEN j IS NULL OR NOT starts_with(j::VARCHAR, '{') THEN []::STRUCT(key VARCHAR, value JSON)[]
         ELSE map_entries(j::MAP(VARCHAR, JSON)) END,
    lambda e_px13: e_px13.value IS NOT NULL));

CREATE OR REPLACE TEMP MACRO phoenix_no_links() AS
    []::STRUCT(trace_id VARCHAR, span_id VARCHAR, attributes MAP(VARCHAR, JSON))[];
