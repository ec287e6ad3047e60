-- The searchable text (search_body) of the spans of a list page that hold the searched text,
-- for its snippets: by span key for the span list, the first matching span of each trace for
-- the trace list. Parameters: the page's trace ids, its span keys ('' for a trace page), and
-- the escaped '%text%'. Reads the spans of one page's traces only.
SELECT trace_id, span_id, body
FROM (
    SELECT trace_id, span_id, start_ns,
           search_body(name, input_messages, output_messages, tool_calls, documents) AS body
    FROM spans
    WHERE trace_id IN (SELECT unnest($traces))
      AND ($keys = [] OR (trace_id || '/' || span_id) IN (SELECT unnest($keys)))
)
WHERE body ILIKE $like ESCAPE '\'
QUALIFY row_number() OVER (PARTITION BY CASE WHEN $keys = [] THEN trace_id ELSE trace_id || '/' || span_id END
                           ORDER BY start_ns NULLS LAST, span_id) = 1
