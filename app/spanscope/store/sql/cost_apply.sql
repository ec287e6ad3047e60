-- Prices the llm and embedding calls in {scope} with the rates of the temporary table
-- `price_rates` (one row per provider, model, time segment and input-size band, made by the
-- pricing code from the bundled prices and the overrides). Token counts are canonical: input
-- includes cache reads and writes, output includes reasoning. A missing special price falls
-- back to its parent (cache prices to input, reasoning to output).
UPDATE spans SET
    computed_cost = p.computed_cost,
    price_source = p.price_source,
    cost_flag = p.cost_flag,
    cache_saving = p.cache_saving,
    context_window = p.context_window
FROM (
    SELECT
        rid,
        computed_cost,                          -- USD from prices; NULL without a price or usage
        price_source,                           -- 'bundled' or 'override'
        -- 'unpriced': no cost at all (a failed call without usage was most likely not billed);
        -- 'mismatch': recorded and computed differ by more than 5% (and more than a micro-dollar)
        -- (a call whose usage is counted on the calls inside it is not unpriced: same_calls.sql)
        CASE WHEN recorded_cost IS NULL AND computed_cost IS NULL
                  AND NOT (status = 'error' AND input_tokens IS NULL AND output_tokens IS NULL)
                  AND NOT counted_inside
             THEN 'unpriced'
             WHEN recorded_cost IS NOT NULL AND computed_cost IS NOT NULL
                  AND abs(recorded_cost - computed_cost)
                      > greatest(1e-6, 0.05 * greatest(abs(recorded_cost), abs(computed_cost)))
             THEN 'mismatch' END AS cost_flag,
        cache_saving,                           -- USD the cache saved on this call
        context_window                          -- the model's context window, when the data knows it
    FROM (
        SELECT
            s.rowid AS rid, s.recorded_cost, s.status, s.input_tokens, s.output_tokens,
            CASE WHEN s.input_tokens IS NULL AND s.output_tokens IS NULL
                 THEN coalesce(json_exists(s.attributes, '$."spanscope.counted_in"'), FALSE)
                 ELSE FALSE END AS counted_inside,
            CASE WHEN r.model IS NOT NULL AND (s.input_tokens IS NOT NULL OR s.output_tokens IS NOT NULL) THEN
                (greatest(coalesce(s.input_tokens, 0) - coalesce(s.cache_read_tokens, 0) - coalesce(s.cache_write_tokens, 0), 0) * coalesce(r.input_mtok, 0)
                 + coalesce(s.cache_read_tokens, 0) * coalesce(r.cache_read_mtok, r.input_mtok, 0)
                 + coalesce(s.cache_write_tokens, 0) * coalesce(r.cache_write_mtok, r.input_mtok, 0)
                 + greatest(coalesce(s.output_tokens, 0) - coalesce(s.reasoning_tokens, 0), 0) * coalesce(r.output_mtok, 0)
                 + coalesce(s.reasoning_tokens, 0) * coalesce(r.reasoning_mtok, r.output_mtok, 0)) / 1e6
                + coalesce(r.request_fee, 0)
            END AS computed_cost,
            CASE WHEN r.model IS NOT NULL THEN r.origin END AS price_source,
            CASE WHEN r.model IS NOT NULL AND (coalesce(s.cache_read_tokens, 0) > 0 OR coalesce(s.cache_write_tokens, 0) > 0) THEN
                (coalesce(s.cache_read_tokens, 0) * (coalesce(r.input_mtok, 0) - coalesce(r.cache_read_mtok, r.input_mtok, 0))
                 - coalesce(s.cache_write_tokens, 0) * (coalesce(r.cache_write_mtok, r.input_mtok, 0) - coalesce(r.input_mtok, 0))) / 1e6
            END AS cache_saving,
            r.context_window
        FROM spans s
        LEFT JOIN price_rates r
          ON coalesce(s.model, s.request_model) = r.model AND s.provider IS NOT DISTINCT FROM r.provider
         AND coalesce(s.start_ns, -1) >= r.from_ns AND coalesce(s.start_ns, -1) < r.to_ns
         AND coalesce(s.input_tokens, 0) > r.input_above AND coalesce(s.input_tokens, 0) <= r.input_upto
        WHERE s.kind IN ('llm', 'embedding') AND {scope}
    )
) p
WHERE spans.rowid = p.rid;
