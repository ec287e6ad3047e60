-- Prompt versions, kept: what prompt each model call was given, worked out once per import
-- (prompt_keep.sql, prompt_refresh.sql; store/prompt_calls.py) so listing versions and the
-- `prompt:` filter term read these tables instead of parsing messages and masking prompts.

CREATE TABLE IF NOT EXISTS prompt_texts (
    text_hash      VARCHAR,   -- md5 of prompt_text: one row per distinct prompt in the database
    prompt_text    VARCHAR,   -- the prompt as a call was given it (template or system message)
    by_ids         VARCHAR,   -- prompt_text with timestamps, uuids, hex and ids masked
    by_everything  VARCHAR    -- prompt_text with numbers and quoted values masked too
);

CREATE TABLE IF NOT EXISTS prompt_calls (
    trace_id       VARCHAR,   -- the model call (spans.trace_id)
    span_id        VARCHAR,   -- the model call (spans.span_id)
    start_ns       BIGINT,    -- when it started (spans.start_ns)
    service        VARCHAR,   -- its service (spans.service): versions are numbered per service
    model          VARCHAR,   -- its model (spans.model)
    prompt_source  VARCHAR,   -- 'template' (declared by the trace) or 'system message'
    text_hash      VARCHAR    -- its prompt (prompt_texts.text_hash)
);

CREATE TABLE IF NOT EXISTS prompt_keys (
    service        VARCHAR,   -- a service
    text_hash      VARCHAR,   -- a prompt it used (prompt_texts.text_hash)
    prompt_id      VARCHAR    -- the version that prompt is (prompts.prompt_id)
);

CREATE TABLE IF NOT EXISTS prompts (
    prompt_id      VARCHAR,   -- 10 hex characters of md5(service:template): stable across databases
    service        VARCHAR,   -- the service whose prompt it is
    version        BIGINT,    -- 1, 2, ... per service, in the order first seen in the database
    prompt_source  VARCHAR,   -- 'template' or 'system message'
    template       VARCHAR,   -- the prompt with its variable parts masked
    first_seen_ns  BIGINT     -- the start of its first call in the database
);

-- Every model call with a prompt and the version it used.
CREATE OR REPLACE VIEW prompt_usage AS
    SELECT c.*, k.prompt_id
    FROM prompt_calls c
    JOIN prompt_keys k ON k.text_hash = c.text_hash AND k.service IS NOT DISTINCT FROM c.service;
