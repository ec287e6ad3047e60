-- The store's `spans` and `traces`, defined over the OpenTelemetry collector's ClickHouse
-- exporter table (`otel_traces`: Timestamp, TraceId, SpanAttributes Map(String, String) …),
-- with the column names and meanings of the local database (store/sql/schema.sql,
-- map_spans.sql, derive_traces.sql), so one compiled filter reads the same either way.
-- Prepended as WITH to every query of the ClickHouse source; {table} is the configured table,
-- checked to be a plain identifier. The exporter writes every attribute as text and absent
-- ones read as '': nullIf(…, '') gives NULL as the local mapping does.
-- The price book: the local pricing's rates for the calls of this table (store/costs.py Rate),
-- one list per "provider<TAB>model", each rate (from_ns, to_ns, input_above, input_upto, input,
-- output, cache read, cache write, reasoning per million tokens, fee per call), a missing special
-- price already replaced by its parent (cache by input, reasoning by output; none by 0). The only ? of
-- this file, bound before the query's own: the book as JSON, parsed once (a scalar subquery).
WITH (SELECT JSONExtract(?, 'Map(String, Array(Tuple(Int64, Int64, Int64, Int64, Float64, Float64, Float64, Float64, Float64, Float64)))')) AS price_book,
spans AS (
    SELECT
        TraceId AS trace_id,
        SpanId AS span_id,
        nullIf(ParentSpanId, '') AS parent_span_id,
        toString(SpanName) AS name,
        SpanAttributes AS a,                                                -- the span's attributes
        coalesce(
            CASE lower(a['openinference.span.kind'])
                WHEN 'llm' THEN 'llm' WHEN 'embedding' THEN 'embedding' WHEN 'chain' THEN 'chain'
                WHEN 'retriever' THEN 'retriever' WHEN 'reranker' THEN 'reranker' WHEN 'tool' THEN 'tool'
                WHEN 'agent' THEN 'agent' WHEN 'guardrail' THEN 'guardrail' WHEN 'evaluator' THEN 'evaluator'
                WHEN 'prompt' THEN 'prompt' END,
            CASE lower(a['gen_ai.operation.name'])
                WHEN 'chat' THEN 'llm' WHEN 'text_completion' THEN 'llm' WHEN 'generate_content' THEN 'llm'
                WHEN 'completion' THEN 'llm' WHEN 'llm_call' THEN 'llm' WHEN 'responses' THEN 'llm'
                WHEN 'embeddings' THEN 'embedding' WHEN 'embedding' THEN 'embedding'
                WHEN 'execute_tool' THEN 'tool' WHEN 'invoke_agent' THEN 'agent' WHEN 'create_agent' THEN 'agent'
                WHEN 'invoke_workflow' THEN 'chain' WHEN 'chain' THEN 'chain' WHEN 'retrieval' THEN 'retriever'
                WHEN 'rerank' THEN 'reranker' END,
            CASE lower(a['traceloop.span.kind'])
                WHEN 'workflow' THEN 'chain' WHEN 'task' THEN 'chain' WHEN 'agent' THEN 'agent' WHEN 'tool' THEN 'tool' END,
            CASE lower(a['llm.request.type'])
                WHEN 'chat' THEN 'llm' WHEN 'completion' THEN 'llm' WHEN 'embedding' THEN 'embedding' WHEN 'rerank' THEN 'reranker' END,
            CASE WHEN a['gen_ai.tool.name'] <> '' THEN 'tool'
                 WHEN a['gen_ai.request.model'] <> '' OR a['llm.model_name'] <> '' THEN 'llm'
                 WHEN a['gen_ai.retrieval.documents'] <> '' OR a['retrieval.documents.0.document.content'] <> '' THEN 'retriever' END,
            'other') AS kind,                                               -- llm, tool, retriever … as locally
        multiIf(endsWith(lower(StatusCode), 'error'), 'error',
                endsWith(lower(StatusCode), 'ok'), 'ok',
                has(Events.Name, 'exception') AND a['gen_ai.operation.name'] <> '', 'error',
                'unset') AS status,                                         -- ok, error, unset
        Events.Attributes[indexOf(Events.Name, 'exception')] AS _exception,     -- the first exception event's
        coalesce(nullIf(StatusMessage, ''), nullIf(_exception['exception.message'], '')) AS status_message,
        coalesce(nullIf(a['error.type'], ''), nullIf(_exception['exception.type'], '')) AS error_type,
        -- why the model stopped: the first of the finish reasons (a JSON list as the exporter writes it)
        lower(coalesce(
            nullIf(if(JSONType(a['gen_ai.response.finish_reasons']) = 'Array',
                      JSONExtractString(a['gen_ai.response.finish_reasons'], 1),
                      a['gen_ai.response.finish_reasons']), ''),
            nullIf(a['gen_ai.completion.0.finish_reason'], ''), nullIf(a['llm.finish_reason'], ''))) AS finish_reason,
        coalesce(nullIf(toString(ServiceName), ''), nullIf(a['service.name'], '')) AS service,
        lower(coalesce(nullIf(a['gen_ai.provider.name'], ''), nullIf(a['gen_ai.system'], ''),
                       nullIf(a['llm.provider'], ''), nullIf(a['llm.system'], ''))) AS provider,
        coalesce(nullIf(a['gen_ai.response.model'], ''), nullIf(a['llm.response.model_name'], ''),
                 nullIf(a['gen_ai.request.model'], ''), nullIf(a['llm.request.model_name'], ''),
                 nullIf(a['llm.model_name'], ''), nullIf(a['embedding.model_name'], '')) AS model,
        coalesce(nullIf(a['gen_ai.operation.name'], ''), nullIf(lower(a['openinference.span.kind']), '')) AS operation,
        coalesce(nullIf(a['gen_ai.request.model'], ''), nullIf(a['llm.request.model_name'], ''),
                 nullIf(a['llm.model_name'], ''), nullIf(a['embedding.model_name'], '')) AS request_model,
        coalesce(toInt64OrNull(a['gen_ai.usage.input_tokens']), toInt64OrNull(a['gen_ai.usage.prompt_tokens']),
                 toInt64OrNull(a['llm.token_count.prompt'])) AS input_tokens,
        coalesce(toInt64OrNull(a['gen_ai.usage.output_tokens']), toInt64OrNull(a['gen_ai.usage.completion_tokens']),
                 toInt64OrNull(a['llm.token_count.completion'])) AS output_tokens,
        coalesce(toInt64OrNull(a['gen_ai.usage.cache_read.input_tokens']), toInt64OrNull(a['gen_ai.usage.cache_read_input_tokens']),
                 toInt64OrNull(a['llm.token_count.prompt_details.cache_read'])) AS cache_read_tokens,
        coalesce(toInt64OrNull(a['gen_ai.usage.cache_creation.input_tokens']), toInt64OrNull(a['gen_ai.usage.cache_creation_input_tokens']),
                 toInt64OrNull(a['llm.token_count.prompt_details.cache_write'])) AS cache_write_tokens,
        coalesce(toInt64OrNull(a['gen_ai.usage.reasoning.output_tokens']), toInt64OrNull(a['gen_ai.usage.reasoning_tokens']),
                 toInt64OrNull(a['llm.token_count.completion_details.reasoning'])) AS reasoning_tokens,
        coalesce(toFloat64OrNull(a['llm.cost.total']), toFloat64OrNull(a['gen_ai.usage.cost'])) AS recorded_cost,
        -- the rates of this call's provider and model in the price book (above)
        price_book[concat(coalesce(provider, ''), '\t', coalesce(model, request_model, ''))] AS _rates,
        arrayFirstIndex(r -> coalesce(start_ns, -1) >= r.1 AND coalesce(start_ns, -1) < r.2
                             AND coalesce(input_tokens, 0) > r.3 AND coalesce(input_tokens, 0) <= r.4, _rates) AS _rate_at,
        _rates[_rate_at] AS _rate,
        -- USD as cost_apply.sql computes it: input includes cache reads and writes, output
        -- includes reasoning. Only a call without a recorded cost is priced: every total reads
        -- coalesce(recorded_cost, computed_cost), and the lookup is the costly part.
        if(kind IN ('llm', 'embedding') AND isNull(recorded_cost) AND (isNotNull(input_tokens) OR isNotNull(output_tokens)),
           if(_rate_at > 0,
              (greatest(coalesce(input_tokens, 0) - coalesce(cache_read_tokens, 0) - coalesce(cache_write_tokens, 0), 0) * _rate.5
               + coalesce(cache_read_tokens, 0) * _rate.7 + coalesce(cache_write_tokens, 0) * _rate.8
               + greatest(coalesce(output_tokens, 0) - coalesce(reasoning_tokens, 0), 0) * _rate.6
               + coalesce(reasoning_tokens, 0) * _rate.9) / 1e6 + _rate.10,
              NULL),
           NULL) AS computed_cost,
        coalesce(nullIf(a['session.id'], ''), nullIf(a['gen_ai.conversation.id'], '')) AS session_id,
        coalesce(nullIf(a['user.id'], ''), nullIf(a['enduser.id'], '')) AS user_id,
        multiIf(a['tag.tags'] = '', CAST([] AS Array(String)),
                JSONType(a['tag.tags']) = 'Array', JSONExtract(a['tag.tags'], 'Array(String)'),
                [a['tag.tags']]) AS tags,
        coalesce(nullIf(a['gen_ai.tool.name'], ''), nullIf(a['tool.name'], ''),
                 if(kind = 'tool', toString(SpanName), NULL)) AS tool_name,
        left(coalesce(nullIf(a['input.value'], ''), nullIf(a['gen_ai.prompt.0.content'], ''),
                      nullIf(a['gen_ai.tool.call.arguments'], ''), nullIf(a['gen_ai.input.messages'], '')), 300) AS preview,
        toInt64(toUnixTimestamp64Nano(Timestamp)) AS start_ns,
        toInt64(toUnixTimestamp64Nano(Timestamp)) + toInt64(Duration) AS end_ns,
        toInt64(Duration) AS duration_ns,
        -- tool calls asked for in the answer (GenAI parts, OpenInference and OpenLLMetry keys)
        position(a['gen_ai.output.messages'], '"tool_call"') > 0
            OR arrayExists(k -> match(k, '^(llm\\.output_messages\\.\\d+\\.message\\.tool_calls|gen_ai\\.completion\\.\\d+\\.tool_calls)\\.'), mapKeys(a))
            AS has_tool_calls,
        arrayExists(k -> k = 'gen_ai.retrieval.documents' OR startsWith(k, 'retrieval.documents.')
                         OR startsWith(k, 'reranker.output_documents.'), mapKeys(a)) AS has_documents,
        arrayExists(k -> k IN ('gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions')
                         OR match(k, '^(llm\\.(input|output)_messages\\.|gen_ai\\.(prompt|completion)\\.)'), mapKeys(a))
            OR arrayExists(n -> startsWith(n, 'gen_ai.') AND (endsWith(n, '.message') OR n = 'gen_ai.choice'), Events.Name)
            AS has_messages,
        -- what quoted text searches: the name, messages, tool arguments and results, chunks
        concat(toString(SpanName), '\n', arrayStringConcat(mapValues(mapFilter((k, v) ->
            k IN ('gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions', 'input.value', 'output.value',
                  'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result', 'gen_ai.retrieval.documents')
            OR match(k, '^(llm\\.(input|output)_messages\\.|gen_ai\\.(prompt|completion)\\.|retrieval\\.documents\\.|reranker\\.)'), a)), '\n'),
            '\n', arrayStringConcat(arrayMap(e -> arrayStringConcat(mapValues(e), '\n'), Events.Attributes), '\n')) AS search_text
    FROM {table}
),
traces AS (
    SELECT
        sp.trace_id AS trace_id,
        argMin(sp.span_id, (isNotNull(sp.parent_span_id), sp.start_ns, sp.span_id)) AS root_span_id,
        argMin(sp.name, (isNotNull(sp.parent_span_id), sp.start_ns, sp.span_id)) AS root_name,
        coalesce(argMin(sp.service, (isNotNull(sp.parent_span_id), sp.start_ns, sp.span_id)), min(sp.service)) AS service,
        min(sp.start_ns) AS start_ns,
        max(coalesce(sp.end_ns, sp.start_ns)) - min(sp.start_ns) AS duration_ns,
        toInt64(count()) AS span_count,
        toInt64(countIf(sp.kind = 'llm')) AS llm_count,
        toInt64(countIf(sp.kind = 'tool')) AS tool_count,
        toInt64(countIf(sp.kind IN ('retriever', 'reranker'))) AS retriever_count,
        toInt64(countIf(sp.status = 'error')) AS error_count,
        toInt64(sumIf(coalesce(sp.input_tokens, 0), sp.kind IN ('llm', 'embedding'))) AS input_tokens,
        toInt64(sumIf(coalesce(sp.output_tokens, 0), sp.kind IN ('llm', 'embedding'))) AS output_tokens,
        sum(coalesce(sp.recorded_cost, sp.computed_cost)) AS cost,               -- NULL when nothing priced
        argMinIf(sp.session_id, sp.start_ns, isNotNull(sp.session_id)) AS session_id,
        argMinIf(sp.user_id, sp.start_ns, isNotNull(sp.user_id)) AS user_id,
        arraySort(groupUniqArrayIf(assumeNotNull(sp.model), isNotNull(sp.model) AND sp.kind IN ('llm', 'embedding'))) AS models,
        coalesce(argMinIf(sp.preview, sp.start_ns, sp.kind = 'llm' AND isNotNull(sp.preview)),
                 argMinIf(sp.preview, sp.start_ns, isNotNull(sp.preview))) AS preview
    FROM spans AS sp
    GROUP BY sp.trace_id
)
