-- One model call recorded twice: some agent frameworks export a wrapper generation and, as its
-- child, the generation of the provider call, both carrying the call's usage. Summing both
-- would double the tokens and the cost. The rule, for the llm spans the file $source_id brought:
--   an llm span whose direct llm children's input and output tokens add up exactly to its own
--   (one child with identical usage, or a roll-up of several), and whose model agrees with
--   theirs (equal, one a prefix of the other, or unnamed), is the same usage recorded again:
--   its token columns and recorded cost are cleared, so every total counts the inner calls
--   once; its raw attributes keep what it recorded, and `spanscope.counted_in` lists the
--   inner calls. Any other llm span with usage above llm children with usage cannot be told
--   apart: both are kept, and the file is warned (second statement).
UPDATE spans SET
    input_tokens = NULL, output_tokens = NULL, cache_read_tokens = NULL, cache_write_tokens = NULL,
    reasoning_tokens = NULL, total_tokens = NULL, recorded_cost = NULL, computed_cost = NULL,
    attributes = json_merge_patch(coalesce(spans.attributes, '{}'::JSON),
                                  json_object('spanscope.counted_in', d.inner_ids))
FROM (
    SELECT p.trace_id, p.span_id, list(c.span_id ORDER BY c.span_id) AS inner_ids
    FROM spans p
    JOIN spans c ON c.trace_id = p.trace_id AND c.parent_span_id = p.span_id AND c.kind = 'llm'
    WHERE p.source_id = $source_id AND p.kind = 'llm'
      AND coalesce(p.input_tokens, 0) + coalesce(p.output_tokens, 0) > 0
    GROUP BY p.trace_id, p.span_id, p.input_tokens, p.output_tokens, p.model
    HAVING coalesce(sum(c.input_tokens), 0) = coalesce(p.input_tokens, 0)
       AND coalesce(sum(c.output_tokens), 0) = coalesce(p.output_tokens, 0)
       AND bool_and(p.model IS NULL OR c.model IS NULL
                    OR starts_with(c.model, p.model) OR starts_with(p.model, c.model))
) d
WHERE spans.trace_id = d.trace_id AND spans.span_id = d.span_id;

-- How many llm spans of the file still hold usage above llm children that hold usage too.
SELECT count(DISTINCT (p.trace_id, p.span_id))
FROM spans p
JOIN spans c ON c.trace_id = p.trace_id AND c.parent_span_id = p.span_id AND c.kind = 'llm'
WHERE p.source_id = $source_id AND p.kind = 'llm'
  AND coalesce(p.input_tokens, 0) + coalesce(p.output_tokens, 0) > 0
  AND coalesce(c.input_tokens, 0) + coalesce(c.output_tokens, 0) > 0;
