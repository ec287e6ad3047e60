-- Brings the usage of the files $source_ids to the store's sense, where input includes cached
-- input: a count copied from a provider API that leaves the cache out (Anthropic's) gets its
-- cache reads and writes added back. That is certain when the cache exceeds the input, and
-- known for providers in $without_cache when a marker attribute in $native shows the counts
-- came from the provider's own usage object and no marker in $genai says otherwise.
-- Runs once per imported file (not on re-pricing): the marker rule is not idempotent.
UPDATE spans SET input_tokens = input_tokens + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0)
WHERE list_contains($source_ids, source_id)
  AND kind IN ('llm', 'embedding')
  AND input_tokens IS NOT NULL
  AND coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) > 0
  AND (coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) > input_tokens
       OR (list_contains($without_cache, lower(provider))
           AND len(list_filter($native, lambda m: json_exists(attributes, '$."' || m || '"'))) > 0
           AND len(list_filter($genai, lambda m: json_exists(attributes, '$."' || m || '"'))) = 0));
