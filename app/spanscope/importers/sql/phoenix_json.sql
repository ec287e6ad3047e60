-- Phoenix span JSON: a list of spans, JSON Lines of spans, or the REST API's {"data": [...]}
-- pages. Produces the raw span relation that store/sql/map_spans.sql maps to canonical columns.
-- {records} is filled in by importers/phoenix.py: one row per span with its position (`record`:
-- in the file, or in its page for API pages), the span's own fields and `extras` (its other
-- top-level fields as attribute entries).
-- Each step is its own CTE so that every macro gets a column, not a nested macro call.
WITH records AS (
    {records}
),
given AS (
    SELECT *,
        CASE WHEN context.trace_id IS NULL OR trim(context.trace_id) = ''
                  OR context.span_id IS NULL OR trim(context.span_id) = ''
             THEN error('record ' || record || ' has no context.trace_id or context.span_id')
        END AS missing_id,
        CASE WHEN attributes IS NULL THEN []::STRUCT(key VARCHAR, value JSON)[]
             WHEN NOT starts_with(attributes::VARCHAR, '{')
                 THEN error('record ' || record || ': attributes is not a JSON object')::STRUCT(key VARCHAR, value JSON)[]
             ELSE map_entries(attributes::MAP(VARCHAR, JSON))
        END AS es_given
    FROM records
),
flat AS (
    SELECT * EXCLUDE (es_given), phoenix_flatten(es_given) AS es_flat FROM given
),
cleaned AS (
    SELECT * EXCLUDE (es_flat), phoenix_clean(es_flat) AS es_clean FROM flat
),
completed AS (
    SELECT * EXCLUDE (es_clean), phoenix_complete(es_clean, span_kind, extras) AS es_more,
           phoenix_derived(es_clean) AS derived
    FROM cleaned
),
spans AS (
    SELECT * EXCLUDE (es_more), phoenix_clean(es_more) AS es FROM completed
)
SELECT
    coalesce(missing_id, context.trace_id)        AS raw_trace_id,
    context.span_id                               AS raw_span_id,
    parent_id                                     AS raw_parent_span_id,
    name                                          AS name,
    'unspecified'                                 AS span_kind,
    phoenix_time_ns(start_time)                   AS start_ns,
    phoenix_time_ns(end_time)                     AS end_ns,
    phoenix_status(status_code)                   AS status,
    status_message                                AS status_message,
    phoenix_attr_map(es)                          AS attributes,
    phoenix_text_map(list_concat(es, derived))    AS attr_text,
    map_from_entries([]::STRUCT(key VARCHAR, value JSON)[])     AS resource,
    map_from_entries([]::STRUCT(key VARCHAR, value VARCHAR)[])  AS resource_text,
    NULL::JSON                                    AS scope,
    list_transform(coalesce(json_transform(
        CASE WHEN starts_with(events::VARCHAR, '"') THEN json_extract_string(events, '$') ELSE events::VARCHAR END,
        '[{"name": "VARCHAR", "timestamp": "VARCHAR", "attributes": "JSON"}]'), []),
        lambda ev: struct_pack(name := ev.name, time_ns := phoenix_time_ns(ev.timestamp),
                               attributes := phoenix_object_text(ev.attributes)))  AS events,
    phoenix_no_links()                            AS links
FROM spans
