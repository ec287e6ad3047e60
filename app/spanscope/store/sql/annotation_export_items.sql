-- The spans behind annotated items, for an eval-set export. Parameters: the items' trace ids
-- and span ids as two lists of equal length ('' span id = the whole trace). A trace item is
-- represented by the model call that gave the final answer: the last llm span that ended with
-- text in its output (a wrapper span with no messages is passed over), else the last llm span,
-- else the root span.
-- Every row also carries the trace's root span, whose input is the user's question and whose
-- output is the answer the user saw.
WITH items AS (
    SELECT unnest(?) AS trace_id, unnest(?) AS item_span_id
),
chosen AS (
    SELECT i.trace_id, i.item_span_id,
           CASE WHEN i.item_span_id <> '' THEN i.item_span_id ELSE coalesce((
               SELECT arg_max(s.span_id, coalesce(s.end_ns, s.start_ns, 0))
               FROM spans s WHERE s.trace_id = i.trace_id AND s.kind = 'llm'
                 AND len(list_filter(s.output_messages, lambda m: coalesce(m.content, '') <> '')) > 0
           ), (
               SELECT arg_max(s.span_id, coalesce(s.end_ns, s.start_ns, 0))
               FROM spans s WHERE s.trace_id = i.trace_id AND s.kind = 'llm'),
           (SELECT t.root_span_id FROM traces t WHERE t.trace_id = i.trace_id)) END AS span_id
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
    s.attributes,                   -- raw attributes: tool definitions and plain input/output
    src.path AS source_path,        -- the file it was imported from
    src.format AS source_format,    -- that file's format
    t.root_span_id,                 -- the trace's root span
    r.input_messages AS root_input_messages,   -- the root's messages: the user's question
    r.output_messages AS root_output_messages, -- and the answer the user saw
    r.attributes AS root_attributes -- the root's raw attributes (input.value, output.value, ...)
FROM chosen c
LEFT JOIN spans s ON s.trace_id = c.trace_id AND s.span_id = c.span_id
LEFT JOIN sources src ON src.source_id = s.source_id
LEFT JOIN traces t ON t.trace_id = c.trace_id
LEFT JOIN spans r ON r.trace_id = t.trace_id AND r.span_id = t.root_span_id;

-- Retrieval steps of the items' traces, for the contexts of a RAG set: what a retriever
-- returned or a reranker kept (the chunks a reranker was handed are not what the model saw).
-- Parameter: trace ids.
SELECT trace_id, span_id, start_ns, kind,
       list_filter(documents, lambda d: coalesce(d.stage, '') <> 'reranker_input') AS documents,
       attributes                   -- the query asked (input.value, gen_ai.retrieval.query.text, reranker.query)
FROM spans
WHERE trace_id IN (SELECT unnest(?)) AND kind IN ('retriever', 'reranker')
  AND len(list_filter(documents, lambda d: coalesce(d.stage, '') <> 'reranker_input')) > 0
ORDER BY trace_id, start_ns NULLS FIRST, span_id;
