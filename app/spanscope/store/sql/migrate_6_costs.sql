-- Schema 6: costs. Brings a schema-5 file up to 6: per-call cost flags, price overrides with
-- an identity, and a note that the calls already stored await pricing (done by the app or
-- the next import, which can reach the price data; SQL alone cannot).
ALTER TABLE spans ADD COLUMN IF NOT EXISTS cost_flag VARCHAR;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS price_source VARCHAR;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS cache_saving DOUBLE;

CREATE SEQUENCE IF NOT EXISTS price_override_ids START 1;

ALTER TABLE prices ADD COLUMN IF NOT EXISTS override_id BIGINT DEFAULT nextval('price_override_ids');
ALTER TABLE prices ADD COLUMN IF NOT EXISTS added_at TIMESTAMPTZ DEFAULT current_timestamp;

INSERT OR REPLACE INTO meta VALUES ('costs_pending', 'all');
