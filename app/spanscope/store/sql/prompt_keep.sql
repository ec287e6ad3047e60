-- The prompts of the model calls in {scope} (one imported file, or every span when a database
-- is upgraded), kept in prompt_calls and prompt_texts: the template the trace declares
-- (OpenInference `llm.prompt_template.template`) or else the call's first system / developer
-- message. Each distinct prompt is masked once, the first time it is seen (a fleet sends a few
-- prompts to a million calls). Calls replaced by this file's spans are replaced here too.
CREATE OR REPLACE TEMP TABLE kept_prompt_calls AS
SELECT trace_id, span_id, start_ns, service, model,
       CASE WHEN declared IS NOT NULL THEN 'template' ELSE 'system message' END AS prompt_source,
       coalesce(declared, system_text) AS prompt_text,
       md5(coalesce(declared, system_text)) AS text_hash
FROM (
    SELECT trace_id, span_id, start_ns, service, model,
           -- only OpenInference declares templates: other spans' attributes are not parsed
           CASE WHEN list_contains(conventions, 'openinference') THEN
               nullif(json_extract_string(attributes, '$."llm.prompt_template.template"'), '')
           END AS declared,
           nullif((list_filter(input_messages, lambda m: m.role IN ('system', 'developer'))[1]).content, '') AS system_text
    FROM spans
    WHERE kind = 'llm' AND {scope}
)
WHERE coalesce(declared, system_text) IS NOT NULL;

DELETE FROM prompt_calls
WHERE (trace_id, span_id) IN (SELECT trace_id, span_id FROM spans WHERE {scope});

INSERT INTO prompt_texts
SELECT text_hash, text_to_mask, {masked_ids}, {masked}
FROM (SELECT DISTINCT text_hash, prompt_text AS text_to_mask FROM kept_prompt_calls)
WHERE text_hash NOT IN (SELECT text_hash FROM prompt_texts);

INSERT INTO prompt_calls
SELECT trace_id, span_id, start_ns, service, model, prompt_source, text_hash FROM kept_prompt_calls;

DROP TABLE kept_prompt_calls;
