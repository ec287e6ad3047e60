-- Cost breakdown: the model calls (llm and embedding spans) the filter keeps, grouped by the
-- chosen dimensions. Placeholders filled by spanscope.store.cost_reports from fixed
-- expressions, never with user text: {keys} the dimension expressions over the calls (s) and
-- their traces (t), {names} the dimension names, {join} the condition matching a group of
-- one rollup to the same group of the other, {labels} the dimensions as shown, {where} the
-- compiled filter (its values bound as ? parameters).
WITH calls AS (
    SELECT {keys}, s.trace_id, s.input_tokens, s.output_tokens, s.cache_read_tokens,
           s.reasoning_tokens, s.cost_flag, coalesce(s.recorded_cost, s.computed_cost) AS cost
    FROM (SELECT * FROM spans WHERE kind IN ('llm', 'embedding') AND ({where})) s
    LEFT JOIN traces t ON t.trace_id = s.trace_id
),
per_call AS (
    SELECT {names},
        count(*) AS calls,                                      -- model calls
        count(DISTINCT trace_id) AS traces,                     -- traces they belong to
        coalesce(sum(input_tokens), 0)::BIGINT AS input_tokens,         -- input, including cached input
        coalesce(sum(output_tokens), 0)::BIGINT AS output_tokens,       -- output, including reasoning
        coalesce(sum(cache_read_tokens), 0)::BIGINT AS cache_read_tokens, -- input served from cache
        coalesce(sum(reasoning_tokens), 0)::BIGINT AS reasoning_tokens, -- output spent reasoning
        sum(cost) AS cost_usd,                                  -- recorded, else computed; NULL when nothing priced
        count(*) FILTER (cost_flag = 'unpriced') AS unpriced_calls, -- calls that could not be priced
        count(*) FILTER (cost_flag = 'mismatch') AS mismatched_calls, -- recorded and computed disagree
        avg(cost) AS avg_call_usd,                              -- mean over priced calls
        quantile_cont(cost, 0.95) AS p95_call_usd               -- 95th percentile over priced calls
    FROM calls GROUP BY {names}
),
per_trace AS (
    SELECT {names},
        avg(trace_cost) AS avg_trace_usd,                       -- mean of the group's cost in each trace
        quantile_cont(trace_cost, 0.95) AS p95_trace_usd        -- its 95th percentile
    FROM (SELECT {names}, trace_id, sum(cost) AS trace_cost FROM calls GROUP BY ALL)
    GROUP BY {names}
)
SELECT {labels}, c.* EXCLUDE ({names}),
    c.cost_usd / nullif(sum(c.cost_usd) OVER (), 0) AS share, -- of the cost of all groups
    t.avg_trace_usd, t.p95_trace_usd
FROM per_call c LEFT JOIN per_trace t ON {join}
ORDER BY c.cost_usd DESC NULLS LAST, {names};
