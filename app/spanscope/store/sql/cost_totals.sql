-- Totals of the costs screen over the model calls the filter keeps ({where}, compiled filter
-- with ? parameters).
SELECT
    count(*) AS calls,                                          -- model calls
    count(DISTINCT trace_id) AS traces,                         -- traces holding them
    sum(coalesce(recorded_cost, computed_cost)) AS cost_usd,    -- recorded, else computed
    count(*) FILTER (cost_flag = 'unpriced') AS unpriced_calls, -- calls that could not be priced
    count(*) FILTER (cost_flag = 'mismatch') AS mismatched_calls, -- recorded and computed disagree by > 5%
    count(*) FILTER (price_source = 'override') AS override_calls, -- priced by a user override
    coalesce(sum(input_tokens), 0)::BIGINT AS input_tokens,             -- input, including cached
    coalesce(sum(output_tokens), 0)::BIGINT AS output_tokens,           -- output, including reasoning
    coalesce(sum(cache_read_tokens), 0)::BIGINT AS cache_read_tokens,   -- input served from cache
    coalesce(sum(reasoning_tokens), 0)::BIGINT AS reasoning_tokens,     -- output spent reasoning
    sum(cache_saving) AS cache_saving_usd,                      -- what the cache saved
    min(start_ns) AS first_ns,                                  -- earliest call
    max(start_ns) AS last_ns                                    -- latest call
FROM spans
WHERE kind IN ('llm', 'embedding') AND ({where});
