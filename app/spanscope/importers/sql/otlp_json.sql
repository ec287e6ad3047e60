-- OTLP JSON (TracesData / ExportTraceServiceRequest), one document, JSON Lines or concatenated
-- objects. Produces the raw span relation that store/sql/map_spans.sql maps to canonical columns.
-- {source} is a read_json(...) call with an explicit schema, filled in by importers/otlp.py;
-- {file_name} the column naming the file each span comes from (several small files read in one
-- call: read_json's filename), or NULL for one file.
WITH batches AS (
    SELECT unnest(coalesce({resource_spans}, [])) AS rs, {file_name} AS file_name FROM {source}
),
scopes AS (
    SELECT file_name, rs.resource AS resource,
           unnest(coalesce(rs.{scope_spans}, rs.{library_spans}, [])) AS ss
    FROM batches
),
flat AS (
    SELECT file_name, resource, coalesce(ss.scope, ss.{library}) AS scope,
           unnest(coalesce(ss.spans, [])) AS s
    FROM scopes
)
SELECT
    file_name,
    s.{trace_id}                          AS raw_trace_id,
    s.{span_id}                           AS raw_span_id,
    s.{parent_span_id}                    AS raw_parent_span_id,
    s.name                                AS name,
    otlp_span_kind(s.kind)                AS span_kind,
    otlp_time_ns(s.{start_time})          AS start_ns,
    otlp_time_ns(s.{end_time})            AS end_ns,
    otlp_status(s.status.code)            AS status,
    s.status.message                      AS status_message,
    otlp_attrs_json(s.attributes)         AS attributes,
    otlp_attrs_text(s.attributes)         AS attr_text,
    otlp_attrs_json(resource.attributes)  AS resource,
    otlp_attrs_text(resource.attributes)  AS resource_text,
    to_json(struct_pack(name := scope.name, version := scope.version,
            attributes := otlp_attrs_json(scope.attributes)))      AS scope,
    list_transform(coalesce(s.events, []), lambda e: struct_pack(
        name := e.name, time_ns := otlp_time_ns(e.{time}),
        attributes := otlp_attrs_text(e.attributes)))              AS events,
    list_transform(coalesce(s.links, []), lambda l: struct_pack(
        trace_id := l.{trace_id}, span_id := l.{span_id},
        attributes := otlp_attrs_json(l.attributes)))              AS links
FROM flat
