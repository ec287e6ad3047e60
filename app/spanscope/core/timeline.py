"""What a trace's timeline shows besides the bars: each span's self time, the gaps where no
span under the root was running, the critical path, and the ticks of the time ruler.

Plain functions over node numbers (parent links, start and end in nanoseconds), linear or
``n log n`` in the number of spans, computed in the worker that arranges the tree so a
10,000-span trace costs the UI thread nothing.

The critical path is the chain of spans that set the trace's duration, as Jaeger defines it:
from the end of a span, walk back through its children by end time, taking the one that
finished last before the point reached, then continuing from that child's start. A span that
ran alongside one on the path, and finished earlier, did not make the trace any longer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

NS_PER = {"ns": 1, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
MINUTE = 60 * 1_000_000_000
HOUR = 60 * MINUTE


@dataclass(frozen=True)
class Gap:
    """A stretch of the trace (nanoseconds from its start) where no span was running."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass
class TraceTimeline:
    """Per-node self time and critical-path membership, and the trace's idle gaps."""

    self_ns: list[int] = field(default_factory=list)
    critical: list[bool] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)


def _interval(start: int | None, end: int | None) -> tuple[int, int] | None:
    if start is None:
        return None
    return start, max(end if end is not None else start, start)


def union_length(intervals: list[tuple[int, int]], lo: int, hi: int) -> int:
    """How much of [lo, hi] the intervals cover together."""
    total, reach = 0, lo
    for start, end in sorted(intervals):
        start, end = max(start, reach), min(end, hi)
        if end > start:
            total += end - start
            reach = end
    return total


def self_times(
    starts: Sequence[int | None], ends: Sequence[int | None], children: Sequence[Sequence[int]]
) -> list[int]:
    """Each span's duration less the time at least one of its children was running."""
    out = []
    for node in range(len(starts)):
        own = _interval(starts[node], ends[node])
        if own is None:
            out.append(0)
            continue
        kids = [i for c in children[node] if (i := _interval(starts[c], ends[c])) is not None]
        out.append(own[1] - own[0] - union_length(kids, *own))
    return out


def idle_gaps(
    starts: Sequence[int | None],
    ends: Sequence[int | None],
    origin: int,
    finish: int,
    min_ns: int = 1,
) -> list[Gap]:
    """Stretches of [origin, finish] where none of the spans ran, at least ``min_ns`` long,
    as offsets from ``origin`` (the trace's start)."""
    spans = sorted(i for s, e in zip(starts, ends, strict=True) if (i := _interval(s, e)))
    gaps: list[Gap] = []
    if not spans:
        return gaps
    reach = origin
    for start, end in [*spans, (finish, finish)]:
        if start - reach >= min_ns:
            gaps.append(Gap(reach - origin, start - origin))
        reach = max(reach, end)
    return gaps


def critical_path(
    starts: Sequence[int | None],
    ends: Sequence[int | None],
    children: Sequence[Sequence[int]],
    roots: Sequence[int],
) -> list[bool]:
    """Which spans are on the critical path (see the module docstring). Iterative, so a
    deeply nested trace cannot exhaust the stack; each child list is sorted once."""
    n = len(starts)
    on = [False] * n

    def end_of(node: int) -> int:
        return ends[node] if ends[node] is not None else (starts[node] or 0)  # type: ignore[return-value]

    def start_of(node: int) -> int:
        return starts[node] if starts[node] is not None else end_of(node)  # type: ignore[return-value]

    # (candidates ordered by end, latest first; their parent's end; the point reached)
    timed_roots = [r for r in roots if starts[r] is not None or ends[r] is not None]
    if not timed_roots:
        return on
    trace_end = max(end_of(r) for r in timed_roots)
    stack: list[tuple[list[int], int]] = [
        (sorted(timed_roots, key=end_of, reverse=True), trace_end)
    ]
    while stack:
        candidates, parent_end = stack.pop()
        reached = parent_end
        for node in candidates:
            finished = min(end_of(node), parent_end)  # a child outliving its parent is cut
            if finished > reached or start_of(node) >= reached:
                continue  # ran alongside the span already on the path, not before it
            on[node] = True
            if children[node]:
                stack.append((sorted(children[node], key=end_of, reverse=True), finished))
            reached = start_of(node)
    return on


def nice_step(span_ns: int, max_ticks: int) -> int:
    """A tick step of 1, 2 or 5 times a power of ten nanoseconds (or whole seconds, minutes,
    hours above a minute) giving at most ``max_ticks`` ticks over ``span_ns``."""
    span_ns = max(span_ns, 1)
    max_ticks = max(max_ticks, 1)
    raw = span_ns / max_ticks
    if raw > 30 * 1_000_000_000:  # minutes and hours read better as 1, 2, 5, 10, 15, 30
        for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1440):
            if step * MINUTE >= raw:
                return step * MINUTE
        days = 1  # then whole days, 1, 2, 5 × 10ⁿ: a trace spanning years still gets few ticks
        while True:
            for m in (1, 2, 5):
                if days * m * 1440 * MINUTE >= raw:
                    return days * m * 1440 * MINUTE
            days *= 10
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= raw:
                return step * m
        step *= 10


def unit_for(extent_ns: int) -> str:
    """The largest unit not bigger than ``extent_ns``: a 1.5 ms range reads in ms."""
    for unit in ("s", "ms", "µs"):
        if extent_ns >= NS_PER[unit]:
            return unit
    return "ns"


def tick_label(offset_ns: int, step_ns: int, unit: str | None = None) -> str:
    """A ruler label for ``offset_ns``: in ``unit`` (by default the step's own) with as many
    decimals as the step needs ("0.2 ms", "1.5 s"); minutes and hours above a one-minute step
    ("2 min 30 s", "1 h 30 min")."""
    if offset_ns == 0:
        return "0"
    if step_ns >= MINUTE:
        minutes, rest = divmod(offset_ns, MINUTE)
        if minutes >= 60:
            hours, minutes = divmod(minutes, 60)
            if step_ns >= 1440 * MINUTE:
                return f"{hours // 24:,} d"
            return f"{hours} h {minutes} min" if minutes else f"{hours} h"
        seconds = rest // 1_000_000_000
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    unit = unit or unit_for(step_ns)
    size = NS_PER[unit]
    decimals = 0
    while decimals < 6 and abs(round(step_ns / size, decimals) - step_ns / size) > 1e-9:
        decimals += 1
    return f"{offset_ns / size:.{decimals}f} {unit}"


def ticks(lo_ns: int, hi_ns: int, max_ticks: int) -> list[tuple[int, str]]:
    """Ruler ticks (offset from the trace start, label) between ``lo_ns`` and ``hi_ns``,
    labelled in one unit chosen by the range's far end."""
    step = nice_step(hi_ns - lo_ns, max_ticks)
    unit = unit_for(max(hi_ns, step))
    first = -(-lo_ns // step) * step
    return [(t, tick_label(t, step, unit)) for t in range(first, hi_ns + 1, step)]


def build_timeline(
    starts: Sequence[int | None],
    ends: Sequence[int | None],
    children: Sequence[Sequence[int]],
    roots: Sequence[int],
    origin: int,
) -> TraceTimeline:
    """Everything the timeline needs beyond the spans themselves, for one trace."""
    extent = max((e for e in ends if e is not None), default=origin) - origin
    # Idle means only the root was open: it covers the whole trace, so gaps are looked for
    # between the spans under it.
    root_set = set(roots)
    leaves = [n for n in range(len(starts)) if n not in root_set]
    return TraceTimeline(
        self_ns=self_times(starts, ends, children),
        critical=critical_path(starts, ends, children, roots),
        # gaps under 0.2% of the trace would be a hair's width: not worth a mark
        gaps=idle_gaps(
            [starts[n] for n in leaves],
            [ends[n] for n in leaves],
            origin,
            origin + extent,
            max(1, extent // 500),
        )
        if leaves  # a lone root has nothing to wait for
        else [],
    )
