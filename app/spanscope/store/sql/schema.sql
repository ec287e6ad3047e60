-- Spanscope store, schema version 1.
-- One DuckDB file. Every table and column is described where it is declared; the SQL console
-- shows these comments beside the editor.

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,  -- setting name, e.g. 'schema_version'
    value VARCHAR               -- its value, as text
);

CREATE SEQUENCE IF NOT EXISTS source_ids START 1;

CREATE TABLE IF NOT EXISTS sources (
    source_id    INTEGER PRIMARY KEY,  -- identifies the imported file within this database
    path         VARCHAR NOT NULL,     -- absolute path of the file when it was imported
    sha256       VARCHAR NOT NULL,     -- content hash: the same content is never imported twice
    format       VARCHAR NOT NULL,     -- recognised format, e.g. 'otlp-json'
    size_bytes   BIGINT,               -- file size on disk
    imported_at  TIMESTAMPTZ,          -- when the import committed
    span_count   BIGINT,               -- spans this file contributed
    trace_count  BIGINT,               -- distinct traces this file touched
    warnings     VARCHAR[]             -- human-readable warnings raised while importing
);

-- The raw JSON columns hold most of the bytes and are read one span at a time: zstd keeps them
-- small and is much cheaper to write than the encodings DuckDB would pick for them.
CREATE TABLE IF NOT EXISTS spans (
    trace_id        VARCHAR NOT NULL,  -- lowercase hex when the source id was hex/base64/bytes, else as written
    span_id         VARCHAR NOT NULL,  -- same normalisation as trace_id
    parent_span_id  VARCHAR,           -- NULL for a root span
    source_id       INTEGER,           -- the file this span came from (sources.source_id)
    name            VARCHAR,           -- span name as recorded
    kind            VARCHAR,           -- llm, embedding, tool, retriever, reranker, agent, chain, guardrail, evaluator, prompt, event, other
    span_kind       VARCHAR,           -- OpenTelemetry span kind: internal, server, client, producer, consumer, unspecified
    start_ns        BIGINT,            -- start, nanoseconds since the Unix epoch (UTC)
    end_ns          BIGINT,            -- end, nanoseconds since the Unix epoch; NULL when unknown
    duration_ns     BIGINT,            -- end_ns - start_ns; NULL when either is unknown
    status          VARCHAR,           -- ok, error or unset
    status_message  VARCHAR,           -- error message or status description
    error_type      VARCHAR,           -- error.type attribute or the type of the first exception event
    service         VARCHAR,           -- service.name of the emitting resource
    provider        VARCHAR,           -- model provider, e.g. openai, anthropic, gcp.gemini
    request_model   VARCHAR,           -- model asked for
    response_model  VARCHAR,           -- model that answered (often a dated snapshot)
    model           VARCHAR,           -- response_model when recorded, else request_model
    operation       VARCHAR,           -- operation name, e.g. chat, execute_tool, retrieval
    params          JSON USING COMPRESSION zstd,              -- request parameters: temperature, max_tokens, top_p, ...
    input_tokens        BIGINT,        -- input tokens, including cached input (OTel GenAI semantics)
    output_tokens       BIGINT,        -- output tokens, including reasoning tokens
    cache_read_tokens   BIGINT,        -- input tokens served from the provider's cache
    cache_write_tokens  BIGINT,        -- input tokens written to the provider's cache
    reasoning_tokens    BIGINT,        -- output tokens spent on reasoning
    total_tokens        BIGINT,        -- total tokens as recorded, else input + output
    recorded_cost   DOUBLE,            -- cost in USD as recorded in the trace, when present
    computed_cost   DOUBLE,            -- cost in USD computed from prices, when known
    session_id      VARCHAR,           -- session / conversation id
    user_id         VARCHAR,           -- end user id
    tags            VARCHAR[],         -- tags attached to the span
    tool_name       VARCHAR,           -- for tool spans: the tool that ran
    preview         VARCHAR,           -- a short text preview for lists (first line of the last message)
    input_messages  STRUCT(role VARCHAR, content VARCHAR, name VARCHAR, tool_call_id VARCHAR, tool_calls STRUCT(call_id VARCHAR, name VARCHAR, arguments VARCHAR)[], parts JSON)[],   -- messages sent to the model
    output_messages STRUCT(role VARCHAR, content VARCHAR, name VARCHAR, tool_call_id VARCHAR, tool_calls STRUCT(call_id VARCHAR, name VARCHAR, arguments VARCHAR)[], parts JSON)[],   -- messages the model produced
    tool_calls      STRUCT(call_id VARCHAR, name VARCHAR, arguments VARCHAR, result VARCHAR)[],              -- tool calls requested by an llm span, or the call a tool span ran
    documents       STRUCT(document_id VARCHAR, content VARCHAR, score DOUBLE, metadata JSON, stage VARCHAR)[], -- retrieved or reranked chunks
    attributes      JSON USING COMPRESSION zstd,              -- every span attribute as recorded, unwrapped to plain JSON values
    resource        JSON USING COMPRESSION zstd,              -- resource attributes
    scope           JSON USING COMPRESSION zstd,              -- instrumentation scope: name, version, attributes
    events          JSON USING COMPRESSION zstd,              -- span events: [{name, time_ns, attributes}]
    links           JSON USING COMPRESSION zstd,              -- span links: [{trace_id, span_id, attributes}]
    conventions     VARCHAR[],         -- attribute conventions recognised on this span: genai, openinference, openllmetry, ...
    cost_flag       VARCHAR,           -- llm/embedding calls only: 'unpriced' (no recorded cost and no price), 'mismatch' (recorded and computed cost disagree by more than 5%), else NULL
    price_source    VARCHAR,           -- where computed_cost's price came from: 'bundled' (genai-prices data) or 'override' (the prices table)
    cache_saving    DOUBLE,            -- USD the provider's prompt cache saved on this call (cache reads at the input price less their price, less the cache-write premium)
    finish_reason   VARCHAR,           -- why the model stopped, lowercased as recorded (stop, length, content_filter, tool_calls, end_turn, ...): the first reason any convention gives
    context_window  BIGINT,            -- llm/embedding calls only: the model's context window in tokens as the bundled model data gives it, set when the call is priced; NULL when unknown
    output_chars    BIGINT,            -- characters of text in output_messages; NULL without output messages
    chunk_count     INTEGER,           -- chunks in documents; NULL when the span records none
    top_chunk_score DOUBLE             -- the best score among documents; NULL without scored chunks
);

CREATE TABLE IF NOT EXISTS traces (
    trace_id         VARCHAR PRIMARY KEY, -- the trace
    root_span_id     VARCHAR,           -- the earliest root span
    root_name        VARCHAR,           -- its name
    service          VARCHAR,           -- its service
    start_ns         BIGINT,            -- earliest span start
    end_ns           BIGINT,            -- latest span end
    duration_ns      BIGINT,            -- end_ns - start_ns
    span_count       BIGINT,            -- spans in the trace
    llm_count        BIGINT,            -- llm spans
    tool_count       BIGINT,            -- tool spans
    retriever_count  BIGINT,            -- retriever and reranker spans
    error_count      BIGINT,            -- spans whose status is error
    input_tokens     BIGINT,            -- summed over llm and embedding spans
    output_tokens    BIGINT,            -- summed over llm and embedding spans
    cost             DOUBLE,            -- recorded cost, else computed, summed; NULL when no span is priced
    session_id       VARCHAR,           -- first session id seen
    user_id          VARCHAR,           -- first user id seen
    models           VARCHAR[],         -- distinct models used
    preview          VARCHAR            -- first user message of the trace, shortened
);

CREATE SEQUENCE IF NOT EXISTS annotation_ids START 1;

CREATE TABLE IF NOT EXISTS annotations (
    annotation_id  BIGINT PRIMARY KEY DEFAULT nextval('annotation_ids'), -- identifies the annotation
    trace_id       VARCHAR NOT NULL,    -- the trace annotated
    span_id        VARCHAR NOT NULL DEFAULT '', -- the span annotated; '' for the trace itself
    label          VARCHAR,             -- taxonomy label, e.g. hallucination
    rubric         VARCHAR NOT NULL DEFAULT '', -- rubric item the score belongs to; '' for none
    score          DOUBLE,              -- numeric score (1/0 for pass/fail)
    note           VARCHAR,             -- free-text note
    expected       VARCHAR,             -- the correct output, for eval sets
    author         VARCHAR NOT NULL DEFAULT '', -- who wrote it
    created_at     TIMESTAMPTZ DEFAULT current_timestamp, -- first saved
    updated_at     TIMESTAMPTZ DEFAULT current_timestamp, -- last changed
    labels         VARCHAR[],           -- every taxonomy label chosen; `label` holds the first (older readers)
    adjudicated    BOOLEAN DEFAULT false, -- the decision that settles reviewers' disagreement on this item
    origin         VARCHAR              -- where it was written: app, cli, or the file it was merged from
);

CREATE SEQUENCE IF NOT EXISTS replay_ids START 1;

CREATE TABLE IF NOT EXISTS replays (
    replay_id      BIGINT PRIMARY KEY DEFAULT nextval('replay_ids'), -- identifies the re-run
    trace_id       VARCHAR NOT NULL,    -- trace of the original span
    span_id        VARCHAR NOT NULL,    -- the llm span that was re-run
    endpoint       VARCHAR,             -- endpoint name from settings (never a key)
    model          VARCHAR,             -- model asked for
    params         JSON,                -- parameters sent
    request        JSON,                -- messages and tools sent
    output_text    VARCHAR,             -- text answered
    output         JSON,                -- full answer: messages and tool calls
    input_tokens   BIGINT,              -- usage reported by the endpoint
    output_tokens  BIGINT,              -- output tokens reported by the endpoint
    latency_ms     DOUBLE,              -- wall time of the request
    error          VARCHAR,             -- error shown to the user, when it failed
    created_at     TIMESTAMPTZ DEFAULT current_timestamp, -- when the request was sent
    protocol       VARCHAR,             -- openai or anthropic
    base_url       VARCHAR,             -- endpoint URL from settings (never from the trace)
    batch_id       VARCHAR,             -- runs started together (N repeats, one trajectory) share it
    run_kind       VARCHAR,             -- call, repeat or trajectory
    run_index      INTEGER,             -- position within the batch, from 1
    error_kind     VARCHAR,             -- auth, rate_limit, timeout, network, server, malformed, cancelled, setup
    finish_reason  VARCHAR,             -- why the model stopped, as the endpoint said
    response_model VARCHAR,             -- model that answered, as the endpoint said
    same_as_recorded BOOLEAN,           -- answer equals the recorded one (whitespace-insensitive); NULL when it failed
    check_text     VARCHAR,             -- the user's check, e.g. 'contains:refund'; NULL for none
    check_passed   BOOLEAN              -- the check held on this answer; NULL without a check or answer
);

-- Price overrides: the user's prices, on top of the bundled genai-prices data. The newest
-- override whose pattern, provider and validity match a call prices it.
CREATE SEQUENCE IF NOT EXISTS price_override_ids START 1;

CREATE TABLE IF NOT EXISTS prices (
    model_pattern    VARCHAR NOT NULL,  -- glob over model names, e.g. gpt-4o*
    provider         VARCHAR,           -- provider it applies to; NULL for any
    input_per_mtok   DOUBLE,            -- USD per million input tokens
    output_per_mtok  DOUBLE,            -- USD per million output tokens
    cache_read_per_mtok  DOUBLE,        -- USD per million cached input tokens
    cache_write_per_mtok DOUBLE,        -- USD per million cache-write tokens
    valid_from       TIMESTAMPTZ,       -- first instant the price applies
    valid_to         TIMESTAMPTZ,       -- first instant it no longer applies
    override_id      BIGINT DEFAULT nextval('price_override_ids'), -- identifies the override; a higher id wins over a lower
    added_at         TIMESTAMPTZ DEFAULT current_timestamp         -- when it was added
);

-- One-row-per-thing views over the nested span columns, for the SQL console and exports.
CREATE OR REPLACE VIEW messages AS
    SELECT trace_id, span_id, direction, position, m.role, m.content, m.name, m.tool_call_id
    FROM (
        SELECT trace_id, span_id, 'input' AS direction,
               unnest(range(len(input_messages))) AS position, unnest(input_messages) AS m
        FROM spans
        UNION ALL
        SELECT trace_id, span_id, 'output', unnest(range(len(output_messages))), unnest(output_messages)
        FROM spans
    );

CREATE OR REPLACE VIEW tool_calls AS
    SELECT trace_id, span_id, position, c.call_id, c.name, c.arguments, c.result
    FROM (SELECT trace_id, span_id, unnest(range(len(tool_calls))) AS position,
                 unnest(tool_calls) AS c FROM spans);

CREATE OR REPLACE VIEW documents AS
    SELECT trace_id, span_id, position, d.document_id, d.content, d.score, d.metadata, d.stage
    FROM (SELECT trace_id, span_id, unnest(range(len(documents))) AS position,
                 unnest(documents) AS d FROM spans);
