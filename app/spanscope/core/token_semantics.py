"""What a recorded token count means, per provider and per way of recording it.

The store keeps usage in the OpenTelemetry GenAI sense: input includes cached input (reads
and writes), output includes reasoning. OpenAI's API and the GenAI conventions already count
that way; Anthropic's API does not: its ``input_tokens`` leaves out ``cache_read_input_tokens``
and ``cache_creation_input_tokens``. Importers that read Anthropic bodies add them back
(``importers/chat.py``); what remains are spans whose instrumentation copied Anthropic's
numbers through unchanged, which an import corrects with these rules.
"""

from __future__ import annotations

from dataclasses import dataclass

# Providers whose own API reports input without the cached part.
INPUT_WITHOUT_CACHE: tuple[str, ...] = ("anthropic",)

# Span attributes that show a count was copied from the provider's own usage object rather
# than written in GenAI terms: the Vercel AI SDK before version 6 reported the provider's
# input count as ``ai.usage.inputTokens`` beside ``ai.usage.cachedInputTokens`` (version 6
# reports the total and adds ``ai.usage.inputTokenDetails.*``).
NATIVE_COUNT_MARKERS: tuple[str, ...] = ("ai.usage.cachedInputTokens",)
GENAI_COUNT_MARKERS: tuple[str, ...] = ("ai.usage.inputTokenDetails.noCacheTokens",)


@dataclass(frozen=True)
class Usage:
    """Token counts of one call in the store's canonical sense."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write: int = 0
    reasoning: int = 0


def canonical_usage(
    provider: str | None,
    input_tokens: int,
    output_tokens: int,
    cache_read: int = 0,
    cache_write: int = 0,
    reasoning: int = 0,
    *,
    native_counts: bool = False,
) -> Usage:
    """Counts as the store keeps them. ``native_counts`` says the numbers were copied from the
    provider's own usage object; a cache larger than the input proves they were, whatever
    the provider."""
    excludes_cache = cache_read + cache_write > input_tokens or (
        native_counts and (provider or "").lower() in INPUT_WITHOUT_CACHE
    )
    if excludes_cache:
        input_tokens += cache_read + cache_write
    return Usage(input_tokens, output_tokens, cache_read, cache_write, reasoning)


__all__ = [
    "GENAI_COUNT_MARKERS",
    "INPUT_WITHOUT_CACHE",
    "NATIVE_COUNT_MARKERS",
    "Usage",
    "canonical_usage",
]
