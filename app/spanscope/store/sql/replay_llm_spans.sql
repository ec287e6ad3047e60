-- Every llm span of a trace with its recorded request and answer, in start order (trajectory
-- replay re-runs each with its recorded context).
SELECT trace_id, span_id, name, kind, start_ns, status, status_message, request_model,
       response_model, model, provider, params, input_tokens, output_tokens, input_messages,
       output_messages, tool_calls, attributes
FROM spans
WHERE trace_id = $trace_id AND kind = 'llm'
ORDER BY start_ns NULLS LAST, span_id;
