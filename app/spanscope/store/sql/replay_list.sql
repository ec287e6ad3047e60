-- Stored re-runs of one span, newest first (the replay dialog's list and `replay --list`).
SELECT replay_id, endpoint, protocol, model, batch_id, run_kind, run_index,
       left(output_text, 400) AS output_text, input_tokens, output_tokens, latency_ms,
       error, error_kind, same_as_recorded, check_text, check_passed, created_at
FROM replays
WHERE trace_id = $trace_id AND span_id = $span_id
ORDER BY replay_id DESC
LIMIT $limit;
