-- Spans of the file $source_id whose flattened messages or documents (OpenInference
-- llm.input_messages.N.*, OpenLLMetry gen_ai.prompt.N.*, retrieval.documents.N.*, ...) were
-- read only in part (mapping_macros.sql, flat_count and flat_part): an index of 1,000 or more
-- at any level, or over 20,000 attributes in one list. Their raw attributes keep every entry.
-- One row: how many, and the name and id of the first (by span id).
WITH flat AS (
    SELECT name, span_id,
           regexp_extract(k, '^(llm\.(?:input|output)_messages|gen_ai\.(?:prompt|completion)|retrieval\.documents|reranker\.(?:input|output)_documents)\.[0-9]+\.', 1) AS list,
           regexp_matches(k, '\.0*[1-9][0-9]{3,}\.') AS past_index
    FROM (
        SELECT name, span_id, unnest(json_keys(attributes)) AS k
        FROM spans
        WHERE source_id = $source_id
          -- cheap test first: only spans holding such a list are taken apart
          AND regexp_matches(attributes::VARCHAR, '"(llm\.(input|output)_messages|gen_ai\.(prompt|completion)|retrieval\.documents|reranker\.(input|output)_documents)\.[0-9]')
    )
),
cut AS (
    SELECT name, span_id
    FROM flat
    WHERE list <> ''
    GROUP BY name, span_id, list
    HAVING bool_or(past_index) OR count(*) > 20000
)
SELECT count(DISTINCT span_id), arg_min(name, span_id), min(span_id)
FROM cut;
