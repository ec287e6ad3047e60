-- Facet counts: how many rows of a list carry each value of one column, under the current
-- filter, most frequent first. Placeholders filled by spanscope.store.facets, never with
-- user text: {value} is a facet's column expression from FACETS, {source} the table it
-- counts (spans or traces), {where} the compiled filter (its values bound as ? parameters).
-- The last parameter is the limit, k + 1, so the sidebar can say "k of more".
SELECT
    value,                      -- the facet value, e.g. a model name
    count(*) AS n               -- rows (spans or traces) of the filtered list carrying it
FROM (SELECT {value} AS value FROM {source} WHERE ({where}))
WHERE value IS NOT NULL
GROUP BY value
ORDER BY n DESC, value
LIMIT ?;
