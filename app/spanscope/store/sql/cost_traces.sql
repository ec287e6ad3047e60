-- After re-pricing: each trace's cost is again the sum over its spans of the recorded cost,
-- else the computed one (as derive_traces.sql makes it at import); NULL when nothing is priced.
UPDATE traces SET cost = c.cost
FROM (SELECT trace_id, sum(coalesce(recorded_cost, computed_cost)) AS cost
      FROM spans GROUP BY trace_id) c
WHERE traces.trace_id = c.trace_id AND traces.cost IS DISTINCT FROM c.cost;
