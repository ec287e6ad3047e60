-- Schema 4: annotations. Brings a schema-3 file up to 4: several labels per annotation,
-- adjudicated decisions and where an annotation came from; review_schema.sql then adds the
-- label taxonomy, rubric items and review queues. Idempotent: a file that already has some of this keeps what it has.
-- Annotations written by version 2 or 3 keep every field; their single label becomes the
-- first of `labels`.

ALTER TABLE annotations ADD COLUMN IF NOT EXISTS labels VARCHAR[];
ALTER TABLE annotations ADD COLUMN IF NOT EXISTS adjudicated BOOLEAN DEFAULT false;
ALTER TABLE annotations ADD COLUMN IF NOT EXISTS origin VARCHAR;

UPDATE annotations SET labels = [label] WHERE labels IS NULL AND label IS NOT NULL;
UPDATE annotations SET adjudicated = false WHERE adjudicated IS NULL;
