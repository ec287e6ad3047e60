-- Cache efficiency by model over the model calls the filter keeps ({where}, compiled filter
-- with ? parameters): how much input the provider's cache served, and what that saved.
SELECT
    model,                                                      -- model that answered
    count(*) AS calls,                                          -- model calls
    coalesce(sum(input_tokens), 0)::BIGINT AS input_tokens,             -- input, including cached
    coalesce(sum(cache_read_tokens), 0)::BIGINT AS cache_read_tokens,   -- input served from cache
    coalesce(sum(cache_write_tokens), 0)::BIGINT AS cache_write_tokens, -- input written to the cache
    coalesce(sum(cache_read_tokens), 0) / nullif(sum(input_tokens), 0) AS cached_share, -- share of input from cache
    sum(cache_saving) AS saved_usd,                             -- reads at input price less their price, less the write premium
    sum(coalesce(recorded_cost, computed_cost)) AS cost_usd     -- what the calls cost
FROM spans
WHERE kind IN ('llm', 'embedding') AND model IS NOT NULL AND ({where})
GROUP BY model
ORDER BY input_tokens DESC, model;
