-- Schema 8: what failure groups and comparisons read, kept on the spans instead of parsed from
-- the attributes and nested columns on every query. Brings a schema-7 file up to 8: the sizes
-- of answers and retrievals, each model call's finish reason (as the mapping now sets it at
-- import, read here from the stored attributes) and its model's context
-- window (set by pricing: the calls already stored are priced again, which needs the price
-- data SQL cannot reach, so the app does it on its next start as after schema 6). The kept
-- prompt versions are filled after this file (prompt_schema.sql, store/prompt_calls.py).
ALTER TABLE spans ADD COLUMN IF NOT EXISTS finish_reason VARCHAR;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS context_window BIGINT;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS output_chars BIGINT;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS chunk_count INTEGER;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS top_chunk_score DOUBLE;

UPDATE spans SET
    output_chars = CASE WHEN len(output_messages) > 0
                        THEN list_sum(list_transform(output_messages, lambda m: length(coalesce(m.content, '')))) END,
    chunk_count = len(documents),
    top_chunk_score = list_max(list_transform(documents, lambda d: d.score))
WHERE output_messages IS NOT NULL OR documents IS NOT NULL;

UPDATE spans SET finish_reason = lower(coalesce(
    json_extract_string(attributes, '$."gen_ai.response.finish_reasons"[0]'),
    CASE WHEN json_type(attributes, '$."gen_ai.response.finish_reasons"') = 'VARCHAR'
         THEN json_extract_string(attributes, '$."gen_ai.response.finish_reasons"') END,
    json_extract_string(attributes, '$."gen_ai.completion.0.finish_reason"'),
    json_extract_string(attributes, '$."ai.response.finishReason"'),
    json_extract_string(attributes, '$."gen_ai.output.messages"[0].finish_reason'),
    json_extract_string(try_cast(json_extract_string(attributes, '$."gen_ai.output.messages"') AS JSON), '$[0].finish_reason'),
    json_extract_string(try_cast(json_extract_string(attributes, '$."output.value"') AS JSON), '$.choices[0].finish_reason'),
    json_extract_string(try_cast(json_extract_string(attributes, '$."output.value"') AS JSON), '$.stop_reason')
))
WHERE kind = 'llm';

INSERT OR REPLACE INTO meta VALUES ('costs_pending', 'all');
