-- After pricing: each trace's cost is again the sum over its spans of the recorded cost, else
-- the computed one (as derive_traces.sql makes it at import); NULL when nothing is priced.
-- Only the traces of the files $source_ids, or every trace when it is NULL (after re-pricing all).
UPDATE traces SET cost = c.cost
FROM (SELECT trace_id, sum(coalesce(recorded_cost, computed_cost)) AS cost
      FROM spans
      WHERE $source_ids IS NULL
         OR trace_id IN (SELECT trace_id FROM spans WHERE list_contains($source_ids, source_id))
      GROUP BY trace_id) c
WHERE traces.trace_id = c.trace_id AND traces.cost IS DISTINCT FROM c.cost;
