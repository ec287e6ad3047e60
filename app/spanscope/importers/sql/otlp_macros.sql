-- Helpers for reading OTLP JSON. Temporary macros: created on the connection that imports,
-- never stored in the database file, so a newer Spanscope can change them freely.

-- arrayValue {"values":[AnyValue]} / kvlistValue {"values":[{key, value}]} as plain JSON, two
-- levels deep (deeper values stay in their OTLP form, still lossless).
CREATE OR REPLACE TEMP MACRO otlp_scalar_json(x) AS CASE
    WHEN json_type(x) <> 'OBJECT' THEN x
    WHEN json_exists(x, '$.stringValue') THEN json_extract(x, '$.stringValue')
    WHEN json_exists(x, '$.intValue') THEN coalesce(try_cast((json_extract_string(x, '$.intValue')) AS JSON), json_extract(x, '$.intValue'))
    WHEN json_exists(x, '$.doubleValue') THEN json_extract(x, '$.doubleValue')
    WHEN json_exists(x, '$.boolValue') THEN json_extract(x, '$.boolValue')
    WHEN json_exists(x, '$.string_value') THEN json_extract(x, '$.string_value')
    WHEN json_exists(x, '$.int_value') THEN coalesce(try_cast((json_extract_string(x, '$.int_value')) AS JSON), json_extract(x, '$.int_value'))
    WHEN json_exists(x, '$.double_value') THEN json_extract(x, '$.double_value')
    WHEN json_exists(x, '$.bool_value') THEN json_extract(x, '$.bool_value')
    WHEN x::VARCHAR = '{}' THEN 'null'::JSON
    ELSE x
END;

CREATE OR REPLACE TEMP MACRO otlp_json_unwrap(j) AS CASE
    WHEN json_type(j) = 'OBJECT' AND json_exists(j, '$.values') AND json_type(j, '$.values') = 'ARRAY'
         AND (json_array_length(j, '$.values') = 0 OR NOT json_exists(j, '$.values[0].key'))
        THEN to_json(list_transform(json_extract(j, '$.values[*]'), lambda x_1: otlp_scalar_json(x_1)))
    WHEN json_type(j) = 'OBJECT' AND json_exists(j, '$.values') AND json_type(j, '$.values') = 'ARRAY'
        THEN to_json(map_from_entries(list_transform(json_extract(j, '$.values[*]'),
                lambda x_1: struct_pack(k := json_extract_string(x_1, '$.key'), v := otlp_scalar_json(json_extract(x_1, '$.value'))))))
    ELSE j
END;

-- A string value above {value_cap} characters (VALUE_CAP in importers/otlp.py) is kept cut to
-- that length with a note saying so: mapping a span copies its values several times, and a
-- 180 MB value needed more than the 2 GB of memory an import may use. The import warns
-- naming the span (store/sql/cut_values.sql).
CREATE OR REPLACE TEMP MACRO otlp_capped(s) AS CASE
    WHEN s IS NULL OR strlen(s) <= {value_cap} THEN s
    ELSE left(s, {value_cap}) || ' […cut by Spanscope: ' || length(s) || ' characters in the file]'
END;

-- An AnyValue as JSON. intValue is written as a decimal string and may exceed 2^53: it goes
-- into JSON as the number text itself, never through a float.
CREATE OR REPLACE TEMP MACRO otlp_value_json(v) AS CASE
    WHEN v IS NULL THEN NULL
    WHEN v.stringValue IS NOT NULL THEN to_json(otlp_capped(v.stringValue))
    WHEN v.intValue IS NOT NULL THEN coalesce(try_cast(v.intValue AS JSON), to_json(v.intValue))
    WHEN v.doubleValue IS NOT NULL THEN coalesce(try_cast(v.doubleValue AS JSON), to_json(v.doubleValue::VARCHAR))
    WHEN v.boolValue IS NOT NULL THEN to_json(v.boolValue)
    WHEN v.arrayValue IS NOT NULL THEN otlp_json_unwrap(v.arrayValue)
    WHEN v.kvlistValue IS NOT NULL THEN otlp_json_unwrap(v.kvlistValue)
    WHEN v.bytesValue IS NOT NULL THEN to_json(v.bytesValue)
    ELSE 'null'::JSON
END;

-- The text used for lookups: strings as they are, numbers as written, structures as JSON.
CREATE OR REPLACE TEMP MACRO otlp_value_text(v) AS CASE
    WHEN v IS NULL THEN NULL
    WHEN v.stringValue IS NOT NULL THEN otlp_capped(v.stringValue)
    WHEN v.intValue IS NOT NULL THEN v.intValue
    WHEN v.doubleValue IS NOT NULL THEN v.doubleValue::VARCHAR
    WHEN v.boolValue IS NOT NULL THEN v.boolValue::VARCHAR
    WHEN v.arrayValue IS NOT NULL THEN otlp_json_unwrap(v.arrayValue)::VARCHAR
    WHEN v.kvlistValue IS NOT NULL THEN otlp_json_unwrap(v.kvlistValue)::VARCHAR
    WHEN v.bytesValue IS NOT NULL THEN v.bytesValue
    ELSE NULL
END;

-- Attribute lists as maps. OTLP forbids duplicate keys but files have them; the last wins.
CREATE OR REPLACE TEMP MACRO otlp_dedupe(kv) AS CASE
    WHEN len(list_distinct(list_transform(kv, lambda e_4: e_4.key))) = len(kv) THEN kv
    ELSE list_filter(kv, lambda e_4, i_4: NOT list_contains(list_transform(kv[i_4 + 1:], lambda x_4: x_4.key), e_4.key))
END;

CREATE OR REPLACE TEMP MACRO otlp_attrs_json(kv) AS map_from_entries(list_transform(
    otlp_dedupe(list_filter(kv, lambda e_5: e_5.key IS NOT NULL)),
    lambda e_5: struct_pack(k := e_5.key, v := otlp_value_json(e_5.value))));

CREATE OR REPLACE TEMP MACRO otlp_attrs_text(kv) AS map_from_entries(list_transform(
    otlp_dedupe(list_filter(kv, lambda e_6: e_6.key IS NOT NULL)),
    lambda e_6: struct_pack(k := e_6.key, v := otlp_value_text(e_6.value))));

-- Times: decimal strings or numbers of ns; Node's {low, high} int64; ISO text as a last resort.
CREATE OR REPLACE TEMP MACRO otlp_time_ns(t) AS CASE
    WHEN t IS NULL OR t = '' THEN NULL
    WHEN t[1] = '{' THEN try_cast(
        (coalesce(try_cast(json_extract_string(t, '$.high') AS HUGEINT), 0) % 4294967296) * 4294967296
        + (coalesce(try_cast(json_extract_string(t, '$.low') AS HUGEINT), 0) % 4294967296 + 4294967296) % 4294967296
        AS BIGINT)
    ELSE coalesce(try_cast(t AS BIGINT), try_cast(try_cast(t AS DOUBLE) AS BIGINT),
                  epoch_ns(try_cast(t AS TIMESTAMPTZ)))
END;

CREATE OR REPLACE TEMP MACRO otlp_span_kind(k) AS CASE upper(replace(replace(coalesce(k, ''), 'SPAN_KIND_', ''), 'SpanKind.', ''))
    WHEN '1' THEN 'internal' WHEN 'INTERNAL' THEN 'internal'
    WHEN '2' THEN 'server'   WHEN 'SERVER' THEN 'server'
    WHEN '3' THEN 'client'   WHEN 'CLIENT' THEN 'client'
    WHEN '4' THEN 'producer' WHEN 'PRODUCER' THEN 'producer'
    WHEN '5' THEN 'consumer' WHEN 'CONSUMER' THEN 'consumer'
    ELSE 'unspecified'
END;

CREATE OR REPLACE TEMP MACRO otlp_status(c) AS CASE upper(replace(coalesce(c, ''), 'STATUS_CODE_', ''))
    WHEN '1' THEN 'ok' WHEN 'OK' THEN 'ok'
    WHEN '2' THEN 'error' WHEN 'ERROR' THEN 'error'
    ELSE 'unset'
END;
