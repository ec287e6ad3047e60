-- Phoenix TraceDataset Parquet (px.TraceDataset.save / get_spans_dataframe): one row per span.
-- Produces the raw span relation that store/sql/map_spans.sql maps to canonical columns.
-- importers/phoenix_parquet.py fills in the expressions from the file's own schema:
--   {source}   read_parquet(...) of the file
--   {columns}  the span's fields, named as below
--   {entries}  every attribute column (and the export's other columns, as phoenix.*) as a list
--              of STRUCT(key, value JSON, text VARCHAR); list<struct> columns are expanded to
--              the index-flattened keys of OpenInference (retrieval.documents.0.document.id)
--   {events}   the events column as [{name, time_ns, attributes}]
WITH rows AS (
    SELECT {columns}, {entries} AS given, {events} AS events FROM {source}
),
attrs AS (
    SELECT * EXCLUDE (given),
        phoenix_dedupe(list_filter(given, lambda e_pq1: e_pq1.value IS NOT NULL)) AS es_both
    FROM rows
),
typed AS (
    SELECT * EXCLUDE (es_both),
        list_transform(es_both, lambda e_pq2: struct_pack(key := e_pq2.key, value := e_pq2.value)) AS es_given,
        list_transform(list_filter(es_both, lambda e_pq3: e_pq3.text IS NOT NULL),
            lambda e_pq4: struct_pack(key := e_pq4.key, value := e_pq4.text)) AS text_given
    FROM attrs
),
spans AS (
    SELECT * EXCLUDE (es_given, text_given),
        phoenix_complete(es_given, span_kind, []::STRUCT(key VARCHAR, value JSON)[]) AS es,
        list_concat(text_given, CASE
            WHEN NOT phoenix_has(es_given, 'openinference.span.kind') AND upper(coalesce(span_kind, '')) NOT IN ('', 'UNKNOWN')
            THEN [struct_pack(key := 'openinference.span.kind', value := upper(span_kind))] ELSE [] END) AS texts
    FROM typed
)
SELECT
    CASE WHEN trace_id IS NULL OR trim(trace_id) = '' OR span_id IS NULL OR trim(span_id) = ''
         THEN error('row ' || record || ' has no context.trace_id or context.span_id')
         ELSE trace_id END                        AS raw_trace_id,
    span_id                                       AS raw_span_id,
    parent_id                                     AS raw_parent_span_id,
    name                                          AS name,
    'unspecified'                                 AS span_kind,
    start_ns                                      AS start_ns,
    end_ns                                        AS end_ns,
    phoenix_status(status_code)                   AS status,
    status_message                                AS status_message,
    phoenix_attr_map(es)                          AS attributes,
    map_from_entries(texts)                       AS attr_text,
    map_from_entries([]::STRUCT(key VARCHAR, value JSON)[])     AS resource,
    map_from_entries([]::STRUCT(key VARCHAR, value VARCHAR)[])  AS resource_text,
    NULL::JSON                                    AS scope,
    events                                        AS events,
    phoenix_no_links()                            AS links
FROM spans
