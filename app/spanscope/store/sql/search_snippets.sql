-- The searchable fields of the spans of a list page that hold the searched text, joined by the
-- record separator chr(30) so a snippet never runs from one field into the next, for its
-- snippets: by span key for the span list, the first matching span of each trace for
-- the trace list. Parameters: the page's trace ids, its span keys ('' for a trace page), and
-- the text's test: a regular expression ($regex, search.words_pattern, kept inside one field) or
-- an escaped '%text%'. Reads the spans of one page's traces only.
SELECT trace_id, span_id, body
FROM (
    SELECT trace_id, span_id, start_ns,
           array_to_string(search_fields(name, input_messages, output_messages, tool_calls,
                                         documents), chr(30)) AS body
    FROM spans
    WHERE trace_id IN (SELECT unnest($traces))
      AND ($keys = [] OR (trace_id || '/' || span_id) IN (SELECT unnest($keys)))
)
WHERE CASE WHEN $regex THEN regexp_matches(body, $pattern)
          ELSE body ILIKE $pattern ESCAPE '\' END
QUALIFY row_number() OVER (PARTITION BY CASE WHEN $keys = [] THEN trace_id ELSE trace_id || '/' || span_id END
                           ORDER BY start_ns NULLS LAST, span_id) = 1
