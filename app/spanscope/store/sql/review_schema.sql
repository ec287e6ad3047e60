-- Review: labels as rows, the label taxonomy, rubric items and review queues. Created with a
-- new database and by the upgrade to schema 4 (after migrate_4_annotations.sql gives older
-- annotations their new columns); every statement leaves what already exists as it is.

-- Labels as rows: one per (annotation, label): `labels`, else `label` (evaluation imports
-- fill `label` only). Filters, facets and badges read this.
CREATE OR REPLACE VIEW annotation_labels AS
    SELECT annotation_id, trace_id, span_id, author, rubric, adjudicated, label
    FROM (SELECT annotation_id, trace_id, span_id, author, rubric, adjudicated,
                 unnest(CASE WHEN len(labels) > 0 THEN labels
                             WHEN label IS NOT NULL THEN [label] ELSE [] END) AS label
          FROM annotations);

CREATE TABLE IF NOT EXISTS label_taxonomy (
    name         VARCHAR PRIMARY KEY,  -- the label, e.g. hallucination
    colour       VARCHAR NOT NULL,     -- badge colour, #rrggbb
    shortcut     INTEGER,              -- number key that toggles it in the review queue (0-9), NULL for none
    description  VARCHAR,              -- what it means, shown as a tip
    position     INTEGER NOT NULL      -- order in the label panel
);

INSERT OR IGNORE INTO label_taxonomy VALUES
    ('hallucination', '#d62728', 1, 'states something the sources or tools do not support', 1),
    ('wrong tool', '#ff7f0e', 2, 'called a tool that does not fit the request', 2),
    ('bad tool arguments', '#e377c2', 3, 'right tool, wrong or malformed arguments', 3),
    ('retrieval miss', '#9467bd', 4, 'the needed document was not retrieved', 4),
    ('irrelevant chunk', '#8c564b', 5, 'retrieved chunks that do not bear on the question', 5),
    ('prompt injection', '#b10026', 6, 'content in the input steered the model', 6),
    ('refusal', '#7f7f7f', 7, 'declined a request it should have answered', 7),
    ('formatting', '#17becf', 8, 'answer in the wrong shape or format', 8),
    ('latency', '#bcbd22', 9, 'too slow for the user', 9),
    ('cost', '#2ca02c', 0, 'too expensive for what it did', 10);

CREATE TABLE IF NOT EXISTS rubric_items (
    name         VARCHAR PRIMARY KEY,  -- rubric item a score belongs to, e.g. correct
    kind         VARCHAR NOT NULL,     -- pass_fail (score 1 or 0) or numeric
    min_score    DOUBLE,               -- lowest score of a numeric item
    max_score    DOUBLE,               -- highest score of a numeric item
    description  VARCHAR,              -- what is being judged
    position     INTEGER NOT NULL      -- order in the label panel
);

INSERT OR IGNORE INTO rubric_items VALUES
    ('correct', 'pass_fail', 0, 1, 'the answer is right', 1),
    ('helpful', 'numeric', 1, 5, 'how well it served the user, 1 to 5', 2);

CREATE SEQUENCE IF NOT EXISTS review_queue_ids START 1;

CREATE TABLE IF NOT EXISTS review_queues (
    queue_id    BIGINT PRIMARY KEY DEFAULT nextval('review_queue_ids'), -- identifies the queue
    name        VARCHAR NOT NULL,      -- shown in the queue list
    filter      VARCHAR NOT NULL,      -- filter text the items were chosen by
    level       VARCHAR NOT NULL,      -- traces or spans
    position    INTEGER NOT NULL DEFAULT 0, -- the item the reviewer is on (0-based): where the queue resumes
    created_at  TIMESTAMPTZ DEFAULT current_timestamp -- when it was made
);

CREATE TABLE IF NOT EXISTS review_items (
    queue_id     BIGINT NOT NULL,      -- the queue (review_queues.queue_id)
    position     INTEGER NOT NULL,     -- order in the queue, 0-based
    trace_id     VARCHAR NOT NULL,     -- the item's trace
    span_id      VARCHAR NOT NULL,     -- the item's span; '' for a whole trace
    state        VARCHAR NOT NULL DEFAULT 'pending', -- pending, done or skipped
    reviewed_at  TIMESTAMPTZ           -- when it was last labelled or skipped
);
