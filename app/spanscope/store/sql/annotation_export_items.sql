-- The spans behind annotated items, for an eval-set export. Parameters: the items' trace ids
-- and span ids as two lists of equal length ('' span id = the whole trace). A trace item is
-- represented by its last model call (the llm span that ended last), which holds the whole
-- conversation up to the final answer.
WITH items AS (
    SELECT unnest(?) AS trace_id, unnest(?) AS item_span_id
),
chosen AS (
    SELECT i.trace_id, i.item_span_id,
           CASE WHEN i.item_span_id <> '' THEN i.item_span_id ELSE (
               SELECT arg_max(s.span_id, coalesce(s.end_ns, s.start_ns, 0))
               FROM spans s WHERE s.trace_id = i.trace_id AND s.kind = 'llm') END AS span_id
    FROM items i
)
SELECT
    c.trace_id,                     -- the item's trace
    c.item_span_id,                 -- the annotated span; '' for the trace
    s.span_id,                      -- the span whose messages are exported
    s.kind,                         -- its kind
    s.name,                         -- its name
    s.start_ns,                     -- when it started (retrievals before it are its contexts)
    s.input_messages,               -- messages sent to the model
    s.output_messages,              -- what it answered
    s.tool_calls,                   -- tool calls it asked for (or ran, on a tool span)
    s.documents,                    -- chunks on the span itself
    s.params,                       -- request parameters (JSON)
    s.model,                        -- model that answered
    s.provider,                     -- provider
    s.attributes,                   -- raw attributes: tool definitions are read from them
    src.path AS source_path,        -- the file it was imported from
    src.format AS source_format     -- that file's format
FROM chosen c
LEFT JOIN spans s ON s.trace_id = c.trace_id AND s.span_id = c.span_id
LEFT JOIN sources src ON src.source_id = s.source_id;

-- Retrieval steps of the items' traces, for the contexts of a RAG set. Parameter: trace ids.
SELECT trace_id, span_id, start_ns, kind, documents
FROM spans
WHERE trace_id IN (SELECT unnest(?)) AND kind IN ('retriever', 'reranker') AND len(documents) > 0
ORDER BY trace_id, start_ns NULLS FIRST, span_id;
