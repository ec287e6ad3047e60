-- Maps the raw span relation `raw_spans` (written by an importer) to canonical rows of `spans`.
-- raw_source_id (a column of raw_spans) is the sources row of the file each span comes from:
-- one file, or a batch of small files mapped in one statement (writer.py, import_batch).
INSERT INTO spans BY NAME
WITH ids AS (
    SELECT r.*, attr_text AS t,
           -- All-zero ids are placeholders a sender forgot to fill in: scope them to this
           -- file so unrelated spans from different files never collide. A missing or empty
           -- id (norm_id gives NULL) is a placeholder too.
           CASE WHEN coalesce(regexp_full_match(norm_id(raw_trace_id), '0+'), TRUE)
                THEN 'unset-' || raw_source_id
                ELSE norm_id(raw_trace_id) END AS trace_id_n,
           CASE WHEN coalesce(regexp_full_match(norm_id(raw_span_id), '0+'), TRUE)
                THEN 'unset-' || left(md5(concat_ws('|', name, start_ns, end_ns, raw_parent_span_id)), 16)
                ELSE norm_id(raw_span_id) END AS span_id_n,
           CASE WHEN regexp_full_match(norm_id(raw_parent_span_id), '0+') THEN NULL
                ELSE norm_id(raw_parent_span_id) END AS parent_n
    FROM raw_spans r
),
convs AS (
    SELECT *,
        kind_of(t, name) AS kind_n,
        -- messages: each convention yields JSON in its own shape; the first present wins
        coalesce(
            unquote_json(as_json(t['gen_ai.input.messages'])),
            CASE WHEN t['llm.input_messages.0.message.role'] IS NOT NULL OR t['llm.input_messages.0.message.content'] IS NOT NULL
                 THEN oi_messages(t, 'llm.input_messages.') END,
            CASE WHEN t['gen_ai.prompt.0.role'] IS NOT NULL OR t['gen_ai.prompt.0.content'] IS NOT NULL
                 THEN openllmetry_messages(t, 'gen_ai.prompt.') END,
            CASE WHEN t['gen_ai.prompt'] IS NOT NULL
                 THEN coalesce(unquote_json(as_json(t['gen_ai.prompt'])), to_json(t['gen_ai.prompt'])) END,
            CASE WHEN t['ai.prompt.messages'] IS NOT NULL THEN unquote_json(as_json(t['ai.prompt.messages']))
                 WHEN json_type(unquote_json(as_json(t['ai.prompt'])), '$.prompt') = 'VARCHAR'
                 THEN json_array(json_object('role', 'user', 'content',
                        json_extract_string(unquote_json(as_json(t['ai.prompt'])), '$.prompt')))
                 WHEN t['ai.prompt'] IS NOT NULL THEN unquote_json(as_json(t['ai.prompt'])) END,
            CASE WHEN len(events) > 0 THEN nullif(to_json(list_transform(list_filter(events, lambda e: e.name IN
                    ('gen_ai.system.message', 'gen_ai.user.message', 'gen_ai.assistant.message', 'gen_ai.tool.message', 'gen_ai.content.prompt')),
                    lambda e: coalesce(unquote_json(as_json(e.attributes['gen_ai.event.content'])),
                        json_object('role', coalesce(e.attributes['role'], CASE e.name WHEN 'gen_ai.system.message' THEN 'system'
                            WHEN 'gen_ai.assistant.message' THEN 'assistant' WHEN 'gen_ai.tool.message' THEN 'tool' ELSE 'user' END),
                            'content', coalesce(e.attributes['content'], e.attributes['gen_ai.prompt']),
                            'tool_call_id', e.attributes['id'])))), '[]'::JSON) END
        ) AS input_json,
        coalesce(
            unquote_json(as_json(t['gen_ai.output.messages'])),
            CASE WHEN t['llm.output_messages.0.message.role'] IS NOT NULL OR t['llm.output_messages.0.message.content'] IS NOT NULL
                 THEN oi_messages(t, 'llm.output_messages.') END,
            CASE WHEN t['gen_ai.completion.0.role'] IS NOT NULL OR t['gen_ai.completion.0.content'] IS NOT NULL
                 THEN openllmetry_messages(t, 'gen_ai.completion.') END,
            CASE WHEN t['gen_ai.completion'] IS NOT NULL
                 THEN coalesce(unquote_json(as_json(t['gen_ai.completion'])), to_json(t['gen_ai.completion'])) END,
            CASE WHEN t['ai.response.text'] IS NOT NULL OR t['ai.response.toolCalls'] IS NOT NULL OR t['ai.response.object'] IS NOT NULL
                 THEN json_array(json_object('role', 'assistant', 'content', coalesce(t['ai.response.text'], t['ai.response.object']),
                        'tool_calls', to_json(list_transform(coalesce(json_extract(as_json(t['ai.response.toolCalls']), '$[*]'), []),
                            lambda c: json_object('id', json_extract_string(c, '$.toolCallId'), 'function', json_object(
                                'name', json_extract_string(c, '$.toolName'),
                                'arguments', json_text(coalesce(json_extract(c, '$.input'), json_extract(c, '$.args'))))))))) END,
            CASE WHEN len(events) > 0 THEN nullif(to_json(list_transform(list_filter(events, lambda e: e.name IN ('gen_ai.choice', 'gen_ai.content.completion')),
                    lambda e: coalesce(
                        unquote_json(as_json(e.attributes['message'])),
                        json_extract(unquote_json(as_json(e.attributes['gen_ai.event.content'])), '$.message'),
                        json_object('role', 'assistant', 'content', coalesce(e.attributes['content'], e.attributes['gen_ai.completion']))))), '[]'::JSON) END
        ) AS output_json,
        CASE WHEN t['gen_ai.system_instructions'] IS NOT NULL THEN
            [struct_pack(role := 'system',
                content := CASE WHEN starts_with(ltrim(t['gen_ai.system_instructions']), '[{')
                                THEN coalesce(parts_text(content_parts(t['gen_ai.system_instructions'])), t['gen_ai.system_instructions'])
                                WHEN starts_with(ltrim(t['gen_ai.system_instructions']), '"')
                                THEN coalesce(json_text(as_json(t['gen_ai.system_instructions'])), t['gen_ai.system_instructions'])
                                ELSE t['gen_ai.system_instructions'] END,
                name := NULL::VARCHAR, tool_call_id := NULL::VARCHAR,
                tool_calls := NULL::STRUCT(call_id VARCHAR, name VARCHAR, arguments VARCHAR)[], parts := NULL::JSON)]
        END AS system_msgs,
        coalesce(
            CASE WHEN t['gen_ai.retrieval.documents'] IS NOT NULL
                 THEN document_list(unquote_json(as_json(t['gen_ai.retrieval.documents'])), 'retrieved') END,
            CASE WHEN t['retrieval.documents.0.document.content'] IS NOT NULL OR t['retrieval.documents.0.document.id'] IS NOT NULL
                 THEN oi_documents(t, 'retrieval.documents.', 'retrieved') END,
            CASE WHEN t['reranker.output_documents.0.document.content'] IS NOT NULL OR t['reranker.output_documents.0.document.id'] IS NOT NULL
                 THEN list_concat(oi_documents(t, 'reranker.input_documents.', 'reranker_input'),
                                  oi_documents(t, 'reranker.output_documents.', 'reranker_output')) END
        ) AS docs,
        list_filter(events, lambda e: e.name = 'exception') AS exceptions
    FROM ids
),
msgs AS (
    SELECT *, message_list(input_json, 'user') AS input_msgs,
              message_list(output_json, 'assistant') AS output_msgs
    FROM convs
),
mapped AS (
SELECT
    trace_id_n AS trace_id,
    span_id_n AS span_id,
    CASE WHEN parent_n = span_id_n THEN NULL ELSE parent_n END AS parent_span_id,
    raw_source_id AS source_id,
    name,
    kind_n AS kind,
    span_kind,
    start_ns,
    end_ns,
    try(end_ns - start_ns) AS duration_ns,  -- NULL (warned) when the times are too far apart for int64
    CASE WHEN status = 'unset' AND len(exceptions) > 0 AND t['gen_ai.operation.name'] IS NOT NULL THEN 'error' ELSE status END AS status,
    coalesce(nullif(status_message, ''), exceptions[1].attributes['exception.message']) AS status_message,
    coalesce(t['error.type'], exceptions[1].attributes['exception.type']) AS error_type,
    coalesce(resource_text['service.name'], t['service.name']) AS service,
    lower(coalesce(t['gen_ai.provider.name'], t['gen_ai.system'], t['llm.provider'], t['llm.system'], t['ai.model.provider'])) AS provider,
    coalesce(t['gen_ai.request.model'], t['llm.request.model_name'], t['llm.model_name'], t['ai.model.id'],
             t['embedding.model_name'], t['reranker.model_name'], t['langfuse.observation.model.name'],
             CASE WHEN t['codex.turn.token_usage.input_tokens'] IS NOT NULL THEN t['model'] END) AS request_model,
    coalesce(t['gen_ai.response.model'], t['llm.response.model_name'], t['ai.response.model']) AS response_model,
    coalesce(t['gen_ai.response.model'], t['llm.response.model_name'], t['ai.response.model'],
             t['gen_ai.request.model'], t['llm.request.model_name'], t['llm.model_name'], t['ai.model.id'],
             t['embedding.model_name'], t['reranker.model_name'], t['langfuse.observation.model.name'],
             CASE WHEN t['codex.turn.token_usage.input_tokens'] IS NOT NULL THEN t['model'] END) AS model,
    coalesce(t['gen_ai.operation.name'], t['ai.operationId'], lower(t['openinference.span.kind'])) AS operation,
    coalesce(unquote_json(as_json(t['llm.invocation_parameters'])),
        CASE WHEN len(list_filter(map_keys(t), lambda k: starts_with(k, 'gen_ai.request.') AND k <> 'gen_ai.request.model')) > 0
             THEN to_json(map_from_entries(list_transform(list_filter(map_entries(attributes),
                    lambda e: starts_with(e.key, 'gen_ai.request.') AND e.key <> 'gen_ai.request.model'),
                    lambda e: struct_pack(k := e.key[16:], v := e.value)))) END) AS params,
    coalesce(as_int(t['gen_ai.usage.input_tokens']), as_int(t['gen_ai.usage.prompt_tokens']),
             as_int(t['llm.token_count.prompt']), as_int(t['ai.usage.inputTokens']), as_int(t['ai.usage.promptTokens']), as_int(t['ai.usage.tokens']),
             as_int(t['codex.turn.token_usage.input_tokens'])) AS input_tokens,
    coalesce(as_int(t['gen_ai.usage.output_tokens']), as_int(t['gen_ai.usage.completion_tokens']),
             as_int(t['llm.token_count.completion']), as_int(t['ai.usage.outputTokens']), as_int(t['ai.usage.completionTokens']),
             as_int(t['codex.turn.token_usage.output_tokens'])) AS output_tokens,
    coalesce(as_int(t['gen_ai.usage.cache_read.input_tokens']), as_int(t['gen_ai.usage.cache_read_input_tokens']),
             as_int(t['gen_ai.usage.cached_input_tokens']), as_int(t['llm.token_count.prompt_details.cache_read']),
             as_int(t['ai.usage.cachedInputTokens']), as_int(t['ai.usage.inputTokenDetails.cacheReadTokens']),
             as_int(t['codex.turn.token_usage.cached_input_tokens'])) AS cache_read_tokens,
    coalesce(as_int(t['gen_ai.usage.cache_creation.input_tokens']), as_int(t['gen_ai.usage.cache_creation_input_tokens']),
             as_int(t['llm.token_count.prompt_details.cache_write']), as_int(t['ai.usage.inputTokenDetails.cacheWriteTokens'])) AS cache_write_tokens,
    coalesce(as_int(t['gen_ai.usage.reasoning.output_tokens']), as_int(t['gen_ai.usage.reasoning_tokens']),
             as_int(t['llm.token_count.completion_details.reasoning']), as_int(t['ai.usage.reasoningTokens']),
             as_int(t['ai.usage.outputTokenDetails.reasoningTokens']),
             as_int(t['codex.turn.token_usage.reasoning_output_tokens'])) AS reasoning_tokens,
    coalesce(as_int(t['gen_ai.usage.total_tokens']), as_int(t['llm.token_count.total']), as_int(t['llm.usage.total_tokens']),
             as_int(t['ai.usage.totalTokens']), as_int(t['codex.turn.token_usage.total_tokens'])) AS total_tokens,
    coalesce(as_num(t['llm.cost.total']), as_num(t['gen_ai.usage.cost'])) AS recorded_cost,
    NULL::DOUBLE AS computed_cost,
    coalesce(t['session.id'], t['gen_ai.conversation.id'], t['langfuse.session.id'], t['ai.telemetry.metadata.sessionId']) AS session_id,
    coalesce(t['user.id'], t['enduser.id'], t['langfuse.user.id'], t['ai.telemetry.metadata.userId']) AS user_id,
    CASE WHEN t['tag.tags'] IS NOT NULL THEN coalesce(try_cast(as_json(t['tag.tags']) AS VARCHAR[]), [t['tag.tags']])
         WHEN t['langfuse.trace.tags'] IS NOT NULL THEN coalesce(try_cast(as_json(t['langfuse.trace.tags']) AS VARCHAR[]), [t['langfuse.trace.tags']])
    END AS tags,
    coalesce(t['gen_ai.tool.name'], t['tool.name'], t['ai.toolCall.name'],
             CASE WHEN kind_n = 'tool' THEN name END) AS tool_name,
    left(coalesce(
        CASE WHEN kind_n IN ('llm', 'embedding') THEN coalesce(
            list_filter(input_msgs, lambda m: m.role = 'user')[-1].content, output_msgs[1].content) END,
        CASE WHEN kind_n = 'tool' THEN coalesce(t['gen_ai.tool.call.arguments'], t['input.value']) END,
        t['gen_ai.retrieval.query.text'], t['input.value']), 300) AS preview,
    -- NULL, not [], when a record carries no messages: a later partial record of the same
    -- span must not wipe the messages an earlier one brought (merge_partials.sql).
    nullif(list_concat(system_msgs, input_msgs), []) AS input_messages,
    nullif(output_msgs, []) AS output_messages,
    CASE WHEN kind_n = 'tool' THEN [struct_pack(
            call_id := coalesce(t['gen_ai.tool.call.id'], t['tool.id'], t['tool_call.id'], t['ai.toolCall.id']),
            name := coalesce(t['gen_ai.tool.name'], t['tool.name'], t['ai.toolCall.name'], name),
            arguments := coalesce(t['gen_ai.tool.call.arguments'], t['input.value'], t['input'], t['ai.toolCall.args'], t['ai.toolCall.input']),
            result := coalesce(t['gen_ai.tool.call.result'], t['output.value'], t['output'], t['ai.toolCall.result'], t['ai.toolCall.output']))]
         -- a server-side call carries its result (found by id among the answer's parts)
         ELSE nullif(list_transform(flatten(list_transform(coalesce(output_msgs, []), lambda m: coalesce(m.tool_calls, []))),
            lambda c: struct_pack(call_id := c.call_id, name := c.name, arguments := c.arguments,
                result := CASE WHEN c.call_id IS NOT NULL THEN list_filter(server_results(output_msgs), lambda r: r.id = c.call_id)[1].content END)), [])
    END AS tool_calls,
    docs AS documents,
    to_json(attributes) AS attributes,
    to_json(resource) AS resource,
    scope,
    to_json(list_transform(events, lambda e: struct_pack(name := e.name, time_ns := e.time_ns, attributes := e.attributes))) AS events,
    to_json(list_transform(links, lambda l: struct_pack(trace_id := norm_id(l.trace_id),
        span_id := norm_id(l.span_id), attributes := l.attributes))) AS links,
    conventions_of(t) AS conventions,
    -- Why a model call stopped: the first reason any convention records, lowercased (a chain
    -- that passes an answer on does not repeat it). Kept as a column so failure groups and
    -- evaluators never parse the attributes for it. Formats whose readers only know it per
    -- answer put it on the output message (finish_reason).
    CASE WHEN kind_n = 'llm' THEN lower(coalesce(
        json_extract_string(as_json(t['gen_ai.response.finish_reasons']), '$[0]'),
        CASE WHEN NOT starts_with(ltrim(t['gen_ai.response.finish_reasons']), '[') THEN t['gen_ai.response.finish_reasons'] END,
        t['gen_ai.completion.0.finish_reason'],
        t['ai.response.finishReason'],
        CASE WHEN starts_with(output_json::VARCHAR, '[') THEN json_extract_string(output_json, '$[0].finish_reason') END,
        list_filter(events, lambda e: e.name = 'gen_ai.choice')[1].attributes['finish_reason'],
        -- an OpenInference model call's output is often the provider's raw response
        CASE WHEN starts_with(ltrim(t['output.value']), '{') THEN coalesce(
            json_extract_string(as_json(t['output.value']), '$.choices[0].finish_reason'),
            json_extract_string(as_json(t['output.value']), '$.stop_reason')) END
    )) END AS finish_reason,
    -- What comparing cohorts and grouping failures read of every answer and retrieval, kept
    -- so they never walk the messages and chunks: the answer's length, the chunks' count and
    -- best score (NULL where the span records no answer or no chunks).
    CASE WHEN len(output_msgs) > 0
         THEN list_sum(list_transform(output_msgs, lambda m: length(coalesce(m.content, '')))) END AS output_chars,
    len(docs) AS chunk_count,
    list_max(list_transform(docs, lambda d: d.score)) AS top_chunk_score
FROM msgs
)
-- Vertex AI names a model by its resource path (projects/…/publishers/google/models/gemini-2.0-flash):
-- the model is its last part, the provider Vertex AI, so model:gemini* and prices find it.
-- Gemini counts thinking apart from the answer (candidates + thoughts + prompt = total): when the
-- recorded output leaves the reasoning out, it is added, so output includes reasoning as everywhere.
SELECT * REPLACE (
    short_model(request_model) AS request_model,
    short_model(response_model) AS response_model,
    short_model(model) AS model,
    CASE WHEN is_vertex_path(model) OR is_vertex_path(request_model)
              THEN CASE WHEN provider IS NULL OR regexp_matches(provider, '^(google|gcp|vertex|gemini)')
                        THEN 'gcp.vertex_ai' ELSE provider END
         ELSE provider END AS provider,
    CASE WHEN coalesce(reasoning_tokens, 0) > 0 AND output_tokens IS NOT NULL
              AND (reasoning_tokens > output_tokens
                   OR (input_tokens IS NOT NULL AND total_tokens = input_tokens + output_tokens + reasoning_tokens))
         THEN output_tokens + reasoning_tokens ELSE output_tokens END AS output_tokens)
FROM mapped
