-- The call groups an import (or a re-pricing) has to price: each distinct provider, model and
-- UTC day of the llm and embedding calls in {scope}. Prices are looked up once per group.
SELECT
    provider,                                   -- provider as the trace wrote it
    coalesce(model, request_model) AS model,    -- model that answered, else the one asked for
    start_ns // 86400000000000 AS day           -- days since 1970-01-01 (UTC); NULL without a start
FROM spans
WHERE kind IN ('llm', 'embedding') AND coalesce(model, request_model) IS NOT NULL AND {scope}
GROUP BY ALL;
