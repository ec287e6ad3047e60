-- After pricing one imported file ($source_id): the cost of each trace it touched is again the
-- sum over its spans of the recorded cost, else the computed one (as derive_traces.sql makes
-- it); NULL when nothing is priced.
UPDATE traces SET cost = c.cost
FROM (SELECT trace_id, sum(coalesce(recorded_cost, computed_cost)) AS cost
      FROM spans
      WHERE trace_id IN (SELECT trace_id FROM spans WHERE source_id = $source_id)
      GROUP BY trace_id) c
WHERE traces.trace_id = c.trace_id AND traces.cost IS DISTINCT FROM c.cost;
