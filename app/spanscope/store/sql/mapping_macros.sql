-- How the attribute conventions map to canonical span columns. Temporary macros on the writer
-- connection. `t` is a span's attributes as MAP(VARCHAR, VARCHAR) (strings unquoted, numbers as
-- written, structures as JSON text). Priority when several conventions sit on one span:
-- OTel GenAI (newest form first) > OpenInference > OpenLLMetry > vendor (Vercel AI SDK, Codex);
-- the raw attributes are always kept as well.

CREATE OR REPLACE TEMP MACRO as_json(s) AS try_cast(s AS JSON);
CREATE OR REPLACE TEMP MACRO as_int(s) AS try_cast(try_cast(s AS DOUBLE) AS BIGINT);
CREATE OR REPLACE TEMP MACRO as_num(s) AS try_cast(s AS DOUBLE);

-- How many indexed entries a flattened list has: 'llm.input_messages.3.message.role' -> 4;
-- at most 1,000. The bound keeps the work a span costs to what it holds: one key
-- 'llm.input_messages.3000000.message.role' in a 300-byte file made a list of 3 million
-- messages (15 s, then out of memory). Entries past it stay in the raw attributes, and the
-- import warns (flat_cut.sql).
CREATE OR REPLACE TEMP MACRO flat_count(t, prefix) AS least(coalesce(list_max(list_transform(
    list_filter(map_keys(t), lambda k_4: starts_with(k_4, prefix)),
    lambda k_4: try_cast(split_part(k_4[length(prefix) + 1:], '.', 1) AS INTEGER))) + 1, 0), 1000);

-- The attributes of one flattened list (first index below 1,000), at most 20,000 of them. A
-- lookup in a map reads its keys one by one: reading each entry's fields from the whole span
-- made 20,000 flattened messages (180 KB of gzip) take 67 s; from this part, well under one.
CREATE OR REPLACE TEMP MACRO flat_part(t, prefix) AS map_from_entries(list_filter(map_entries(t),
    lambda e_4: starts_with(e_4.key, prefix)
        AND coalesce(try_cast(split_part(e_4.key[length(prefix) + 1:], '.', 1) AS INTEGER) < 1000, FALSE))[1:20000]);

-- A JSON value that may itself be a JSON document inside a string (double encoding).
CREATE OR REPLACE TEMP MACRO unquote_json(j) AS CASE
    WHEN j IS NULL THEN NULL
    WHEN json_type(j) = 'VARCHAR' AND coalesce(try_cast((json_extract_string(j, '$')) AS JSON), 'null'::JSON)::VARCHAR[1] IN ('[', '{')
        THEN try_cast((json_extract_string(j, '$')) AS JSON)
    ELSE j
END;

-- The text of a content value: a string, a list of parts ({type:text, text|content}), or other JSON.
CREATE OR REPLACE TEMP MACRO content_text(c) AS CASE
    WHEN c IS NULL OR json_type(c) = 'NULL' THEN NULL
    WHEN json_type(c) = 'VARCHAR' THEN json_extract_string(c, '$')
    WHEN json_type(c) = 'ARRAY' THEN nullif(array_to_string(list_filter(list_transform(json_extract(c, '$[*]'),
        lambda p_6: CASE WHEN json_type(p_6) = 'VARCHAR' THEN json_extract_string(p_6, '$')
                       WHEN coalesce(json_extract_string(p_6, '$.type'), 'text') IN ('text', 'input_text', 'output_text')
                           THEN coalesce(json_extract_string(p_6, '$.content'), json_extract_string(p_6, '$.text'))
                       WHEN json_extract_string(p_6, '$.type') = 'tool_call_response' THEN coalesce(json_text(json_extract(p_6, '$.response')), json_text(json_extract(p_6, '$.result')))
                       WHEN json_extract_string(p_6, '$.type') = 'tool-result' THEN json_text(coalesce(json_extract(p_6, '$.output'), json_extract(p_6, '$.result')))
                  END), lambda s_6: s_6 IS NOT NULL), E'\n'), '')
    ELSE c::VARCHAR
END;

-- Messages in any of the JSON shapes seen (GenAI parts, OpenAI chat, Vercel, Anthropic blocks,
-- Gemini native) become one typed list. json_transform parses each list once; everything after
-- works on typed structs, which is what keeps large imports fast.
CREATE OR REPLACE TEMP MACRO message_shape() AS '[{"role":"VARCHAR","name":"VARCHAR","tool_call_id":"VARCHAR","content":"VARCHAR","text":"VARCHAR","finish_reason":"VARCHAR","parts":[{"type":"VARCHAR","content":"VARCHAR","text":"VARCHAR","id":"VARCHAR","name":"VARCHAR","arguments":"VARCHAR","response":"VARCHAR","result":"VARCHAR","mime_type":"VARCHAR","uri":"VARCHAR","modality":"VARCHAR","thought":"BOOLEAN","toolCallId":"VARCHAR","toolName":"VARCHAR","input":"VARCHAR","args":"VARCHAR","output":"VARCHAR","tool_use_id":"VARCHAR","server_tool_call":"JSON","server_tool_call_response":"JSON"}],"tool_calls":[{"id":"VARCHAR","name":"VARCHAR","arguments":"VARCHAR","function":{"name":"VARCHAR","arguments":"VARCHAR"}}]}]';

CREATE OR REPLACE TEMP MACRO part_shape() AS '[{"type":"VARCHAR","content":"VARCHAR","text":"VARCHAR","id":"VARCHAR","name":"VARCHAR","arguments":"VARCHAR","response":"VARCHAR","result":"VARCHAR","mime_type":"VARCHAR","uri":"VARCHAR","modality":"VARCHAR","thought":"BOOLEAN","toolCallId":"VARCHAR","toolName":"VARCHAR","input":"VARCHAR","args":"VARCHAR","output":"VARCHAR","tool_use_id":"VARCHAR","server_tool_call":"JSON","server_tool_call_response":"JSON"}]';

-- A content value that is itself a list of parts (OpenAI multimodal, Vercel, Anthropic blocks).
CREATE OR REPLACE TEMP MACRO content_parts(c) AS CASE
    WHEN c IS NOT NULL AND starts_with(ltrim(c), '[{') AND json_valid(c) THEN json_transform(c, part_shape())
END;

CREATE OR REPLACE TEMP MACRO is_text_part(p) AS coalesce(p.type, 'text') IN ('text', 'input_text', 'output_text') AND NOT coalesce(p.thought, FALSE);
-- Server-side tools (web search, code execution, MCP, ... run by the provider inside the one
-- model call) are tool calls of that call too: GenAI `server_tool_call`, Anthropic blocks.
CREATE OR REPLACE TEMP MACRO is_call_part(p) AS coalesce(p.type, '') IN ('tool_call', 'tool-call', 'tool_use', 'function_call',
    'server_tool_call', 'server_tool_use', 'mcp_tool_use');
-- Their results stay parts of the answer (never its text): GenAI `server_tool_call_response`,
-- Anthropic `web_search_tool_result`, `code_execution_tool_result`, `mcp_tool_result`, ...
CREATE OR REPLACE TEMP MACRO is_server_result_part(p) AS coalesce(p.type, '') = 'server_tool_call_response'
    OR (ends_with(coalesce(p.type, ''), '_tool_result') AND p.type <> 'tool_result');
CREATE OR REPLACE TEMP MACRO is_result_part(p) AS coalesce(p.type, '') IN ('tool_call_response', 'tool-result', 'tool_result', 'function_call_output');

CREATE OR REPLACE TEMP MACRO parts_text(ps) AS nullif(array_to_string(list_transform(
    list_filter(ps, lambda pt_a: is_text_part(pt_a) OR is_result_part(pt_a)),
    lambda pt_b: coalesce(pt_b.content, pt_b.text, pt_b.response, pt_b.result, pt_b.output)), E'\n'), '');

CREATE OR REPLACE TEMP MACRO parts_calls(ps) AS list_transform(list_filter(ps, lambda pc_a: is_call_part(pc_a)),
    lambda pc_b: struct_pack(call_id := coalesce(pc_b.id, pc_b.toolCallId), name := coalesce(pc_b.name, pc_b.toolName),
                             arguments := coalesce(pc_b.arguments, pc_b.input, pc_b.args, pc_b.server_tool_call::VARCHAR)));

CREATE OR REPLACE TEMP MACRO part_other(po) AS struct_pack(
    type := CASE WHEN coalesce(po.thought, FALSE) THEN 'reasoning' ELSE po.type END,
    content := coalesce(po.content, po.text, po.server_tool_call_response::VARCHAR),
    mime_type := po.mime_type, uri := po.uri, modality := po.modality);

CREATE OR REPLACE TEMP MACRO parts_other(ps) AS CASE
    WHEN len(list_filter(ps, lambda po_a: NOT (is_text_part(po_a) OR is_call_part(po_a) OR is_result_part(po_a)))) > 0
    THEN to_json(list_transform(list_filter(ps, lambda po_b: NOT (is_text_part(po_b) OR is_call_part(po_b) OR is_result_part(po_b))),
        lambda po_c: CASE WHEN is_server_result_part(po_c)
            -- a server tool's result names the call it answers
            THEN json_merge_patch(to_json(part_other(po_c)), json_object('id', coalesce(po_c.id, po_c.tool_use_id)))
            ELSE to_json(part_other(po_c)) END))
END;

-- The results of server-side tool calls in a span's output messages: [{type, id, content}].
CREATE OR REPLACE TEMP MACRO server_results(msgs) AS list_filter(flatten(list_transform(coalesce(msgs, []),
    lambda sr_a: coalesce(json_transform(sr_a.parts, '[{"type":"VARCHAR","id":"VARCHAR","content":"VARCHAR"}]'), []))),
    lambda sr_b: sr_b.id IS NOT NULL);

-- One typed message from the transformed shape; `cp` is its content read as parts, when it was.
CREATE OR REPLACE TEMP MACRO message_of(m, cp, default_role) AS struct_pack(
    -- Gemini says model, LangChain human/ai: one vocabulary for the conversation view
    role := CASE lower(coalesce(m.role, default_role)) WHEN 'model' THEN 'assistant' WHEN 'ai' THEN 'assistant'
                 WHEN 'human' THEN 'user' ELSE coalesce(m.role, default_role) END,
    content := CASE WHEN cp IS NOT NULL THEN parts_text(cp)
                    WHEN m.content IS NOT NULL THEN m.content
                    WHEN m.text IS NOT NULL THEN m.text
                    ELSE parts_text(m.parts) END,
    name := m.name,
    tool_call_id := coalesce(m.tool_call_id,
        list_filter(list_transform(list_filter(coalesce(m.parts, cp), lambda mo_a: is_result_part(mo_a)),
                                   lambda mo_b: coalesce(mo_b.id, mo_b.toolCallId, mo_b.tool_use_id)),
                    lambda mo_c: mo_c IS NOT NULL)[1]),
    tool_calls := nullif(list_concat(
        parts_calls(m.parts),
        parts_calls(cp),
        list_transform(m.tool_calls, lambda mo_d: struct_pack(call_id := mo_d.id, name := coalesce(mo_d.function.name, mo_d.name),
                                                             arguments := coalesce(mo_d.function.arguments, mo_d.arguments)))), []),
    parts := coalesce(parts_other(m.parts), parts_other(cp)));

CREATE OR REPLACE TEMP MACRO message_list(j, default_role) AS list_transform(
    json_transform(CASE WHEN j IS NULL THEN NULL
                        WHEN starts_with(j::VARCHAR, '[') THEN j::VARCHAR
                        WHEN starts_with(j::VARCHAR, '{') AND json_exists(j, '$.messages') THEN json_extract(j, '$.messages')::VARCHAR
                        WHEN starts_with(j::VARCHAR, '{') THEN '[' || j::VARCHAR || ']'
                        ELSE json_array(json_object('role', default_role, 'content', json_text(j)))::VARCHAR END,
                   message_shape()),
    lambda ml_a: message_of(ml_a, content_parts(ml_a.content), default_role));

-- OpenInference flattened messages: llm.input_messages.{i}.message.* as OpenAI-style JSON.
CREATE OR REPLACE TEMP MACRO oi_messages(t, prefix) AS list_transform([flat_part(t, prefix)], lambda p_11: to_json(list_transform(range(flat_count(p_11, prefix)),
    lambda i_11: json_object(
        'role', p_11[prefix || i_11 || '.message.role'],
        'content', coalesce(to_json(p_11[prefix || i_11 || '.message.content']),
            nullif(to_json(list_transform(range(flat_count(p_11, prefix || i_11 || '.message.contents.')), lambda j_11: json_object(
                'type', p_11[prefix || i_11 || '.message.contents.' || j_11 || '.message_content.type'],
                'text', p_11[prefix || i_11 || '.message.contents.' || j_11 || '.message_content.text']))), '[]'::JSON)),
        'name', p_11[prefix || i_11 || '.message.name'],
        'tool_call_id', p_11[prefix || i_11 || '.message.tool_call_id'],
        'tool_calls', to_json(list_transform(range(flat_count(p_11, prefix || i_11 || '.message.tool_calls.')), lambda k_11: json_object(
            'id', p_11[prefix || i_11 || '.message.tool_calls.' || k_11 || '.tool_call.id'],
            'function', json_object(
                'name', p_11[prefix || i_11 || '.message.tool_calls.' || k_11 || '.tool_call.function.name'],
                'arguments', p_11[prefix || i_11 || '.message.tool_calls.' || k_11 || '.tool_call.function.arguments']))))))))[1];

-- OpenLLMetry flattened messages: gen_ai.prompt.{i_12}.role / .content / .tool_calls.{j}.*
CREATE OR REPLACE TEMP MACRO openllmetry_messages(t, prefix) AS list_transform([flat_part(t, prefix)], lambda p_12: to_json(list_transform(range(flat_count(p_12, prefix)),
    lambda i_12: json_object(
        'role', p_12[prefix || i_12 || '.role'],
        'content', p_12[prefix || i_12 || '.content'],
        'tool_call_id', p_12[prefix || i_12 || '.tool_call_id'],
        'tool_calls', to_json(list_transform(range(flat_count(p_12, prefix || i_12 || '.tool_calls.')), lambda k_12: json_object(
            'id', p_12[prefix || i_12 || '.tool_calls.' || k_12 || '.id'],
            'function', json_object('name', p_12[prefix || i_12 || '.tool_calls.' || k_12 || '.name'],
                                    'arguments', p_12[prefix || i_12 || '.tool_calls.' || k_12 || '.arguments']))))))))[1];

-- Documents in any shape: [{id, score, content|text|page_content, metadata}]
CREATE OR REPLACE TEMP MACRO document_list(j, stage) AS list_transform(coalesce(json_extract(j, '$[*]'), []),
    lambda d_13: struct_pack(
        document_id := coalesce(json_extract_string(d_13, '$.id'), json_extract_string(d_13, '$."document.id"'), json_extract_string(d_13, '$.metadata.chunk_id')),
        content := coalesce(json_extract_string(d_13, '$.content'), json_extract_string(d_13, '$.text'), json_extract_string(d_13, '$.page_content'), json_extract_string(d_13, '$."document.content"')),
        score := try_cast(coalesce(json_extract_string(d_13, '$.score'), json_extract_string(d_13, '$."document.score"')) AS DOUBLE),
        metadata := unquote_json(coalesce(json_extract(d_13, '$.metadata'), json_extract(d_13, '$."document.metadata"'))),
        stage := stage));

CREATE OR REPLACE TEMP MACRO oi_documents(t, prefix, stage) AS list_transform([flat_part(t, prefix)], lambda p_14: list_transform(range(flat_count(p_14, prefix)),
    lambda i_14: struct_pack(
        document_id := p_14[prefix || i_14 || '.document.id'],
        content := p_14[prefix || i_14 || '.document.content'],
        score := as_num(p_14[prefix || i_14 || '.document.score']),
        metadata := as_json(p_14[prefix || i_14 || '.document.metadata']),
        stage := stage)))[1];

CREATE OR REPLACE TEMP MACRO kind_of(t, name) AS coalesce(
    -- set by importers of formats with their own kind vocabulary (Langfuse, LangSmith, ...)
    CASE WHEN lower(t['spanscope.kind']) IN ('llm', 'embedding', 'tool', 'retriever', 'reranker', 'agent',
        'chain', 'guardrail', 'evaluator', 'prompt', 'event', 'other') THEN lower(t['spanscope.kind']) END,
    CASE lower(t['openinference.span.kind'])
        WHEN 'llm' THEN 'llm' WHEN 'embedding' THEN 'embedding' WHEN 'chain' THEN 'chain'
        WHEN 'retriever' THEN 'retriever' WHEN 'reranker' THEN 'reranker' WHEN 'tool' THEN 'tool'
        WHEN 'agent' THEN 'agent' WHEN 'guardrail' THEN 'guardrail' WHEN 'evaluator' THEN 'evaluator'
        WHEN 'prompt' THEN 'prompt' END,
    CASE lower(t['gen_ai.operation.name'])
        WHEN 'chat' THEN 'llm' WHEN 'text_completion' THEN 'llm' WHEN 'generate_content' THEN 'llm'
        WHEN 'completion' THEN 'llm' WHEN 'llm_call' THEN 'llm' WHEN 'responses' THEN 'llm'
        WHEN 'embeddings' THEN 'embedding' WHEN 'embedding' THEN 'embedding'
        WHEN 'execute_tool' THEN 'tool' WHEN 'invoke_agent' THEN 'agent' WHEN 'create_agent' THEN 'agent'
        WHEN 'invoke_workflow' THEN 'chain' WHEN 'chain' THEN 'chain' WHEN 'retrieval' THEN 'retriever'
        WHEN 'rerank' THEN 'reranker' END,
    CASE lower(t['langfuse.observation.type'])
        WHEN 'generation' THEN 'llm' WHEN 'embedding' THEN 'embedding' WHEN 'tool' THEN 'tool'
        WHEN 'agent' THEN 'agent' WHEN 'chain' THEN 'chain' WHEN 'retriever' THEN 'retriever'
        WHEN 'evaluator' THEN 'evaluator' WHEN 'guardrail' THEN 'guardrail' WHEN 'event' THEN 'event' END,
    CASE lower(t['langsmith.span.kind'])
        WHEN 'llm' THEN 'llm' WHEN 'chain' THEN 'chain' WHEN 'tool' THEN 'tool'
        WHEN 'retriever' THEN 'retriever' WHEN 'embedding' THEN 'embedding' WHEN 'prompt' THEN 'prompt' END,
    CASE lower(t['traceloop.span.kind'])
        WHEN 'workflow' THEN 'chain' WHEN 'task' THEN 'chain' WHEN 'agent' THEN 'agent' WHEN 'tool' THEN 'tool' END,
    CASE lower(t['llm.request.type'])
        WHEN 'chat' THEN 'llm' WHEN 'completion' THEN 'llm' WHEN 'embedding' THEN 'embedding' WHEN 'rerank' THEN 'reranker' END,
    CASE WHEN t['ai.operationId'] IS NULL THEN NULL
         WHEN regexp_matches(t['ai.operationId'], '\.do(Generate|Stream)$') THEN 'llm'
         WHEN regexp_matches(t['ai.operationId'], '\.doEmbed$') THEN 'embedding'
         WHEN t['ai.operationId'] = 'ai.toolCall' THEN 'tool'
         ELSE 'chain' END,
    CASE WHEN t['gen_ai.tool.name'] IS NOT NULL THEN 'tool'
         WHEN t['gen_ai.request.model'] IS NOT NULL OR t['llm.model_name'] IS NOT NULL THEN 'llm'
         WHEN t['gen_ai.retrieval.documents'] IS NOT NULL OR t['retrieval.documents.0.document.content'] IS NOT NULL THEN 'retriever'
         WHEN t['codex.turn.token_usage.input_tokens'] IS NOT NULL THEN 'llm' END,
    'other');

-- Which conventions a span carries, for filters and for the "no LLM convention" warning.
CREATE OR REPLACE TEMP MACRO conventions_of(t) AS list_distinct(list_filter(list_transform(map_keys(t), lambda k_16: CASE
    WHEN starts_with(k_16, 'gen_ai.') THEN 'genai'
    WHEN k_16 = 'openinference.span.kind' OR starts_with(k_16, 'llm.') OR starts_with(k_16, 'retrieval.') OR starts_with(k_16, 'reranker.') OR starts_with(k_16, 'embedding.') THEN 'openinference'
    WHEN starts_with(k_16, 'traceloop.') THEN 'openllmetry'
    WHEN starts_with(k_16, 'ai.') THEN 'vercel-ai'
    WHEN starts_with(k_16, 'langfuse.') THEN 'langfuse'
    WHEN starts_with(k_16, 'langsmith.') THEN 'langsmith'
    WHEN starts_with(k_16, 'mlflow.') THEN 'mlflow'
    WHEN starts_with(k_16, 'codex.') THEN 'codex'
    END), lambda c_16: c_16 IS NOT NULL));


-- Span and trace ids: hex of any case (optionally 0x-prefixed) becomes lowercase hex; base64 of
-- 16 or 8 bytes (protobuf JSON, Tempo, MLflow v3) becomes hex; anything else (UUIDs, 'tr-...',
-- synthetic ids) is kept exactly as written. Empty means no id.
CREATE OR REPLACE TEMP MACRO norm_id(s) AS CASE
    WHEN s IS NULL OR trim(s) = '' THEN NULL
    WHEN regexp_full_match(s, '(0[xX])?([0-9a-fA-F]{2})+')
        THEN lower(regexp_replace(s, '^0[xX]', ''))
    WHEN (length(s) = 24 OR length(s) = 12) AND regexp_full_match(s, '[A-Za-z0-9+/]+={0,2}')
         AND s LIKE '%='
        THEN coalesce(lower(hex(try(from_base64(s)))), s)
    ELSE s
END;

-- Text of a JSON value: strings unquoted, everything else as JSON text.
CREATE OR REPLACE TEMP MACRO json_text(j) AS CASE
    WHEN j IS NULL THEN NULL
    WHEN json_type(j) = 'VARCHAR' THEN json_extract_string(j, '$')
    WHEN json_type(j) = 'NULL' THEN NULL
    ELSE j::VARCHAR
END;

-- A Vertex AI model resource path: projects/P/locations/L/publishers/google/models/M.
CREATE OR REPLACE TEMP MACRO is_vertex_path(m) AS coalesce(regexp_matches(m, '^projects/[^/]+/locations/[^/]+/publishers/[^/]+/models/.'), FALSE);
-- A model's own name from a resource path (Vertex AI, publishers/…/models/…, models/…).
CREATE OR REPLACE TEMP MACRO short_model(m) AS CASE
    WHEN m IS NULL THEN NULL
    WHEN regexp_matches(m, '^(projects/[^/]+/locations/[^/]+/)?publishers/[^/]+/models/.')
        THEN regexp_extract(m, 'models/(.+)$', 1)
    WHEN regexp_matches(m, '^models/[^/]+$') THEN m[8:]
    ELSE m END;
