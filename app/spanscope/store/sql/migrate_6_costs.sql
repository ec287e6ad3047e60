-- Schema 6: costs. Brings a schema-5 file up to 6: per-call cost flags, price overrides with
-- an identity, and a note that the calls already stored await pricing (done by the app or
-- the next import, which can reach the price data; SQL alone cannot).
ALTER TABLE spans ADD COLUMN IF NOT EXISTS cost_flag VARCHAR;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS price_source VARCHAR;
ALTER TABLE spans ADD COLUMN IF NOT EXISTS cache_saving DOUBLE;

CREATE SEQUENCE IF NOT EXISTS price_override_ids START 1;

CREATE TABLE IF NOT EXISTS prices (
    model_pattern    VARCHAR NOT NULL,
    provider         VARCHAR,
    input_per_mtok   DOUBLE,
    output_per_mtok  DOUBLE,
    cache_read_per_mtok  DOUBLE,
    cache_write_per_mtok DOUBLE,
    valid_from       TIMESTAMPTZ,
    valid_to         TIMESTAMPTZ
);

ALTER TABLE prices ADD COLUMN IF NOT EXISTS override_id BIGINT DEFAULT nextval('price_override_ids');
ALTER TABLE prices ADD COLUMN IF NOT EXISTS added_at TIMESTAMPTZ DEFAULT current_timestamp;

INSERT OR REPLACE INTO meta VALUES ('costs_pending', 'all');
