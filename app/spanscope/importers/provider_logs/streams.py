"""Response bodies: JSON text, and server-sent events reassembled into the final response
(Anthropic ``message_*``/``content_block_*``, OpenAI ``chat.completion.chunk`` deltas,
Responses ``response.*`` events)."""

from __future__ import annotations

import json
import re
from typing import Any

from spanscope.importers.json_head import partial_json
from spanscope.importers.values import JsonDict, as_dict

_SSE_START = re.compile(r"(?:event|data|id|retry)\s*:|:")


def decode_body(
    body: Any, content_type: str | None, partial: bool
) -> tuple[Any, int | None, JsonDict | None, str | None]:
    """(response object, stream event count, stream error, api) of an HTTP body that is an
    object, JSON text or server-sent events."""
    if not isinstance(body, str):
        return body, None, None, None
    text = body.strip()
    if not text:
        return None, None, None, None
    if text[0] in "{[" and "event-stream" not in (content_type or ""):
        return parse_json_text(text, partial), None, None, None
    if "event-stream" in (content_type or "") or _SSE_START.match(text):
        payloads = sse_payloads(text, partial)
        response, error, api = reassemble_stream(payloads)
        return response, len(payloads), error, api
    return body, None, None, None


def sse_payloads(text: str, partial: bool) -> list[JsonDict]:
    """The JSON data of each server-sent event (``[DONE]`` and non-JSON pings skipped)."""
    payloads: list[JsonDict] = []
    event: str | None = None
    data: list[str] = []

    def flush() -> None:
        joined = "\n".join(data).strip()
        if not joined or joined == "[DONE]":
            return
        try:
            value = json.loads(joined)
        except ValueError:
            if partial:
                return
            raise ValueError(f"server-sent event {len(payloads) + 1} is not valid JSON") from None
        if isinstance(value, dict):
            if event and "type" not in value and event != "message":
                value = {**value, "type": event}
            payloads.append(value)

    for line in text.splitlines():
        if not line.strip():
            if data:
                flush()
            event, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value.strip()
        elif name == "data":
            data.append(value)
    if data:
        flush()
    return payloads


def reassemble_stream(
    payloads: list[JsonDict],
) -> tuple[JsonDict | None, JsonDict | None, str | None]:
    """(final response, error, api) from the events of a streamed response."""
    first = next((p for p in payloads if p.get("type") not in ("ping", "error")), None)
    error = next((e for e in (stream_error(p) for p in payloads) if e is not None), None)
    if first is None:
        return None, error, None
    kind = first.get("type")
    if kind == "message_start":
        return _anthropic_stream(payloads), error, "messages"
    if first.get("object") == "chat.completion.chunk":
        return _chat_stream(payloads), error, "chat"
    if isinstance(kind, str) and kind.startswith("response."):
        response = _responses_stream(payloads)
        return response, error or response_error(response), "responses" if response else None
    return None, error, None


def stream_error(event: JsonDict) -> JsonDict | None:
    """The provider's error an event carries: Anthropic and OpenAI Chat nest it under
    ``error``; OpenAI Responses puts ``code`` and ``message`` on the ``error`` event itself."""
    nested = event.get("error")
    if isinstance(nested, dict) and (event.get("type") == "error" or "object" not in event):
        return nested
    if event.get("type") == "error":
        own = {k: event[k] for k in ("code", "message", "param") if event.get(k) is not None}
        if own:
            return {"type": own.get("code"), **own} if own.get("code") else own
        return {"message": "the stream reported an error"}
    return None


def _anthropic_stream(payloads: list[JsonDict]) -> JsonDict:
    message: JsonDict = {}
    usage: JsonDict = {}
    blocks: dict[int, JsonDict] = {}
    partial_inputs: dict[int, str] = {}

    def close(index: int) -> None:
        text = partial_inputs.pop(index, None)
        if text is None or index not in blocks:
            return
        if not text.strip():
            return
        try:
            blocks[index]["input"] = json.loads(text)
        except ValueError:
            blocks[index]["input"] = text  # cut off mid-stream: keep what arrived

    for p in payloads:
        kind = p.get("type")
        index = _index(p.get("index"))
        if kind == "message_start" and isinstance(p.get("message"), dict):
            message = dict(p["message"])
            usage = dict(message.get("usage") or {})
        elif kind == "content_block_start":
            block = p.get("content_block")
            blocks[index] = dict(block) if isinstance(block, dict) else {}
        elif kind == "content_block_delta":
            block = blocks.setdefault(index, {})
            delta = as_dict(p.get("delta"))
            dtype = delta.get("type")
            if dtype == "text_delta":
                block["text"] = str(block.get("text") or "") + str(delta.get("text") or "")
            elif dtype == "thinking_delta":
                block["thinking"] = str(block.get("thinking") or "") + str(
                    delta.get("thinking") or ""
                )
            elif dtype == "signature_delta":
                block["signature"] = str(block.get("signature") or "") + str(
                    delta.get("signature") or ""
                )
            elif dtype == "input_json_delta":
                partial_inputs[index] = partial_inputs.get(index, "") + str(
                    delta.get("partial_json") or ""
                )
            elif dtype == "citations_delta":
                block.setdefault("citations", []).append(delta.get("citation"))
        elif kind == "content_block_stop":
            close(index)
        elif kind == "message_delta":
            message.update(as_dict(p.get("delta")))
            if isinstance(p.get("usage"), dict):
                usage.update(p["usage"])
    for index in list(partial_inputs):
        close(index)
    message["content"] = [blocks[i] for i in sorted(blocks)]
    if usage:
        message["usage"] = usage
    message.setdefault("type", "message")
    message.setdefault("role", "assistant")
    return message


def _chat_stream(payloads: list[JsonDict]) -> JsonDict:
    response: JsonDict = {}
    choices: dict[int, JsonDict] = {}
    calls: dict[int, dict[int, JsonDict]] = {}
    for p in payloads:
        if p.get("object") != "chat.completion.chunk":
            continue
        if not response:
            response = {k: v for k, v in p.items() if k not in ("choices", "usage", "object")}
            response["object"] = "chat.completion"
        for key in ("model", "system_fingerprint", "service_tier"):
            if p.get(key) is not None:
                response[key] = p[key]
        if isinstance(p.get("usage"), dict):
            response["usage"] = p["usage"]
        for chunk in p.get("choices") or []:
            if not isinstance(chunk, dict):
                continue
            i = _index(chunk.get("index"))
            choice = choices.setdefault(
                i,
                {
                    "index": i,
                    "message": {"role": "assistant", "content": None},
                    "finish_reason": None,
                },
            )
            message = choice["message"]
            delta = as_dict(chunk.get("delta"))
            if delta.get("role"):
                message["role"] = delta["role"]
            for key in ("content", "refusal", "reasoning_content"):
                if isinstance(delta.get(key), str):
                    message[key] = (message.get(key) or "") + delta[key]
            for tc in delta.get("tool_calls") or []:
                if not isinstance(tc, dict):
                    continue
                ti = _index(tc.get("index"))
                call = calls.setdefault(i, {}).setdefault(
                    ti, {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
                )
                if tc.get("id"):
                    call["id"] = tc["id"]
                fn = as_dict(tc.get("function"))
                if fn.get("name"):
                    call["function"]["name"] += str(fn["name"])
                if fn.get("arguments"):
                    call["function"]["arguments"] += str(fn["arguments"])
            if chunk.get("finish_reason"):
                choice["finish_reason"] = chunk["finish_reason"]
            logprobs = chunk.get("logprobs")
            if isinstance(logprobs, dict) and isinstance(logprobs.get("content"), list):
                choice.setdefault("logprobs", {"content": []})["content"].extend(
                    logprobs["content"]
                )
    for i, by_index in calls.items():
        choices[i]["message"]["tool_calls"] = [by_index[k] for k in sorted(by_index)]
    response["choices"] = [choices[i] for i in sorted(choices)]
    return response


def _index(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _responses_stream(payloads: list[JsonDict]) -> JsonDict | None:
    """The last response object the events carry; when it has no output (the stream stopped
    early, or the final event was not logged) the output items are rebuilt from the events."""
    response: JsonDict | None = None
    items: dict[int, JsonDict] = {}
    for p in payloads:
        kind = p.get("type")
        if isinstance(p.get("response"), dict):
            response = dict(p["response"])
        index = _index(p.get("output_index"))
        if kind in ("response.output_item.added", "response.output_item.done") and isinstance(
            p.get("item"), dict
        ):
            items[index] = dict(p["item"])
        elif kind == "response.output_text.delta":
            item = items.setdefault(index, {"type": "message", "role": "assistant", "content": []})
            parts = item.setdefault("content", [])
            part_index = _index(p.get("content_index"))
            while len(parts) <= part_index:
                parts.append({"type": "output_text", "text": ""})
            parts[part_index]["text"] = str(parts[part_index].get("text") or "") + str(
                p.get("delta") or ""
            )
        elif kind == "response.function_call_arguments.delta":
            item = items.setdefault(index, {"type": "function_call", "arguments": ""})
            item["arguments"] = str(item.get("arguments") or "") + str(p.get("delta") or "")
        elif kind == "response.function_call_arguments.done" and isinstance(
            p.get("arguments"), str
        ):
            items.setdefault(index, {"type": "function_call"})["arguments"] = p["arguments"]
    if response is not None and not response.get("output") and items:
        response["output"] = [items[i] for i in sorted(items)]
    return response


def response_error(response: Any) -> JsonDict | None:
    """An error the response object itself reports (Responses ``status: "failed"``)."""
    if isinstance(response, dict) and response.get("status") == "failed":
        err = response.get("error")
        return err if isinstance(err, dict) else {"message": "the response failed"}
    return None


def parse_json_text(text: str, partial: bool) -> Any:
    """JSON text; with ``partial`` as much of it as there is, else ValueError when invalid."""
    if partial:
        try:
            return json.loads(text)
        except ValueError:
            return partial_json(text)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValueError(f"body is not valid JSON ({exc})") from None
