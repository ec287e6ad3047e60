-- Every failing span with the failure group it belongs to, like an error tracker groups
-- exceptions: the group is its kind plus a signature in which the parts that change from one
-- occurrence to the next (ids, numbers, hex, quoted values, timestamps) are masked, so
-- "order A-1234 not found" and "order B-77 not found" are one group.
-- Columns: trace_id, span_id, start_ns, span kind, model, service, user_id, session_id,
-- group_kind (error, tool_error, empty_retrieval: a retriever with no chunks and no output
-- either (a wrapper that records its results only as output is not empty), refusal,
-- truncation (the finish_reason column kept at import), over_context: a call whose input
-- tokens exceed its model's context window (the context_window column kept at pricing),
-- label: a failure label of the taxonomy on the span, or on the trace for its root span),
-- signature, group_id (10 hex characters of md5(group_kind:signature): stable across databases).
-- A span is in one group: an error first, then a refusal or truncation, then over context.
-- Each kind is its own branch with a plain filter, so the scan reads the other columns only
-- for the spans that match; nothing reads the attributes but for retrievers without chunks,
-- and each distinct message is masked once (a failure repeats a few messages thousands of times).
-- Used nested (no comments below this header may follow code on a line).
SELECT trace_id, span_id, start_ns, kind, model, service, user_id, session_id,
       group_kind, signature, left(md5(group_kind || ':' || signature), 10) AS group_id
FROM (
    WITH picked AS MATERIALIZED (
        SELECT trace_id, span_id, start_ns, kind, model, service, user_id, session_id, name,
               tool_name, error_type, finish_reason, context_window,
               CASE WHEN kind = 'tool' THEN 'tool_error' ELSE 'error' END AS group_kind,
               coalesce(nullif(status_message, ''), error_type, '') AS text_to_mask
        FROM spans
        WHERE {where} AND status = 'error'
        UNION ALL
        SELECT trace_id, span_id, start_ns, kind, model, service, user_id, session_id, name,
               tool_name, error_type, finish_reason, context_window,
               CASE WHEN finish_reason IN ('content_filter', 'refusal', 'safety', 'blocked', 'prohibited_content', 'recitation')
                    THEN 'refusal' ELSE 'truncation' END, NULL
        FROM spans
        WHERE {where} AND kind = 'llm' AND status IS DISTINCT FROM 'error'
          AND finish_reason IN ('content_filter', 'refusal', 'safety', 'blocked', 'prohibited_content', 'recitation',
                                'length', 'max_tokens', 'max_output_tokens', 'model_length')
        UNION ALL
        SELECT trace_id, span_id, start_ns, kind, model, service, user_id, session_id, name,
               tool_name, error_type, finish_reason, context_window, 'over_context', NULL
        FROM spans
        WHERE {where} AND kind = 'llm' AND status IS DISTINCT FROM 'error' AND input_tokens > context_window
          AND coalesce(finish_reason, '') NOT IN ('content_filter', 'refusal', 'safety', 'blocked', 'prohibited_content', 'recitation',
                                    'length', 'max_tokens', 'max_output_tokens', 'model_length')
        UNION ALL
        SELECT trace_id, span_id, start_ns, kind, model, service, user_id, session_id, name,
               tool_name, error_type, finish_reason, context_window, 'empty_retrieval', NULL
        FROM spans
        WHERE {where}
          AND kind = 'retriever' AND status IS DISTINCT FROM 'error' AND coalesce(chunk_count, 0) = 0
          AND coalesce(trim(json_extract_string(attributes, '$."output.value"')), '') IN ('', '[]', 'null')
    ),
    masks AS (
        SELECT text_to_mask, {masked} AS masked_message
        FROM (SELECT DISTINCT text_to_mask FROM picked WHERE text_to_mask IS NOT NULL)
    )
    SELECT f.trace_id, f.span_id, f.start_ns, f.kind, f.model, f.service, f.user_id, f.session_id, f.group_kind,
        CASE f.group_kind
            WHEN 'tool_error' THEN coalesce(f.tool_name, f.name, '?') || ': ' || m.masked_message
            WHEN 'error' THEN coalesce(nullif(f.error_type, ''), f.kind, '?') || ': ' || m.masked_message
            WHEN 'empty_retrieval' THEN coalesce(f.name, '?') || ': no chunks retrieved'
            WHEN 'over_context' THEN coalesce(f.model, '?') || ': input over the model''s '
                 || f.context_window || '-token context window'
            ELSE coalesce(f.name, '?') || ': finish reason ' || coalesce(f.finish_reason, '?')
        END AS signature
    FROM picked f
    LEFT JOIN masks m ON m.text_to_mask = f.text_to_mask
)
UNION ALL
SELECT trace_id, span_id, start_ns, kind, model, service, user_id, session_id,
       'label', label, left(md5('label:' || label), 10)
FROM (
    SELECT spans.*, labelled.label
    FROM spans
    JOIN (
        SELECT l.trace_id AS labelled_trace, l.label,
               CASE WHEN l.span_id = '' THEN t.root_span_id ELSE l.span_id END AS labelled_span
        FROM annotation_labels l LEFT JOIN traces t ON t.trace_id = l.trace_id
        WHERE lower(l.label) IN (SELECT lower(name) FROM label_taxonomy)
    ) labelled ON spans.trace_id = labelled.labelled_trace AND spans.span_id = labelled.labelled_span
    WHERE {where}
)
