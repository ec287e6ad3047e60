-- A span sent in several partial records (a start snapshot, then the finished span; or a
-- collector that exported it twice) becomes one row: the last non-empty value of each field
-- wins, the latest end is kept. Only runs when the file $source_id has repeated span ids.
CREATE OR REPLACE TEMP TABLE merged AS
SELECT trace_id, span_id,
    arg_max(parent_span_id, rid) FILTER (parent_span_id IS NOT NULL) AS parent_span_id, any_value(source_id) AS source_id,
    arg_max(name, rid) FILTER (name IS NOT NULL) AS name, arg_max(kind, rid) FILTER (kind <> 'other') AS kind_known,
    arg_max(span_kind, rid) FILTER (span_kind IS NOT NULL) AS span_kind, min(start_ns) AS start_ns, max(end_ns) AS end_ns,
    coalesce(arg_max(status, rid) FILTER (status <> 'unset'), 'unset') AS status,
    arg_max(status_message, rid) FILTER (status_message IS NOT NULL) AS status_message, arg_max(error_type, rid) FILTER (error_type IS NOT NULL) AS error_type,
    arg_max(service, rid) FILTER (service IS NOT NULL) AS service, arg_max(provider, rid) FILTER (provider IS NOT NULL) AS provider,
    arg_max(request_model, rid) FILTER (request_model IS NOT NULL) AS request_model, arg_max(response_model, rid) FILTER (response_model IS NOT NULL) AS response_model,
    arg_max(model, rid) FILTER (model IS NOT NULL) AS model, arg_max(operation, rid) FILTER (operation IS NOT NULL) AS operation,
    arg_max(params, rid) FILTER (params IS NOT NULL) AS params,
    arg_max(input_tokens, rid) FILTER (input_tokens IS NOT NULL) AS input_tokens, arg_max(output_tokens, rid) FILTER (output_tokens IS NOT NULL) AS output_tokens,
    arg_max(cache_read_tokens, rid) FILTER (cache_read_tokens IS NOT NULL) AS cache_read_tokens, arg_max(cache_write_tokens, rid) FILTER (cache_write_tokens IS NOT NULL) AS cache_write_tokens,
    arg_max(reasoning_tokens, rid) FILTER (reasoning_tokens IS NOT NULL) AS reasoning_tokens, arg_max(total_tokens, rid) FILTER (total_tokens IS NOT NULL) AS total_tokens,
    arg_max(recorded_cost, rid) FILTER (recorded_cost IS NOT NULL) AS recorded_cost, arg_max(computed_cost, rid) FILTER (computed_cost IS NOT NULL) AS computed_cost,
    arg_max(session_id, rid) FILTER (session_id IS NOT NULL) AS session_id, arg_max(user_id, rid) FILTER (user_id IS NOT NULL) AS user_id,
    arg_max(tags, rid) FILTER (tags IS NOT NULL) AS tags, arg_max(tool_name, rid) FILTER (tool_name IS NOT NULL) AS tool_name,
    arg_max(preview, rid) FILTER (preview IS NOT NULL) AS preview,
    arg_max(input_messages, rid) FILTER (input_messages IS NOT NULL) AS input_messages, arg_max(output_messages, rid) FILTER (output_messages IS NOT NULL) AS output_messages,
    arg_max(tool_calls, rid) FILTER (tool_calls IS NOT NULL) AS tool_calls, arg_max(documents, rid) FILTER (documents IS NOT NULL) AS documents,
    to_json(list_reduce(list(attributes::MAP(VARCHAR, JSON) ORDER BY rid), lambda a, b: map_concat(a, b))) AS attributes,
    arg_max(resource, rid) FILTER (resource IS NOT NULL) AS resource, arg_max(scope, rid) FILTER (scope IS NOT NULL) AS scope,
    to_json(flatten(list(coalesce(events::JSON[], []) ORDER BY rid))) AS events,
    arg_max(links, rid) FILTER (links IS NOT NULL) AS links,
    list_distinct(flatten(list(conventions))) AS conventions,
    arg_max(finish_reason, rid) FILTER (finish_reason IS NOT NULL) AS finish_reason,
    -- kept sizes follow the record whose messages and chunks were kept
    arg_max(output_chars, rid) FILTER (output_messages IS NOT NULL) AS output_chars,
    arg_max(chunk_count, rid) FILTER (documents IS NOT NULL) AS chunk_count,
    arg_max(top_chunk_score, rid) FILTER (documents IS NOT NULL) AS top_chunk_score
-- a finished record (it has an end) wins over a start snapshot whatever order they were written in
FROM (SELECT *, rowid + CASE WHEN end_ns IS NOT NULL THEN 1::BIGINT << 62 ELSE 0 END AS rid
      FROM spans WHERE source_id = $source_id)
GROUP BY trace_id, span_id
HAVING count(*) > 1;

DELETE FROM spans USING merged m
WHERE spans.source_id = $source_id AND spans.trace_id = m.trace_id AND spans.span_id = m.span_id;

INSERT INTO spans BY NAME
SELECT * EXCLUDE (kind_known), coalesce(kind_known, 'other') AS kind,
       try(end_ns - start_ns) AS duration_ns
FROM merged;

DROP TABLE merged;
