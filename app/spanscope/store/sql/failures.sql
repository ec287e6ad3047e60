-- Every failing span with the failure group it belongs to, like an error tracker groups
-- exceptions: the group is its kind plus a signature in which the parts that change from one
-- occurrence to the next (ids, numbers, hex, quoted values, timestamps) are masked, so
-- "order A-1234 not found" and "order B-77 not found" are one group.
-- Columns: trace_id, span_id, start_ns, span kind, model, service, user_id, session_id,
-- group_kind (error, tool_error, empty_retrieval: a retriever with no chunks and no output
-- either (a wrapper that records its results only as output is not empty), refusal,
-- truncation (finish reasons), label: a failure label
-- of the taxonomy on the span, or on the trace for its root span), signature,
-- group_id (10 hex characters of md5(group_kind:signature): stable across databases).
-- Used nested (no comments below this header may follow code on a line).
SELECT trace_id, span_id, start_ns, kind, model, service, user_id, session_id,
       group_kind, signature, left(md5(group_kind || ':' || signature), 10) AS group_id
FROM (
    SELECT trace_id, span_id, start_ns, kind, model, service, user_id, session_id,
        CASE
            WHEN status = 'error' AND kind = 'tool' THEN 'tool_error'
            WHEN status = 'error' THEN 'error'
            WHEN kind = 'retriever' AND coalesce(len(documents), 0) = 0
                 AND coalesce(trim(json_extract_string(attributes, '$."output.value"')), '') IN ('', '[]', 'null')
                THEN 'empty_retrieval'
            WHEN kind = 'llm' AND finish_reason IN ('content_filter', 'refusal', 'safety', 'blocked', 'prohibited_content', 'recitation') THEN 'refusal'
            WHEN kind = 'llm' AND finish_reason IN ('length', 'max_tokens', 'max_output_tokens', 'model_length') THEN 'truncation'
        END AS group_kind,
        CASE
            WHEN status = 'error' AND kind = 'tool' THEN
                coalesce(tool_name, name, '?') || ': ' || masked_message
            WHEN status = 'error' THEN
                coalesce(nullif(error_type, ''), kind, '?') || ': ' || masked_message
            WHEN kind = 'retriever' THEN coalesce(name, '?') || ': no chunks retrieved'
            ELSE coalesce(name, '?') || ': finish reason ' || coalesce(finish_reason, '?')
        END AS signature
    FROM (
        SELECT *,
            {masked} AS masked_message,
            lower(coalesce(
                json_extract_string(attributes, '$."gen_ai.response.finish_reasons"[0]'),
                json_extract_string(attributes, '$."gen_ai.response.finish_reasons"'),
                json_extract_string(attributes, '$."gen_ai.completion.0.finish_reason"'),
                json_extract_string(attributes, '$."llm.finish_reason"'),
                json_extract_string(attributes, '$."ai.response.finishReason"')
            )) AS finish_reason
        FROM (
            SELECT *, coalesce(nullif(status_message, ''), error_type, '') AS text_to_mask
            FROM spans
            WHERE {where}
              AND (status = 'error' OR kind IN ('retriever', 'llm'))
        )
    )
)
WHERE group_kind IS NOT NULL
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
