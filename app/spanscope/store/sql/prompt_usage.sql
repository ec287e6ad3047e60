-- The prompt each model call was given, as a version: the template the trace declares
-- (OpenInference `llm.prompt_template.template`) or else the call's first system / developer
-- message, with the parts that change between calls masked. Two masks are taken: ids only
-- ({masked_ids}: timestamps, uuids, hex, words mixing letters and digits) and everything
-- ({masked}: numbers and quoted values too). Within a service, the prompts alike under the full
-- mask form a family; a family of a few variants (at most 3, or 1% of its calls) is a set of
-- versions ("Refunds: 30 days" then "Refunds: 90 days"), one of many variants is one template
-- with a variable (a customer number rendered into every call). prompt_id is 10 hex characters
-- of md5(service:template), stable across databases.
WITH calls AS (
    SELECT trace_id, span_id, start_ns, service, model,
           CASE WHEN declared IS NOT NULL THEN 'template' ELSE 'system message' END AS prompt_source,
           coalesce(declared, system_text) AS prompt_text,
           coalesce(declared, system_text) AS text_to_mask
    FROM (
        SELECT trace_id, span_id, start_ns, service, model,
               -- only OpenInference declares templates: other spans' attributes are not parsed
               CASE WHEN list_contains(conventions, 'openinference') THEN
                   nullif(json_extract_string(attributes, '$."llm.prompt_template.template"'), '')
               END AS declared,
               nullif((list_filter(input_messages, lambda m: m.role IN ('system', 'developer'))[1]).content, '') AS system_text
        FROM spans
        WHERE kind = 'llm' AND {where}
    )
    WHERE text_to_mask IS NOT NULL
),
-- each distinct prompt is masked once (a fleet sends a few prompts to a million calls)
masks AS (
    SELECT text_to_mask, {masked_ids} AS by_ids, {masked} AS by_everything
    FROM (SELECT DISTINCT text_to_mask FROM calls)
),
masked_calls AS (
    SELECT c.*, m.by_ids, m.by_everything FROM calls c JOIN masks m USING (text_to_mask)
),
families AS (
    SELECT service, by_everything, count(DISTINCT by_ids) AS variants, count(*) AS calls
    FROM masked_calls GROUP BY ALL
)
SELECT trace_id, span_id, start_ns, service, model, prompt_source, prompt_text, template,
       left(md5(coalesce(service, '') || ':' || template), 10) AS prompt_id
FROM (
    SELECT c.*,
           CASE WHEN f.variants <= greatest(3, f.calls // 100) THEN c.by_ids ELSE c.by_everything END AS template
    FROM masked_calls c
    JOIN families f ON f.service IS NOT DISTINCT FROM c.service AND f.by_everything = c.by_everything
)
