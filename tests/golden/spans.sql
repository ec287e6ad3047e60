-- The golden query: every span of the imported file, one row each, in start order. Lists are
-- written as their items joined by '|' (messages by role, tool calls by name).
SELECT
    span_id,
    parent_span_id,
    name,
    kind,
    status,
    status_message,
    error_type,
    service,
    provider,
    request_model,
    response_model,
    input_tokens,
    output_tokens,
    cache_read_tokens,
    cache_write_tokens,
    reasoning_tokens,
    session_id,
    user_id,
    array_to_string(tags, '|') AS tags,
    tool_name,
    duration_ns // 1000000 AS duration_ms,
    array_to_string(list_transform(input_messages, lambda m: m.role), '|') AS input_roles,
    array_to_string(list_transform(output_messages, lambda m: m.role), '|') AS output_roles,
    array_to_string(list_transform(tool_calls, lambda c: c.name), '|') AS tool_calls,
    len(documents) AS documents,
    finish_reason
FROM spans
ORDER BY start_ns, span_id
