-- One stored re-run with everything kept about it.
SELECT replay_id, trace_id, span_id, endpoint, protocol, base_url, model, params, request,
       output_text, output, input_tokens, output_tokens, latency_ms, error, error_kind,
       finish_reason, response_model, batch_id, run_kind, run_index, same_as_recorded,
       check_text, check_passed, created_at
FROM replays
WHERE replay_id = $replay_id;
