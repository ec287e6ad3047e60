-- Schema 5: replays. Brings a schema-4 file up to 5: where each re-run went (protocol, URL),
-- how runs group (batch, kind, position), why one failed, and how its answer compares with
-- the recording. Idempotent: a file that already has some of this keeps what it has; re-runs
-- stored by earlier versions keep every field and get NULL in the new ones.

ALTER TABLE replays ADD COLUMN IF NOT EXISTS protocol VARCHAR;
ALTER TABLE replays ADD COLUMN IF NOT EXISTS base_url VARCHAR;
ALTER TABLE replays ADD COLUMN IF NOT EXISTS batch_id VARCHAR;
ALTER TABLE replays ADD COLUMN IF NOT EXISTS run_kind VARCHAR;
ALTER TABLE replays ADD COLUMN IF NOT EXISTS run_index INTEGER;
ALTER TABLE replays ADD COLUMN IF NOT EXISTS error_kind VARCHAR;
ALTER TABLE replays ADD COLUMN IF NOT EXISTS finish_reason VARCHAR;
ALTER TABLE replays ADD COLUMN IF NOT EXISTS response_model VARCHAR;
ALTER TABLE replays ADD COLUMN IF NOT EXISTS same_as_recorded BOOLEAN;
ALTER TABLE replays ADD COLUMN IF NOT EXISTS check_text VARCHAR;
ALTER TABLE replays ADD COLUMN IF NOT EXISTS check_passed BOOLEAN;

-- Re-runs stored before runs were grouped were single calls.
UPDATE replays SET run_kind = 'call' WHERE run_kind IS NULL;
