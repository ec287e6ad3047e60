-- The spans of one trace as the diff aligns and compares them: what the trees show, and one
-- fingerprint per compared part so two 10,000-span traces are compared without reading their
-- texts into Python. Call ids are left out of the fingerprints: two runs never share them.
-- Empty lists and NULL fingerprint the same (NULL). Parameter: the trace id.
SELECT
    span_id,                                  -- the span
    parent_span_id,                           -- its parent, NULL for a root
    name,                                     -- span name
    kind,                                     -- llm, tool, retriever, agent, ...
    start_ns,                                 -- start, ns since the epoch
    end_ns,                                   -- end, ns since the epoch
    duration_ns,                              -- end - start
    status,                                   -- ok, error or unset
    status_message,                           -- error message
    model,                                    -- model that answered, else the one asked for
    request_model,                            -- model asked for
    tool_name,                                -- the tool a tool span ran
    input_tokens,                             -- usage
    output_tokens,
    cache_read_tokens,
    reasoning_tokens,
    coalesce(recorded_cost, computed_cost) AS cost,  -- USD, recorded else computed
    CASE WHEN len(input_messages) > 0 THEN hash(list_transform(input_messages, lambda m:
        struct_pack(r := m.role, c := m.content, n := m.name, p := m.parts,
                    t := list_transform(m.tool_calls, lambda c: struct_pack(n := c.name, a := c.arguments)))))
    END AS input_messages_hash,               -- messages sent to the model
    CASE WHEN len(output_messages) > 0 THEN hash(list_transform(output_messages, lambda m:
        struct_pack(r := m.role, c := m.content, n := m.name, p := m.parts,
                    t := list_transform(m.tool_calls, lambda c: struct_pack(n := c.name, a := c.arguments)))))
    END AS output_messages_hash,              -- messages the model produced
    CASE WHEN len(tool_calls) > 0 THEN hash(list_transform(tool_calls, lambda c:
        struct_pack(n := c.name, a := c.arguments)))
    END AS tool_args_hash,                    -- tool names and arguments
    CASE WHEN len(list_filter(tool_calls, lambda c: c.result IS NOT NULL)) > 0
        THEN hash(list_transform(tool_calls, lambda c: c.result))
    END AS tool_results_hash,                 -- tool results
    CASE WHEN len(documents) > 0 THEN hash(list_transform(documents, lambda d:
        struct_pack(i := d.document_id, c := d.content)))
    END AS documents_hash,                    -- retrieved chunks: which, in which order
    CASE WHEN params IS NOT NULL OR request_model IS NOT NULL
        THEN hash(params::VARCHAR, request_model)
    END AS params_hash                        -- request parameters and the model asked for
FROM spans
WHERE trace_id = ?
ORDER BY start_ns NULLS LAST, span_id
