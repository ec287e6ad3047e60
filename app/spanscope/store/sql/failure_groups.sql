-- Failure groups of a filter: one row per cohort and group of failures.sql (as `f` with a
-- `cohort` column, put in by the caller: one cohort for the Failures screen, two when a
-- comparison reads both sides from one computation), with its spread (traces, users,
-- sessions), when it was first and last seen, an example (the first occurrence), the models
-- and services involved, the cost of the traces it touched, and its occurrences in 24 equal
-- time buckets over the cohort's whole result (for the sparkline).
WITH f AS MATERIALIZED ({failures}),
bounds AS (
    SELECT cohort, min(start_ns) AS lo, greatest(max(start_ns) - min(start_ns), 1) AS span_ns
    FROM f GROUP BY cohort
),
touched AS (
    SELECT g.cohort, g.group_id, sum(t.cost) AS cost
    FROM (SELECT DISTINCT cohort, group_id, trace_id FROM f) g JOIN traces t USING (trace_id)
    GROUP BY g.cohort, g.group_id
),
buckets AS (
    SELECT cohort, group_id, list(n ORDER BY bucket) AS counts, list(bucket ORDER BY bucket) AS positions
    FROM (
        SELECT f.cohort, group_id,
               least(23, floor((coalesce(start_ns, lo) - lo) * 24.0 / span_ns))::INTEGER AS bucket,
               count(*) AS n
        FROM f JOIN bounds USING (cohort) GROUP BY ALL
    ) GROUP BY cohort, group_id
)
SELECT f.cohort, f.group_id,
       any_value(group_kind) AS kind,
       any_value(signature) AS signature,
       count(*) AS count,
       count(DISTINCT trace_id) AS traces,
       count(DISTINCT user_id) AS users,
       count(DISTINCT session_id) AS sessions,
       min(start_ns) AS first_seen_ns,
       max(start_ns) AS last_seen_ns,
       arg_min(span_id, coalesce(start_ns, 0)) AS example_span_id,
       arg_min(trace_id, coalesce(start_ns, 0)) AS example_trace_id,
       list_sort(list_distinct(list(model) FILTER (model IS NOT NULL))) AS models,
       list_sort(list_distinct(list(service) FILTER (service IS NOT NULL))) AS services,
       any_value(touched.cost) AS cost,
       any_value(buckets.counts) AS bucket_counts,
       any_value(buckets.positions) AS bucket_positions
FROM f
LEFT JOIN touched ON touched.cohort = f.cohort AND touched.group_id = f.group_id
LEFT JOIN buckets ON buckets.cohort = f.cohort AND buckets.group_id = f.group_id
GROUP BY f.cohort, f.group_id
