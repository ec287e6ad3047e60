"""Every attribute key the mapping reads, named once, with what the mapping makes of it.

The mapping (``store/sql/map_spans.sql`` and ``store/sql/mapping_macros.sql``) turns a raw span's
attributes into canonical columns. An importer of a format that is not OTLP expresses the
format in these conventions; writing a key by its name here instead of as a string means a typo
fails at once (mypy, and :class:`~spanscope.model.attributes.SpanAttributes` at run time)
instead of silently becoming a raw attribute nobody maps. ``tests/test_conventions.py`` checks
that the SQL reads exactly the keys declared here, both ways.

When several conventions sit on one span the mapping prefers OTel GenAI (newest form first),
then OpenInference, OpenLLMetry, then vendors (Vercel AI SDK, Codex, Langfuse, LangSmith).
"""

from __future__ import annotations


class Key(str):
    """An attribute key the mapping reads; ``doc`` says what it becomes."""

    doc: str

    def __new__(cls, name: str, doc: str) -> Key:
        key = super().__new__(cls, name)
        key.doc = doc
        return key


class Prefix(str):
    """The start of a family of flattened keys (``llm.input_messages.0.message.role``, ...)
    that the mapping reads by position; ``doc`` says what the family holds."""

    doc: str

    def __new__(cls, name: str, doc: str) -> Prefix:
        prefix = super().__new__(cls, name)
        prefix.doc = doc
        return prefix


KEYS: dict[str, Key] = {}
PREFIXES: dict[str, Prefix] = {}


def _key(name: str, doc: str) -> Key:
    assert name not in KEYS, name
    KEYS[name] = Key(name, doc)
    return KEYS[name]


def _prefix(name: str, doc: str) -> Prefix:
    assert name.endswith(".") and name not in PREFIXES, name
    PREFIXES[name] = Prefix(name, doc)
    return PREFIXES[name]


# -- Spanscope's own --------------------------------------------------------------------------
SPANSCOPE_KIND = _key("spanscope.kind", "kind, set by importers of formats with their own kinds")

# -- What the span is ---------------------------------------------------------------------------
GEN_AI_OPERATION_NAME = _key(
    "gen_ai.operation.name", "operation (chat, execute_tool, ...) and kind"
)
OPENINFERENCE_SPAN_KIND = _key("openinference.span.kind", "kind (LLM, TOOL, ...) and operation")
LANGFUSE_OBSERVATION_TYPE = _key("langfuse.observation.type", "kind (generation, tool, ...)")
LANGSMITH_SPAN_KIND = _key("langsmith.span.kind", "kind (llm, chain, tool, ...)")
TRACELOOP_SPAN_KIND = _key("traceloop.span.kind", "kind (workflow, task, agent, tool)")
LLM_REQUEST_TYPE = _key("llm.request.type", "kind (chat, completion, embedding, rerank)")
AI_OPERATION_ID = _key("ai.operationId", "operation and kind (Vercel AI SDK: ai.generateText...)")
ERROR_TYPE = _key("error.type", "error_type")
SERVICE_NAME = _key("service.name", "service (read from the resource first, then the span)")

# -- Provider and model -------------------------------------------------------------------------
GEN_AI_PROVIDER_NAME = _key("gen_ai.provider.name", "provider (lowercased)")
GEN_AI_SYSTEM = _key("gen_ai.system", "provider, older GenAI form")
LLM_PROVIDER = _key("llm.provider", "provider (OpenInference)")
LLM_SYSTEM = _key("llm.system", "provider (OpenInference system)")
AI_MODEL_PROVIDER = _key("ai.model.provider", "provider (Vercel AI SDK)")
GEN_AI_REQUEST_MODEL = _key("gen_ai.request.model", "request_model; marks an llm span")
GEN_AI_RESPONSE_MODEL = _key("gen_ai.response.model", "response_model, preferred as model")
GEN_AI_RESPONSE_FINISH_REASONS = _key(
    "gen_ai.response.finish_reasons", "finish_reason (the first of the list)"
)
LLM_REQUEST_MODEL_NAME = _key("llm.request.model_name", "request_model (OpenInference)")
LLM_RESPONSE_MODEL_NAME = _key("llm.response.model_name", "response_model (OpenInference)")
LLM_MODEL_NAME = _key("llm.model_name", "request_model (OpenInference); marks an llm span")
AI_MODEL_ID = _key("ai.model.id", "request_model (Vercel AI SDK)")
AI_RESPONSE_MODEL = _key("ai.response.model", "response_model (Vercel AI SDK)")
AI_RESPONSE_FINISH_REASON = _key("ai.response.finishReason", "finish_reason (Vercel AI SDK)")
EMBEDDING_MODEL_NAME = _key("embedding.model_name", "request_model of an embedding span")
RERANKER_MODEL_NAME = _key("reranker.model_name", "request_model of a reranker span")
LANGFUSE_OBSERVATION_MODEL_NAME = _key(
    "langfuse.observation.model.name", "request_model (Langfuse)"
)
MODEL = _key("model", "request_model of a Codex turn (read only beside its token usage)")

# -- Request parameters -------------------------------------------------------------------------
LLM_INVOCATION_PARAMETERS = _key("llm.invocation_parameters", "params, as a JSON object")
GEN_AI_REQUEST = _prefix("gen_ai.request.", "params: every gen_ai.request.* but the model")

# -- Messages -----------------------------------------------------------------------------------
GEN_AI_INPUT_MESSAGES = _key("gen_ai.input.messages", "input_messages, as JSON")
GEN_AI_OUTPUT_MESSAGES = _key("gen_ai.output.messages", "output_messages, as JSON")
GEN_AI_SYSTEM_INSTRUCTIONS = _key("gen_ai.system_instructions", "the system message, first")
GEN_AI_PROMPT = _key("gen_ai.prompt", "input_messages as one JSON value or text (older form)")
GEN_AI_COMPLETION = _key("gen_ai.completion", "output_messages as one JSON value or text")
LLM_INPUT_MESSAGES = _prefix("llm.input_messages.", "input_messages, flattened (OpenInference)")
LLM_OUTPUT_MESSAGES = _prefix("llm.output_messages.", "output_messages, flattened")
GEN_AI_PROMPT_N = _prefix("gen_ai.prompt.", "input_messages, flattened (OpenLLMetry)")
GEN_AI_COMPLETION_N = _prefix(
    "gen_ai.completion.", "output_messages and finish_reason, flattened (OpenLLMetry)"
)
AI_PROMPT = _key("ai.prompt", "input_messages (Vercel AI SDK: {prompt} or {messages})")
AI_PROMPT_MESSAGES = _key("ai.prompt.messages", "input_messages (Vercel AI SDK), as JSON")
AI_RESPONSE_TEXT = _key("ai.response.text", "the output message's text (Vercel AI SDK)")
AI_RESPONSE_OBJECT = _key("ai.response.object", "the output message's content, when no text")
AI_RESPONSE_TOOL_CALLS = _key("ai.response.toolCalls", "the output message's tool calls")
INPUT_VALUE = _key("input.value", "preview; a tool's arguments (OpenInference)")
OUTPUT_VALUE = _key(
    "output.value",
    "a tool's result; a model call's finish_reason in a raw response (OpenInference)",
)
INPUT = _key("input", "a tool's arguments, when nothing better names them")
OUTPUT = _key("output", "a tool's result, when nothing better names it")

# -- Usage and cost -----------------------------------------------------------------------------
GEN_AI_USAGE_INPUT_TOKENS = _key("gen_ai.usage.input_tokens", "input_tokens")
GEN_AI_USAGE_PROMPT_TOKENS = _key("gen_ai.usage.prompt_tokens", "input_tokens, older form")
LLM_TOKEN_COUNT_PROMPT = _key("llm.token_count.prompt", "input_tokens (OpenInference)")
AI_USAGE_INPUT_TOKENS = _key("ai.usage.inputTokens", "input_tokens (Vercel AI SDK)")
AI_USAGE_PROMPT_TOKENS = _key("ai.usage.promptTokens", "input_tokens (Vercel AI SDK, older)")
AI_USAGE_TOKENS = _key("ai.usage.tokens", "input_tokens of an embedding (Vercel AI SDK)")
CODEX_INPUT_TOKENS = _key("codex.turn.token_usage.input_tokens", "input_tokens; marks an llm span")
GEN_AI_USAGE_OUTPUT_TOKENS = _key("gen_ai.usage.output_tokens", "output_tokens")
GEN_AI_USAGE_COMPLETION_TOKENS = _key("gen_ai.usage.completion_tokens", "output_tokens, older")
LLM_TOKEN_COUNT_COMPLETION = _key("llm.token_count.completion", "output_tokens (OpenInference)")
AI_USAGE_OUTPUT_TOKENS = _key("ai.usage.outputTokens", "output_tokens (Vercel AI SDK)")
AI_USAGE_COMPLETION_TOKENS = _key("ai.usage.completionTokens", "output_tokens (older)")
CODEX_OUTPUT_TOKENS = _key("codex.turn.token_usage.output_tokens", "output_tokens (Codex)")
GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = _key(
    "gen_ai.usage.cache_read.input_tokens", "cache_read_tokens"
)
GEN_AI_USAGE_CACHE_READ_TOKENS_FLAT = _key(
    "gen_ai.usage.cache_read_input_tokens", "cache_read_tokens (Anthropic's name)"
)
GEN_AI_USAGE_CACHED_INPUT_TOKENS = _key(
    "gen_ai.usage.cached_input_tokens", "cache_read_tokens (OpenAI's name)"
)
LLM_TOKEN_COUNT_CACHE_READ = _key(
    "llm.token_count.prompt_details.cache_read", "cache_read_tokens (OpenInference)"
)
AI_USAGE_CACHED_INPUT_TOKENS = _key("ai.usage.cachedInputTokens", "cache_read_tokens (Vercel)")
AI_USAGE_CACHE_READ_TOKENS = _key(
    "ai.usage.inputTokenDetails.cacheReadTokens", "cache_read_tokens (Vercel AI SDK 5)"
)
CODEX_CACHED_INPUT_TOKENS = _key(
    "codex.turn.token_usage.cached_input_tokens", "cache_read_tokens (Codex)"
)
GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = _key(
    "gen_ai.usage.cache_creation.input_tokens", "cache_write_tokens"
)
GEN_AI_USAGE_CACHE_CREATION_TOKENS_FLAT = _key(
    "gen_ai.usage.cache_creation_input_tokens", "cache_write_tokens (Anthropic's name)"
)
LLM_TOKEN_COUNT_CACHE_WRITE = _key(
    "llm.token_count.prompt_details.cache_write", "cache_write_tokens (OpenInference)"
)
AI_USAGE_CACHE_WRITE_TOKENS = _key(
    "ai.usage.inputTokenDetails.cacheWriteTokens", "cache_write_tokens (Vercel AI SDK 5)"
)
GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = _key(
    "gen_ai.usage.reasoning.output_tokens", "reasoning_tokens"
)
GEN_AI_USAGE_REASONING_TOKENS = _key("gen_ai.usage.reasoning_tokens", "reasoning_tokens, older")
LLM_TOKEN_COUNT_REASONING = _key(
    "llm.token_count.completion_details.reasoning", "reasoning_tokens (OpenInference)"
)
AI_USAGE_REASONING_TOKENS = _key("ai.usage.reasoningTokens", "reasoning_tokens (Vercel)")
AI_USAGE_OUTPUT_REASONING_TOKENS = _key(
    "ai.usage.outputTokenDetails.reasoningTokens", "reasoning_tokens (Vercel AI SDK 5)"
)
CODEX_REASONING_TOKENS = _key(
    "codex.turn.token_usage.reasoning_output_tokens", "reasoning_tokens (Codex)"
)
GEN_AI_USAGE_TOTAL_TOKENS = _key("gen_ai.usage.total_tokens", "total_tokens")
LLM_TOKEN_COUNT_TOTAL = _key("llm.token_count.total", "total_tokens (OpenInference)")
LLM_USAGE_TOTAL_TOKENS = _key("llm.usage.total_tokens", "total_tokens (OpenLLMetry)")
AI_USAGE_TOTAL_TOKENS = _key("ai.usage.totalTokens", "total_tokens (Vercel AI SDK)")
CODEX_TOTAL_TOKENS = _key("codex.turn.token_usage.total_tokens", "total_tokens (Codex)")
LLM_COST_TOTAL = _key("llm.cost.total", "recorded_cost in USD (OpenInference)")
GEN_AI_USAGE_COST = _key("gen_ai.usage.cost", "recorded_cost in USD")

# -- Who and when -------------------------------------------------------------------------------
SESSION_ID = _key("session.id", "session_id")
GEN_AI_CONVERSATION_ID = _key("gen_ai.conversation.id", "session_id (GenAI)")
LANGFUSE_SESSION_ID = _key("langfuse.session.id", "session_id (Langfuse)")
AI_SESSION_ID = _key("ai.telemetry.metadata.sessionId", "session_id (Vercel AI SDK)")
USER_ID = _key("user.id", "user_id")
ENDUSER_ID = _key("enduser.id", "user_id (OTel general)")
LANGFUSE_USER_ID = _key("langfuse.user.id", "user_id (Langfuse)")
AI_USER_ID = _key("ai.telemetry.metadata.userId", "user_id (Vercel AI SDK)")
TAG_TAGS = _key("tag.tags", "tags: a JSON list of strings, or one string")
LANGFUSE_TRACE_TAGS = _key("langfuse.trace.tags", "tags (Langfuse)")

# -- Tools --------------------------------------------------------------------------------------
GEN_AI_TOOL_NAME = _key("gen_ai.tool.name", "tool_name; marks a tool span")
TOOL_NAME = _key("tool.name", "tool_name (OpenInference)")
AI_TOOL_CALL_NAME = _key("ai.toolCall.name", "tool_name (Vercel AI SDK)")
GEN_AI_TOOL_CALL_ID = _key("gen_ai.tool.call.id", "a tool span's call id")
TOOL_ID = _key("tool.id", "a tool span's call id (OpenInference)")
TOOL_CALL_ID = _key("tool_call.id", "a tool span's call id (OpenInference, older)")
AI_TOOL_CALL_ID = _key("ai.toolCall.id", "a tool span's call id (Vercel AI SDK)")
GEN_AI_TOOL_CALL_ARGUMENTS = _key("gen_ai.tool.call.arguments", "a tool span's arguments; preview")
AI_TOOL_CALL_ARGS = _key("ai.toolCall.args", "a tool span's arguments (Vercel AI SDK)")
AI_TOOL_CALL_INPUT = _key("ai.toolCall.input", "a tool span's arguments (Vercel AI SDK 5)")
GEN_AI_TOOL_CALL_RESULT = _key("gen_ai.tool.call.result", "a tool span's result")
AI_TOOL_CALL_RESULT = _key("ai.toolCall.result", "a tool span's result (Vercel AI SDK)")
AI_TOOL_CALL_OUTPUT = _key("ai.toolCall.output", "a tool span's result (Vercel AI SDK 5)")

# -- Retrieval ----------------------------------------------------------------------------------
GEN_AI_RETRIEVAL_DOCUMENTS = _key(
    "gen_ai.retrieval.documents", "documents: JSON [{id, content, score, metadata}]"
)
GEN_AI_RETRIEVAL_QUERY_TEXT = _key("gen_ai.retrieval.query.text", "preview of a retrieval")
RETRIEVAL_DOCUMENTS = _prefix("retrieval.documents.", "documents, flattened (OpenInference)")
RERANKER_INPUT_DOCUMENTS = _prefix("reranker.input_documents.", "a reranker's input documents")
RERANKER_OUTPUT_DOCUMENTS = _prefix("reranker.output_documents.", "a reranker's output documents")

# Key namespaces and the convention each tells a span follows (the spans' ``conventions``).
NAMESPACES: dict[str, str] = {
    "gen_ai.": "genai",
    "llm.": "openinference",
    "retrieval.": "openinference",
    "reranker.": "openinference",
    "embedding.": "openinference",
    "traceloop.": "openllmetry",
    "ai.": "vercel-ai",
    "langfuse.": "langfuse",
    "langsmith.": "langsmith",
    "mlflow.": "mlflow",
    "codex.": "codex",
}


def is_known(name: str) -> bool:
    """True when the mapping reads ``name``: a declared key, or one of a flattened family."""
    return name in KEYS or any(name.startswith(p) for p in PREFIXES)


__all__ = ["KEYS", "NAMESPACES", "PREFIXES", "Key", "Prefix", "is_known"]
