"""The span kinds of the canonical model."""

from __future__ import annotations

# Ordered as users think of them: the model calls first.
KINDS: tuple[str, ...] = (
    "llm",
    "embedding",
    "tool",
    "retriever",
    "reranker",
    "agent",
    "chain",
    "guardrail",
    "evaluator",
    "prompt",
    "event",
    "other",
)

# Spans that are model calls: their tokens are what a trace consumed.
LLM_KINDS: tuple[str, ...] = ("llm", "embedding")
