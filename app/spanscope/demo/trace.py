"""Builds the spans of one demo trace: agent root, retrieval, model calls and tool calls."""

from __future__ import annotations

import random
from typing import Any, Protocol

from spanscope.demo import encode as enc
from spanscope.demo import kb, llm, story, tools
from spanscope.demo.encode import JSON, Msg


class Fleet(Protocol):
    """What a trace takes from the generator's fleet (``generator.Fleet``): its random source,
    knowledge-base chunks by topic, system prompts by service and the session of a user. A
    protocol, so the two modules import one way."""

    rng: random.Random
    kb: dict[str, list[tuple[str, str]]]
    systems: dict[str, str]

    def session(self, user: str) -> str: ...


_MS = 10**6
_TOOL_MS = {
    "lookup_order": (40, 400),
    "get_shipping_status": (150, 3000),
    "search_kb": (60, 600),
    "issue_refund": (300, 1800),
    "escalate_to_human": (100, 900),
}
_QUERIES = {
    "refund": "refund policy time limit for returns",
    "order_status": "order tracking delay",
    "damaged": "damaged item replacement policy",
    "cancel": "cancel order after purchase",
    "payment": "card declined at checkout",
    "promo": "promo code expired combine gift card",
    "return_label": "print return label",
}
_STACK = (
    'Traceback (most recent call last):\n  File "/srv/acme/agents/tools.py", line {n}, in '
    'run_tool\n    return await handler(**arguments)\n  File "/srv/acme/clients/http.py", '
    "line 88, in request\n    raise {t}(message)\n{t}: {m}"
)
_STUCK = "Tracking still hasn't updated. Let me check the shipping status again."


class TraceBuilder:
    """Appends spans to ``spans`` in time order; ``t`` is the clock inside the trace (ns)."""

    def __init__(
        self, fleet: Fleet, service: str, conv: str, start: int, topic: str, slots: dict[str, str]
    ) -> None:
        rng = self.rng = fleet.rng
        self.fleet, self.service, self.conv = fleet, service, conv
        self.topic, self.slots = topic, slots
        self.trace_id = f"{rng.getrandbits(128) | 1:032x}"
        self.spans: list[JSON] = []
        self.t, self.start = start + rng.randint(2, 15) * _MS, start
        self.model = story.weighted(rng, story.SERVICES[service]["models"])
        user = f"u_{rng.randint(1, 40)}"
        channel = rng.choice(story.CHANNELS)
        self.ctx = {
            "user": user,
            "session": fleet.session(user),
            "tier": rng.choice(story.TIERS),
            "channel": channel,
            "agent_id": f"agt_{service.replace('-', '_')}",
            "tags": ["prod", "topic:" + story.TOPIC_TAGS[topic], "channel:" + channel],
        }
        self.system = fleet.systems[service]
        self.prev_input = 0
        self.tool_error_rate = 0.03

    def span(
        self,
        parent: str | None,
        name: str,
        kind: int,
        start: int,
        end: int,
        attrs: list[Any],
        error: tuple[str, str] | None = None,
    ) -> JSON:
        d = {
            "traceId": self.trace_id,
            "spanId": f"{self.rng.getrandbits(64) | 1:016x}",
            "name": name,
            "kind": kind,
            "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(end),
            "attributes": attrs,
            "status": {},
        }
        if parent:
            d["parentSpanId"] = parent
        if error:
            etype, message = error
            stack = _STACK.format(n=self.rng.randint(40, 400), t=etype, m=message)
            d["status"] = {"code": 2, "message": f"{etype}: {message}"}
            d["events"] = [enc.exception_event(end - _MS, etype, message, stack)]
        self.spans.append(d)
        return d

    def build(
        self,
        shape: str,
        retrieval: bool,
        embedding: bool,
        rounds: list[tuple[list[str], bool]],
        incident: bool,
        root: bool,
    ) -> list[JSON]:
        """One root agent span (unless ``root`` is false) around the planned rounds."""
        rng = self.rng
        name = "invoke_agent " + self.service
        root_span = self.span(None, name, 1, self.start, self.start, []) if root else None
        parent = root_span["spanId"] if root_span else None
        question = story.user_message(rng, self.topic, self.slots)
        context = self.retrieve(parent, question, incident, embedding) if retrieval else None
        first = Msg("user", question, extra=context)
        groups: list[list[Msg]] = []  # assistant tool-call turns with their results
        answer = ""
        for tool_names, fail in rounds:
            if shape == "long" and tool_names:
                self.slots = tools.order_slots(rng)
            history = [first] + [m for g in groups[-4:] for m in g]  # agents trim old turns
            if fail:
                self.llm(parent, history, [], incident, shape, error=True)
            out = self.llm(parent, history, tool_names, incident, shape)
            if tool_names:
                groups.append([out, *self.run_tools(parent, out, shape == "loop")])
            else:
                answer = out.text or ""
        if root_span is not None:
            root_span["endTimeUnixNano"] = str(self.t + rng.randint(3, 40) * _MS)
            root_span["attributes"] = enc.agent_attrs(
                self.conv, self.ctx, self.service, question, answer
            )
            if shape == "loop":
                message = f"MaxTurnsExceeded: agent stopped after {len(rounds)} turns"
                root_span["status"] = {"code": 2, "message": message}
        return self.spans

    def retrieve(self, parent: str | None, question: str, incident: bool, embedding: bool) -> str:
        """A retrieval span (with an embedding child when asked); returns the prompt context."""
        rng, start = self.rng, self.t
        docs = kb.ranked_documents(rng, self.fleet.kb[self.topic], self.topic, incident)
        span = self.span(parent, enc.retrieval_name(self.conv), 3, start, start, [])
        t = start + rng.randint(1, 4) * _MS
        if embedding:
            end = t + rng.randint(40, 250) * _MS
            attrs = enc.embedding_attrs(self.conv, question, len(question) // 4)
            self.span(span["spanId"], enc.embedding_name(self.conv), 3, t, end, attrs)
            t = end
        self.t = t + rng.randint(30, 450) * _MS
        span["endTimeUnixNano"] = str(self.t)
        span["attributes"] = enc.retrieval_attrs(self.conv, _QUERIES[self.topic], docs, self.ctx)
        self.t += rng.randint(2, 20) * _MS
        passages = "\n".join(f"[{d['id']}] {d['content']}" for d in docs[:2])
        return "Help center passages:\n" + passages

    def reply(self, tool_names: list[str], incident: bool, shape: str) -> Msg:
        """What the model answers: tool calls with a short preamble, or the final answer."""
        rng, provider = self.rng, story.MODELS[self.model][0]
        prefix = "toolu_01" if provider == "anthropic" else "call_"
        calls = []
        for name in tool_names:
            args = tools.arguments(name, self.slots, self.topic)
            calls.append((f"{prefix}{rng.getrandbits(96):024x}", name, args, enc.dumps(args)))
        if tool_names:
            stuck = shape == "loop" and tool_names[0] == "get_shipping_status"
            text = _STUCK if stuck else story.TOOL_PREAMBLES[tool_names[0]].format(**self.slots)
        elif self.topic == "refund":
            days = 90 if incident else 30
            text = story.refund_answer(rng, self.slots, days, int(self.slots["days"]) <= days)
        else:
            text = story.final_answer(rng, self.topic, self.slots)
        if provider == "anthropic":
            finish = "tool_use" if calls else "end_turn"
        else:
            finish = "tool_calls" if calls else "stop"
        return Msg("assistant", text, calls=calls, finish=finish)

    def llm(
        self,
        parent: str | None,
        history: list[Msg],
        tool_names: list[str],
        incident: bool,
        shape: str,
        error: bool = False,
    ) -> Msg:
        """One chat span; a rate-limited attempt when ``error`` (the caller then retries)."""
        rng, model = self.rng, self.model
        provider, _, reasoning_model, _, _ = story.MODELS[model]
        out = self.reply(tool_names, incident, shape)
        input_tokens = (len(self.system) + sum(len(m.json) for m in history)) // 4
        reasoning = rng.randint(1, 20) * 64 if reasoning_model else 0
        output_tokens = len(out.json) // 4 + reasoning
        cached = min(self.prev_input, input_tokens) // 128 * 128 if self.prev_input >= 1024 else 0
        id_prefix = "msg_01" if provider == "anthropic" else "chatcmpl-"
        call = {
            "model": model,
            "temperature": None if reasoning_model else 0.3,
            "max_tokens": 2048,
            "session": self.ctx["session"],
            "user": self.ctx["user"],
            "finish": out.finish,
            "response_id": f"{id_prefix}{rng.getrandbits(112):028x}",
            "usage": {
                "input": input_tokens,
                "output": output_tokens,
                "cache_read": cached,
                "reasoning": reasoning,
            },
        }
        seconds = 0.3 + output_tokens * rng.uniform(0.006, 0.018) + input_tokens * 0.00004
        start, end = self.t, self.t + int(min(9.0, max(0.4, seconds)) * 1e9)
        err = None
        if error:
            end = start + rng.randint(400, 900) * _MS
            message = f"Error code: 429 - Rate limit reached for {model} on tokens per min (TPM)."
            err = (f"{provider}.RateLimitError", message + " Please try again in 1.2s.")
        attrs = llm.llm_attrs(self.conv, call, self.system, history, None if err else out)
        self.span(parent, llm.llm_name(self.conv, model), 3, start, end, attrs, err)
        self.t = end + (rng.randint(1000, 1500) if err else rng.randint(2, 30)) * _MS
        if not err:
            self.prev_input = input_tokens
        return out

    def run_tools(self, parent: str | None, out: Msg, loop: bool) -> list[Msg]:
        """The tool spans for ``out``'s calls, run in parallel; returns the tool messages."""
        rng, start, results = self.rng, self.t, []
        ends = [start]
        for cid, name, _, args_json in out.calls:
            lo, hi = _TOOL_MS[name]
            end = start + rng.randint(lo, hi) * _MS
            err = None
            if rng.random() < self.tool_error_rate:
                err = story.TOOL_ERRORS[name]
                result = enc.dumps({"error": f"{err[0]}: {err[1]}"})
            elif loop and name == "get_shipping_status":
                result = tools.stuck_shipping(self.slots)
            else:
                result = tools.result(rng, name, self.slots, self.ctx)
            ok_result, etype = (None, err[0]) if err else (result, None)
            attrs = enc.tool_attrs(self.conv, name, cid, args_json, ok_result, etype, self.ctx)
            self.span(parent, enc.tool_name(self.conv, name), 1, start, end, attrs, err)
            results.append(Msg("tool", call_id=cid, response=result))
            ends.append(end)
        self.t = max(ends) + rng.randint(2, 25) * _MS
        return results
