-- Runaway candidates: traces (among those the filter keeps, {where} compiled over traces with
-- ? parameters) whose cost, model-call count or repeats of one identical tool call stand far
-- above their peers: the traces with the same root name and service, or, when fewer than
-- {min_peers} traces share them, every trace in the database (compared_with says which: a
-- one-off runaway has no peers, and must still be listed). A figure stands out when
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
everyone AS (
    SELECT count(*) AS peers,
           median(cost) AS cost_median, mad(cost) AS cost_mad,
           median(llm_count) AS llm_median, mad(llm_count) AS llm_mad,
           median(repeats) AS repeats_median
    FROM figures
),
basis AS (  -- each trace with the group it is measured against
    SELECT f.*, CASE WHEN p.own THEN 'peers' ELSE 'all' END AS compared_with,
        CASE WHEN p.own THEN p.peers ELSE e.peers END AS peers,
        CASE WHEN p.own THEN p.cost_median ELSE e.cost_median END AS cost_median,
        CASE WHEN p.own THEN p.cost_mad ELSE e.cost_mad END AS cost_mad,
        CASE WHEN p.own THEN p.llm_median ELSE e.llm_median END AS llm_median,
        CASE WHEN p.own THEN p.llm_mad ELSE e.llm_mad END AS llm_mad,
        CASE WHEN p.own THEN p.repeats_median ELSE e.repeats_median END AS repeats_median
    FROM figures f
    JOIN (SELECT *, peers >= {min_peers} AS own FROM peers) p
        ON f.root_name IS NOT DISTINCT FROM p.root_name AND f.service IS NOT DISTINCT FROM p.service
    CROSS JOIN everyone e
    WHERE f.trace_id IN (SELECT trace_id FROM traces WHERE ({where}))
),
judged AS (
    SELECT b.*,
        b.peers >= {min_peers} AND b.cost >= {factor} * b.cost_median
            AND b.cost > b.cost_median + {spread} * 1.4826 * coalesce(b.cost_mad, 0) AS cost_high,
        b.peers >= {min_peers} AND b.llm_count >= {factor} * b.llm_median
            AND b.llm_count > b.llm_median + {spread} * 1.4826 * coalesce(b.llm_mad, 0) AS calls_high,
        b.repeats >= {min_repeats} AND b.repeats >= {factor} * greatest(b.repeats_median, 1) AS looping
    FROM basis b
)
SELECT trace_id, root_name, service, start_ns, cost, llm_count, repeats, loop_tool, loop_args,
       peers, compared_with, cost_median, llm_median, repeats_median, cost_high, calls_high, looping
FROM judged
WHERE coalesce(cost_high, FALSE) OR coalesce(calls_high, FALSE) OR looping
ORDER BY cost DESC NULLS LAST, trace_id
LIMIT ?;
