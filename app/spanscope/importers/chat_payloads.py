"""Model-call payloads as tracing tools record them, as the messages the mapping reads.

Langfuse observations and LangSmith runs keep a model call's input and output as the calling
code passed them: OpenAI chat messages or choices, LangChain messages (dicts or serialised
objects) and generations, Responses API items, Gemini contents, ``{prompt, system}``, plain
text. :func:`to_messages` turns them into OpenAI-style messages (GenAI parts where the source
has parts); :func:`retrieval_documents` does the same for what a retriever returned.
"""

from __future__ import annotations

from typing import Any

from spanscope.importers.chat import SERVER_CALL_ITEMS, responses_server_call_parts
from spanscope.importers.values import as_dict, decode_json_text
from spanscope.model.raw import json_text

_ROLE_ALIASES = {"human": "user", "ai": "assistant", "model": "assistant", "bot": "assistant"}
_LC_TYPES = {
    "human": "user",
    "ai": "assistant",
    "system": "system",
    "tool": "tool",
    "function": "tool",
    "chat": None,
    "developer": "developer",
    "remove": None,
}
_LC_CLASSES = {
    "HumanMessage": "user",
    "AIMessage": "assistant",
    "SystemMessage": "system",
    "ToolMessage": "tool",
    "FunctionMessage": "tool",
    "ChatMessage": None,
}
_PLAIN_MESSAGE_KEYS = {
    "role",
    "content",
    "name",
    "tool_call_id",
    "tool_calls",
    "parts",
    "finish_reason",
}


def to_messages(value: Any, default_role: str) -> list[dict[str, Any]] | None:
    """A model call's input or output as a list of OpenAI-style / GenAI-parts messages, from
    the shapes seen in Langfuse and LangSmith payloads: message lists (OpenAI, GenAI parts,
    LangChain dicts or serialised objects, Responses API items, Gemini contents), objects holding
    them (``messages``, ``choices``, ``generations``, Responses ``output``, Gemini ``contents`` /
    ``content`` / ``candidates``, ``{prompt, system}``), and plain text. None when the value has
    no recognisable message shape."""
    try:
        messages = _messages(decode_json_text(value), default_role)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError):
        return None
    return messages or None


def is_plain_rendering(raw: Any, messages: list[dict[str, Any]] | None) -> bool:
    """True when ``messages`` say everything ``raw`` says (so ``raw`` need not be kept too)."""
    if messages is None:
        return False
    raw = decode_json_text(raw)
    if isinstance(raw, dict):
        raw = [raw]
    if isinstance(raw, str):
        return messages == [{"role": messages[0]["role"], "content": raw}]
    if not isinstance(raw, list) or len(raw) != len(messages):
        return False
    return all(
        isinstance(r, dict)
        and set(_drop_none(r)) <= _PLAIN_MESSAGE_KEYS
        and _drop_none(r) == _drop_none(m)
        for r, m in zip(raw, messages, strict=True)
    )


def _drop_none(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if v is not None}


def _messages(value: Any, default_role: str) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [{"role": default_role, "content": value}] if value.strip() else None
    if isinstance(value, list):
        return _message_list(value, default_role)
    if not isinstance(value, dict):
        return None
    if _is_message(value):
        return _message(value, default_role)
    for key in ("messages", "contents", "prompts"):
        inner = value.get(key)
        if isinstance(inner, list) and inner:
            found = _message_list(inner, default_role)
            if found and key == "contents":
                system = _gemini_system(value)
                if system:
                    found.insert(0, {"role": "system", "content": system})
            return found
    if isinstance(value.get("choices"), list):
        out: list[dict[str, Any]] = []
        for choice in value["choices"]:
            out.extend(_choice(choice, default_role) or [])
        return out or None
    if isinstance(value.get("generations"), list):
        flat = _flatten(value["generations"])
        return _message_list(flat, default_role) if flat else None
    if value.get("object") == "response" or _is_response_items(value.get("output")):
        return _message_list(value.get("output") or [], default_role)
    if isinstance(value.get("candidates"), list):
        return _message_list(
            [c.get("content") for c in value["candidates"] if isinstance(c, dict)], default_role
        )
    content = value.get("content")
    if isinstance(content, dict) and isinstance(content.get("parts"), list):
        return _message(content, default_role)
    if isinstance(value.get("prompt"), str):
        out = []
        if isinstance(value.get("system"), str):
            out.append({"role": "system", "content": value["system"]})
        out.append({"role": "user", "content": value["prompt"]})
        return out
    if set(value) <= {"args", "kwargs"} and isinstance(value.get("args"), list):
        texts = [a for a in value["args"] if isinstance(a, str)]
        if texts and len(texts) == len(value["args"]):
            return [{"role": default_role, "content": "\n".join(texts)}]
        return None
    for key in ("output", "message"):
        inner = value.get(key)
        if isinstance(inner, dict) and _is_message(inner):
            return _message(inner, default_role)
    if isinstance(value.get("text"), str) and set(value) <= {
        "text",
        "type",
        "generation_info",
        "index",
    }:
        return [{"role": default_role, "content": value["text"]}]
    return None


def _message_list(items: list[Any], default_role: str) -> list[dict[str, Any]] | None:
    if not items:
        return None
    if all(isinstance(i, str) for i in items):
        return [{"role": default_role, "content": "\n".join(items)}]
    if all(isinstance(i, list) for i in items):
        return _message_list(_flatten(items), default_role)
    if all(isinstance(i, dict) and ("toolName" in i or "toolCallId" in i) for i in items):
        return [{"role": "assistant", "content": None, "tool_calls": _tool_calls(items)}]
    out: list[dict[str, Any]] = []
    for item in items:
        found = _message(item, default_role) if isinstance(item, dict) else None
        if found is None:
            return None
        out.extend(found)
    return out


def _flatten(items: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in items:
        if isinstance(item, list):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


def _is_message(value: dict[str, Any]) -> bool:
    if value.get("lc") == 1 and value.get("type") == "constructor":
        return True
    if "role" in value and ("content" in value or "parts" in value or "tool_calls" in value):
        return True
    kind = value.get("type")
    if isinstance(kind, str) and (kind in _LC_TYPES or kind.endswith("MessageChunk")):
        return "content" in value or isinstance(value.get("data"), dict)
    return kind in ("message", "function_call", "function_call_output", "reasoning") or (
        kind in SERVER_CALL_ITEMS
    )


def _is_response_items(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(
            isinstance(i, dict)
            and (i.get("type") in ("message", "function_call", "reasoning", *SERVER_CALL_ITEMS))
            for i in value
        )
    )


def _message(item: dict[str, Any], default_role: str) -> list[dict[str, Any]] | None:
    """One source message as one (rarely more) OpenAI-style / GenAI-parts messages."""
    if item.get("lc") == 1 and item.get("type") == "constructor":
        ids = item.get("id") or []
        cls = str(ids[-1]) if ids else ""
        kwargs = as_dict(item.get("kwargs"))
        role = _LC_CLASSES.get(cls.removesuffix("Chunk"))
        return [_build(kwargs, role or _role(kwargs.get("role")) or default_role)]
    kind = item.get("type")
    if kind == "function_call":
        return [{"role": "assistant", "content": None, "tool_calls": _tool_calls([item])}]
    if kind in SERVER_CALL_ITEMS:
        return [{"role": "assistant", "parts": responses_server_call_parts(item)}]
    if kind == "function_call_output":
        output = item.get("output")
        return [
            {
                "role": "tool",
                "tool_call_id": item.get("call_id"),
                "content": output if isinstance(output, (str, list)) else json_text(output),
            }
        ]
    if kind == "reasoning":
        summary = item.get("summary") or item.get("content") or []
        texts = (
            [str(s["text"]) for s in summary if isinstance(s, dict) and s.get("text")]
            if isinstance(summary, list)
            else []
        )
        return [
            {"role": "assistant", "parts": [{"type": "reasoning", "content": "\n".join(texts)}]}
        ]
    if "role" in item:
        return [_build(item, _role(item.get("role")) or default_role)]
    if isinstance(kind, str) and (kind in _LC_TYPES or kind.endswith("MessageChunk")):
        data = as_dict(item.get("data")) or item
        role = _LC_TYPES.get(kind) or _LC_CLASSES.get(kind.removesuffix("Chunk"))
        return [_build(data, role or _role(data.get("role")) or default_role)]
    if isinstance(item.get("parts"), list):
        return [_build(item, default_role)]
    if "content" in item:
        return [_build(item, default_role)]
    if isinstance(item.get("message"), dict):
        return _choice(item, default_role)
    if isinstance(item.get("text"), str):
        return [{"role": default_role, "content": item["text"]}]
    return None


def _choice(choice: Any, default_role: str) -> list[dict[str, Any]] | None:
    """An OpenAI choice or a LangChain generation."""
    if not isinstance(choice, dict):
        return None
    message = choice.get("message")
    if isinstance(message, dict):
        found = _message(message, default_role)
    elif isinstance(choice.get("text"), str):
        found = [{"role": default_role, "content": choice["text"]}]
    else:
        return None
    if found and isinstance(choice.get("finish_reason"), str):
        found[-1]["finish_reason"] = choice["finish_reason"]
    return found


def _role(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return _ROLE_ALIASES.get(value, value)


def _build(source: dict[str, Any], role: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": role}
    content = source.get("content")
    parts = source.get("parts")
    if content is None and isinstance(parts, list):
        message["parts"] = _parts(parts)
        if message["parts"] and all(
            isinstance(p, dict) and p.get("type") == "tool_call_response" for p in message["parts"]
        ):
            message["role"] = "tool"
    elif isinstance(content, (str, list)) or content is None:
        message["content"] = content
    else:
        message["content"] = json_text(content)
    for key in ("name", "tool_call_id"):
        if isinstance(source.get(key), str) and source[key]:
            message[key] = source[key]
    extra = as_dict(source.get("additional_kwargs"))
    calls = _tool_calls(source.get("tool_calls")) or _tool_calls(extra.get("tool_calls"))
    if not calls and isinstance(extra.get("function_call"), dict):
        calls = _tool_calls([{"function": extra["function_call"]}])
    if (
        not calls
        and role == "assistant"
        and isinstance(content, str)
        and content.lstrip().startswith("[{")
    ):
        # Some instrumentations write the assistant's tool calls as JSON text in its content.
        embedded = decode_json_text(content)
        if (
            isinstance(embedded, list)
            and embedded
            and all(
                isinstance(c, dict)
                and isinstance(c.get("function"), dict)
                and c["function"].get("name")
                for c in embedded
            )
        ):
            calls, message["content"] = _tool_calls(embedded), None
    if calls:
        message["tool_calls"] = calls
    if isinstance(source.get("finish_reason"), str):
        message["finish_reason"] = source["finish_reason"]
    return message


def _parts(parts: list[Any]) -> list[Any]:
    """GenAI parts are kept; Gemini-native parts (text / function_call / function_response)
    become GenAI parts."""
    out: list[Any] = []
    for part in parts:
        if not isinstance(part, dict) or "type" in part:
            out.append(part)
        elif isinstance(part.get("text"), str):
            kind = "reasoning" if part.get("thought") else "text"
            out.append({"type": kind, "content": part["text"]})
        elif isinstance(part.get("function_call"), dict):
            call = part["function_call"]
            out.append(
                {
                    "type": "tool_call",
                    "id": call.get("id"),
                    "name": call.get("name"),
                    "arguments": json_text(
                        call.get("args") if call.get("args") is not None else {}
                    ),
                }
            )
        elif isinstance(part.get("function_response"), dict):  # sent with role "user"
            response = part["function_response"]
            out.append(
                {
                    "type": "tool_call_response",
                    "id": response.get("id") or response.get("name"),
                    "response": json_text(response.get("response")),
                }
            )
        else:
            out.append(part)
    return out


def _gemini_system(request: dict[str, Any]) -> str | None:
    config = as_dict(request.get("config"))
    system = request.get("system_instruction") or config.get("system_instruction")
    if isinstance(system, dict):
        texts = [
            str(p["text"])
            for p in system.get("parts") or []
            if isinstance(p, dict) and p.get("text")
        ]
        return "\n".join(texts) or None
    return system if isinstance(system, str) and system else None


def _tool_calls(calls: Any) -> list[dict[str, Any]] | None:
    """Tool calls in any of the seen shapes as OpenAI ``{id, function:{name, arguments}}``."""
    if not isinstance(calls, list):
        return None
    out = []
    for call in calls:
        if not isinstance(call, dict):
            continue
        function = as_dict(call.get("function"))
        name = function.get("name") or call.get("name") or call.get("toolName")
        arguments = function.get("arguments")
        if arguments is None:
            for key in ("arguments", "args", "input"):
                if call.get(key) is not None:
                    arguments = call[key]
                    break
        call_id = call.get("call_id") or call.get("id") or call.get("toolCallId")
        out.append(
            {
                "id": call_id if isinstance(call_id, str) else None,
                "function": {
                    "name": name,
                    "arguments": arguments
                    if isinstance(arguments, str) or arguments is None
                    else json_text(arguments),
                },
            }
        )
    return out or None


def retrieval_documents(value: Any) -> list[dict[str, Any]] | None:
    """Retrieved documents (LangChain ``Document`` dicts or serialised objects, or
    ``{id, content|text|page_content, score, metadata}``) as GenAI retrieval documents."""
    value = decode_json_text(value)
    if isinstance(value, dict):
        for key in ("documents", "output", "docs", "results"):
            if isinstance(value.get(key), list):
                value = value[key]
                break
    if not isinstance(value, list) or not value:
        return None
    out = []
    for doc in value:
        if isinstance(doc, dict) and doc.get("lc") == 1 and isinstance(doc.get("kwargs"), dict):
            doc = doc["kwargs"]
        if not isinstance(doc, dict):
            return None
        content = next((doc[k] for k in ("page_content", "content", "text") if k in doc), None)
        metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else None
        if content is None and metadata is None:
            return None
        document: dict[str, Any] = {
            "content": content
            if isinstance(content, str) or content is None
            else json_text(content)
        }
        doc_id = doc.get("id") if doc.get("id") is not None else (metadata or {}).get("id")
        if doc_id is not None:
            document["id"] = str(doc_id)
        score = doc.get("score") if doc.get("score") is not None else (metadata or {}).get("score")
        if isinstance(score, (int, float)) and not isinstance(score, bool):
            document["score"] = score
        if metadata is not None:
            document["metadata"] = metadata
        out.append(document)
    return out
