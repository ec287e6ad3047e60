-- Cases: an investigation saved in the database: the traces and spans collected, the
-- investigator's timeline of notes, and what was used (filters, saved views, diffs, replays).
-- Created with a new database and by the upgrade to schema 7; every statement leaves what
-- already exists as it is.

CREATE SEQUENCE IF NOT EXISTS case_ids START 1;

CREATE TABLE IF NOT EXISTS cases (
    case_id     BIGINT PRIMARY KEY DEFAULT nextval('case_ids'), -- identifies the case
    name        VARCHAR NOT NULL UNIQUE, -- what the investigator calls it, e.g. 'refund-policy-1402'
    summary     VARCHAR,              -- one paragraph: what happened, shown atop the report
    author      VARCHAR NOT NULL DEFAULT '', -- who opened the case
    created_at  TIMESTAMPTZ DEFAULT current_timestamp, -- when it was opened
    origin      VARCHAR               -- where it was made: app, cli, or the case file it was opened from
);

CREATE TABLE IF NOT EXISTS case_items (
    case_id     BIGINT NOT NULL,      -- the case (cases.case_id)
    trace_id    VARCHAR NOT NULL,     -- a trace collected
    span_id     VARCHAR NOT NULL DEFAULT '', -- the span collected; '' for the whole trace
    added_from  VARCHAR,              -- where it was added: trace list, span tree, diff, failure group, filter, cli, case file
    added_at    TIMESTAMPTZ DEFAULT current_timestamp, -- when it was added
    PRIMARY KEY (case_id, trace_id, span_id)
);

CREATE SEQUENCE IF NOT EXISTS case_note_ids START 1;

CREATE TABLE IF NOT EXISTS case_notes (
    note_id     BIGINT PRIMARY KEY DEFAULT nextval('case_note_ids'), -- identifies the note
    case_id     BIGINT NOT NULL,      -- the case (cases.case_id)
    noted_at    TIMESTAMPTZ NOT NULL DEFAULT current_timestamp, -- when the finding was written: the timeline's order
    text        VARCHAR NOT NULL,     -- the finding, plain text
    span_ids    VARCHAR[],            -- spans the finding points at
    author      VARCHAR NOT NULL DEFAULT '' -- who wrote it
);

CREATE TABLE IF NOT EXISTS case_refs (
    case_id     BIGINT NOT NULL,      -- the case (cases.case_id)
    kind        VARCHAR NOT NULL,     -- filter, view (a saved view), diff or replay
    ref         VARCHAR NOT NULL,     -- the filter text, the view's name and filter, 'trace_a trace_b' for a diff, the replay id
    added_at    TIMESTAMPTZ DEFAULT current_timestamp, -- when it was used
    PRIMARY KEY (case_id, kind, ref)
);
