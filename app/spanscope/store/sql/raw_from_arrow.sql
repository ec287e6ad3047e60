-- The raw span relation from Arrow batches an importer built in Python (model/raw.py), with
-- the JSON-text maps typed as JSON the way the SQL importers produce them.
SELECT * REPLACE (
    attributes::MAP(VARCHAR, JSON) AS attributes,
    resource::MAP(VARCHAR, JSON) AS resource,
    scope::JSON AS scope,
    list_transform(links, lambda l: struct_pack(trace_id := l.trace_id, span_id := l.span_id,
        attributes := l.attributes::MAP(VARCHAR, JSON))) AS links
)
FROM raw_arrow
