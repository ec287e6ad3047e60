-- One re-run of an llm span (store/replays.py: save_replay). Keys are never among the values.
INSERT INTO replays (
    replay_id, trace_id, span_id, endpoint, protocol, base_url, model, params, request,
    output_text, output, input_tokens, output_tokens, latency_ms, error, error_kind,
    finish_reason, response_model, batch_id, run_kind, run_index, same_as_recorded,
    check_text, check_passed, created_at
) VALUES (
    nextval('replay_ids'), $trace_id, $span_id, $endpoint, $protocol, $base_url, $model,
    $params, $request, $output_text, $output, $input_tokens, $output_tokens, $latency_ms,
    $error, $error_kind, $finish_reason, $response_model, $batch_id, $run_kind, $run_index,
    $same_as_recorded, $check_text, $check_passed, current_timestamp
) RETURNING replay_id;
