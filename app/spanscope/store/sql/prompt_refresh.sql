-- Prompt versions over the whole database, from the kept calls (prompt_keep.sql): which
-- version each (service, prompt) is, and each version's number and template. Within a
-- service, the prompts alike under the full mask form a family; a family of a few variants
-- (at most 3, or 1% of its calls) is a set of versions ("Refunds: 30 days" then "Refunds: 90
-- days"), one of many variants is one template with a variable (a customer number rendered
-- into every call). Versions are numbered per service in the order first seen, so a filter
-- never renumbers them. Works on distinct prompts, not calls: cheap enough for every import.
CREATE OR REPLACE TEMP TABLE prompt_uses AS
SELECT c.service, c.text_hash, t.by_ids, t.by_everything,
       count(*) AS calls, min(c.start_ns) AS first_seen_ns, any_value(c.prompt_source) AS prompt_source
FROM prompt_calls c JOIN prompt_texts t ON t.text_hash = c.text_hash
GROUP BY c.service, c.text_hash, t.by_ids, t.by_everything;

CREATE OR REPLACE TEMP TABLE prompt_templates AS
SELECT u.service, u.text_hash, u.calls, u.first_seen_ns, u.prompt_source, template,
       left(md5(coalesce(u.service, '') || ':' || template), 10) AS prompt_id
FROM (
    SELECT u.*,
           CASE WHEN f.variants <= greatest(3, f.calls // 100) THEN u.by_ids ELSE u.by_everything END AS template
    FROM prompt_uses u
    JOIN (SELECT service, by_everything, count(DISTINCT by_ids) AS variants, sum(calls) AS calls
          FROM prompt_uses GROUP BY ALL) f
      ON f.service IS NOT DISTINCT FROM u.service AND f.by_everything = u.by_everything
) u;

DELETE FROM prompt_keys;

INSERT INTO prompt_keys SELECT service, text_hash, prompt_id FROM prompt_templates;

DELETE FROM prompts;

INSERT INTO prompts
SELECT prompt_id, service,
       row_number() OVER (PARTITION BY service ORDER BY first_seen_ns NULLS LAST, prompt_id) AS version,
       prompt_source, template, first_seen_ns
FROM (
    SELECT prompt_id, any_value(service) AS service, arg_max(prompt_source, calls) AS prompt_source,
           any_value(template) AS template, min(first_seen_ns) AS first_seen_ns
    FROM prompt_templates GROUP BY prompt_id
);

DROP TABLE prompt_uses;

DROP TABLE prompt_templates;
