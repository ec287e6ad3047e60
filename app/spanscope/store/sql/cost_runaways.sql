-- Runaway candidates: traces (among those the filter keeps, {where} compiled over traces with
-- ? parameters) whose cost, model-call count or repeats of one identical tool call stand far
-- above their peers: the traces with the same root name and service. A figure stands out when
-- it is at least {factor} times the peers' median and beyond median + {spread} robust standard
-- deviations (1.4826 x MAD); peers count only in groups of at least {min_peers} traces. A tool
-- called {min_repeats} times or more with the same arguments is a loop when its repeats also
-- reach {factor} times what peers repeat. Why each trace is listed is worded by the caller.
WITH repeats AS (
    SELECT trace_id, tool, args, count(*) AS n
    FROM (SELECT trace_id, coalesce(tool_name, name) AS tool, tool_calls[1].arguments AS args
          FROM spans WHERE kind = 'tool')
    GROUP BY ALL
),
loops AS (
    SELECT trace_id, arg_max(tool, n) AS loop_tool, arg_max(args, n) AS loop_args, max(n) AS repeats
    FROM repeats GROUP BY trace_id
),
figures AS (
    SELECT t.trace_id, t.root_name, t.service, t.start_ns, t.cost, t.llm_count,
           coalesce(l.repeats, 0) AS repeats, l.loop_tool, l.loop_args
    FROM traces t LEFT JOIN loops l USING (trace_id)
),
peers AS (
    SELECT root_name, service, count(*) AS peers,
           median(cost) AS cost_median, mad(cost) AS cost_mad,
           median(llm_count) AS llm_median, mad(llm_count) AS llm_mad,
           median(repeats) AS repeats_median
    FROM figures GROUP BY root_name, service
),
judged AS (
    SELECT f.*, p.peers, p.cost_median, p.llm_median, p.repeats_median,
        p.peers >= {min_peers} AND f.cost >= {factor} * p.cost_median
            AND f.cost > p.cost_median + {spread} * 1.4826 * coalesce(p.cost_mad, 0) AS cost_high,
        p.peers >= {min_peers} AND f.llm_count >= {factor} * p.llm_median
            AND f.llm_count > p.llm_median + {spread} * 1.4826 * coalesce(p.llm_mad, 0) AS calls_high,
        f.repeats >= {min_repeats} AND f.repeats >= {factor} * greatest(p.repeats_median, 1) AS looping
    FROM figures f
    JOIN peers p ON f.root_name IS NOT DISTINCT FROM p.root_name AND f.service IS NOT DISTINCT FROM p.service
    WHERE f.trace_id IN (SELECT trace_id FROM traces WHERE ({where}))
)
SELECT trace_id, root_name, service, start_ns, cost, llm_count, repeats, loop_tool, loop_args,
       peers, cost_median, llm_median, repeats_median, cost_high, calls_high, looping
FROM judged
WHERE coalesce(cost_high, FALSE) OR coalesce(calls_high, FALSE) OR looping
ORDER BY cost DESC NULLS LAST, trace_id
LIMIT ?;
