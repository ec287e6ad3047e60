"""Aligning two span trees so that the same steps sit side by side.

Why an ordered alignment per level and not a tree edit distance (``zss``, ``apted``): those
cost O(n²) and more in time and memory, minutes for two 10,000-span traces in Python, and
they still need a hand-made cost per span. Traces are shallow and wide; lining up the children
of each matched pair in order finds what a person means by "the same step" in linear time
for the usual case (stripping the common head and tail), a small dynamic programme where the
children differ, and unique-step anchors when a level is huge.

Spans match when they have the same kind (and, for tools, the same tool); a same name,
model and outcome make a match stronger, so a retried tool call pairs the successful attempts
and shows the failed one as inserted. Afterwards, steps left unmatched under a matched pair are
matched by their signature regardless of level or order: a call that moved under a new wrapper
span, or ran earlier, is paired and marked ``moved`` rather than shown as removed and added.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spanscope.core.tree import Node, Tree, build_tree

DP_CELLS = 40_000  # largest children-by-children table aligned exactly
LOOKAHEAD = 24  # how far the greedy alignment of a huge level looks for the same step
Signature = tuple[Any, ...]


@dataclass
class Row:
    """One row of the merged tree: span ``a`` of the first trace beside span ``b`` of the
    second (indexes into the rows given to :func:`align_trees`; None where a side has none)."""

    a: int | None
    b: int | None
    parent: int = -1
    depth: int = 0
    children: list[int] = field(default_factory=list)
    moved: bool = False  # paired across levels or out of order


@dataclass
class Alignment:
    rows: list[Row]  # pre-order: a row comes before its children
    roots: list[int]

    def pairs(self) -> list[tuple[int | None, int | None]]:
        return [(row.a, row.b) for row in self.rows]


def signature(span: Mapping[str, Any]) -> Signature:
    """What makes two spans "the same step" beyond doubt."""
    return (
        span.get("kind"),
        span.get("name"),
        span.get("tool_name"),
        span.get("status") == "error",
    )


def compatible(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two spans may be paired at all: same kind, and for tools the same tool."""
    if a.get("kind") != b.get("kind"):
        return False
    return a.get("kind") != "tool" or a.get("tool_name") == b.get("tool_name")


def affinity(a: Mapping[str, Any], b: Mapping[str, Any]) -> int:
    """How alike two spans are (0: never pair them)."""
    if not compatible(a, b):
        return 0
    score = 1
    score += 4 if a.get("name") == b.get("name") else 0
    score += 2 if a.get("tool_name") and a.get("tool_name") == b.get("tool_name") else 0
    score += (
        1
        if (a.get("request_model") or a.get("model")) == (b.get("request_model") or b.get("model"))
        else 0
    )
    score += 1 if (a.get("status") == "error") == (b.get("status") == "error") else 0
    return score


# -- aligning two sequences ------------------------------------------------------------------


def align_sequences(
    a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]
) -> list[tuple[int, int]]:
    """Pairs (i, j), increasing in both, that line up ``a`` with ``b``."""
    sig_a, sig_b = [signature(x) for x in a], [signature(x) for x in b]
    pairs: list[tuple[int, int]] = []
    _align(a, b, sig_a, sig_b, 0, len(a), 0, len(b), pairs)
    pairs.sort()
    return pairs


def _align(
    a: Sequence[Mapping[str, Any]],
    b: Sequence[Mapping[str, Any]],
    sig_a: list[Signature],
    sig_b: list[Signature],
    i1: int,
    i2: int,
    j1: int,
    j2: int,
    out: list[tuple[int, int]],
) -> None:
    # The same steps at the start and at the end: by far the most common case.
    while i1 < i2 and j1 < j2 and sig_a[i1] == sig_b[j1]:
        out.append((i1, j1))
        i1, j1 = i1 + 1, j1 + 1
    while i1 < i2 and j1 < j2 and sig_a[i2 - 1] == sig_b[j2 - 1]:
        i2, j2 = i2 - 1, j2 - 1
        out.append((i2, j2))
    if i1 == i2 or j1 == j2:
        return
    if (i2 - i1) * (j2 - j1) <= DP_CELLS:
        out.extend(_best_alignment(a, b, i1, i2, j1, j2))
        return
    anchors = _unique_anchors(sig_a, sig_b, i1, i2, j1, j2)
    if not anchors:
        out.extend(_greedy(a, b, sig_a, sig_b, i1, i2, j1, j2))
        return
    previous = (i1 - 1, j1 - 1)
    for anchor in [*anchors, (i2, j2)]:
        _align(a, b, sig_a, sig_b, previous[0] + 1, anchor[0], previous[1] + 1, anchor[1], out)
        if anchor != (i2, j2):
            out.append(anchor)
        previous = anchor


def _best_alignment(
    a: Sequence[Mapping[str, Any]],
    b: Sequence[Mapping[str, Any]],
    i1: int,
    i2: int,
    j1: int,
    j2: int,
) -> list[tuple[int, int]]:
    """The order-preserving pairing with the highest total affinity (a weighted LCS)."""
    n, m = i2 - i1, j2 - j1
    score = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = score[i], score[i + 1]
        left = a[i1 + i]
        for j in range(m - 1, -1, -1):
            best = below[j] if below[j] > row[j + 1] else row[j + 1]
            gain = affinity(left, b[j1 + j])
            if gain and gain + below[j + 1] > best:
                best = gain + below[j + 1]
            row[j] = best
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        gain = affinity(a[i1 + i], b[j1 + j])
        if gain and score[i][j] == gain + score[i + 1][j + 1]:
            pairs.append((i1 + i, j1 + j))
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _unique_anchors(
    sig_a: list[Signature], sig_b: list[Signature], i1: int, i2: int, j1: int, j2: int
) -> list[tuple[int, int]]:
    """Steps that occur once on each side, kept in an order both sides agree on (the
    anchors of a patience diff)."""
    where_a: dict[Signature, list[int]] = defaultdict(list)
    where_b: dict[Signature, list[int]] = defaultdict(list)
    for i in range(i1, i2):
        where_a[sig_a[i]].append(i)
    for j in range(j1, j2):
        where_b[sig_b[j]].append(j)
    candidates = sorted(
        (found[0], where_b[sig][0])
        for sig, found in where_a.items()
        if len(found) == 1 and len(where_b.get(sig, ())) == 1
    )
    return _longest_increasing(candidates)


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    tails: list[int] = []  # smallest j ending an increasing run of each length
    ends: list[int] = []  # index in pairs of that run's end
    back = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        at = bisect_left(tails, j)
        if at == len(tails):
            tails.append(j)
            ends.append(k)
        else:
            tails[at], ends[at] = j, k
        back[k] = ends[at - 1] if at else -1
    run: list[tuple[int, int]] = []
    k = ends[-1] if ends else -1
    while k >= 0:
        run.append(pairs[k])
        k = back[k]
    return run[::-1]


def _greedy(
    a: Sequence[Mapping[str, Any]],
    b: Sequence[Mapping[str, Any]],
    sig_a: list[Signature],
    sig_b: list[Signature],
    i1: int,
    i2: int,
    j1: int,
    j2: int,
) -> list[tuple[int, int]]:
    """A linear-time pairing for huge levels without anchors: walk both, pair alike steps,
    and look a little ahead for the same step when they disagree."""
    pairs: list[tuple[int, int]] = []
    i, j = i1, j1
    while i < i2 and j < j2:
        if sig_a[i] == sig_b[j] or (compatible(a[i], b[j]) and affinity(a[i], b[j]) >= 5):
            pairs.append((i, j))
            i, j = i + 1, j + 1
            continue
        ahead_b = next((k for k in range(j + 1, min(j2, j + LOOKAHEAD)) if sig_b[k] == sig_a[i]), 0)
        ahead_a = next((k for k in range(i + 1, min(i2, i + LOOKAHEAD)) if sig_a[k] == sig_b[j]), 0)
        if ahead_b and (not ahead_a or ahead_b - j <= ahead_a - i):
            j = ahead_b
        elif ahead_a:
            i = ahead_a
        else:
            i, j = i + 1, j + 1
    return pairs


# -- aligning two trees ----------------------------------------------------------------------


def align_trees(
    spans_a: Sequence[Mapping[str, Any]],
    spans_b: Sequence[Mapping[str, Any]],
    progress: Callable[[float], None] | None = None,
) -> Alignment:
    """The merged tree of two traces' spans (dicts with span_id, parent_span_id, start_ns,
    kind, name, tool_name, model, status). Spans sharing an id with an earlier one are
    ignored, as in the span tree."""
    tree_a, tree_b = build_tree([dict(s) for s in spans_a]), build_tree([dict(s) for s in spans_b])
    index_a = {str(s["span_id"]): i for i, s in reversed(list(enumerate(spans_a)))}
    index_b = {str(s["span_id"]): i for i, s in reversed(list(enumerate(spans_b)))}
    order_a = {id(node): k for k, node in enumerate(tree_a.walk())}
    match: dict[int, Node] = {}  # id(node in A) -> its node in B
    matched_b: set[int] = set()
    anchors: list[tuple[Node | None, Node | None]] = [(None, None)]
    work: list[tuple[list[Node], list[Node]]] = [(tree_a.roots, tree_b.roots)]
    total, done = max(len(tree_a.by_id), 1), 0
    while work:
        kids_a, kids_b = work.pop()
        for i, j in align_sequences([n.span for n in kids_a], [n.span for n in kids_b]):
            left, right = kids_a[i], kids_b[j]
            match[id(left)] = right
            matched_b.add(id(right))
            anchors.append((left, right))
            work.append((left.children, right.children))
        done += len(kids_a)
        if progress is not None:
            progress(min(done / total, 1.0))
    moved = _match_leftovers(anchors, match, matched_b, tree_a.roots, tree_b.roots)
    return _merge(tree_a, tree_b, match, moved, order_a, index_a, index_b)


def _unmatched_below(
    parent: Node | None, roots: list[Node], is_matched: Callable[[Node], bool]
) -> list[Node]:
    """Unmatched spans under ``parent`` (or among the roots) not below a matched span."""
    found: list[Node] = []
    stack = list(reversed(parent.children if parent is not None else roots))
    while stack:
        node = stack.pop()
        if is_matched(node):
            continue
        found.append(node)
        stack.extend(reversed(node.children))
    return found


def _match_leftovers(
    anchors: list[tuple[Node | None, Node | None]],
    match: dict[int, Node],
    matched_b: set[int],
    roots_a: list[Node],
    roots_b: list[Node],
) -> set[int]:
    """Pair the same steps left over under each matched pair, whatever their level or
    order; returns the ids of A nodes so paired (shown as moved)."""
    moved: set[int] = set()
    for left, right in anchors:
        rest_a = _unmatched_below(left, roots_a, lambda n: id(n) in match)
        if not rest_a:
            continue
        rest_b = _unmatched_below(right, roots_b, lambda n: id(n) in matched_b)
        if not rest_b:
            continue
        waiting: dict[Signature, list[Node]] = defaultdict(list)
        for node in reversed(rest_b):
            waiting[signature(node.span)].append(node)
        for node in rest_a:
            queue = waiting.get(signature(node.span))
            if queue:
                partner = queue.pop()
                match[id(node)] = partner
                matched_b.add(id(partner))
                moved.add(id(node))
    return moved


def _merge(
    tree_a: Tree,
    tree_b: Tree,
    match: dict[int, Node],
    moved: set[int],
    order_a: dict[int, int],
    index_a: dict[str, int],
    index_b: dict[str, int],
) -> Alignment:
    """The merged tree: the second trace's structure, with spans only the first trace has
    slotted in where they ran relative to their paired siblings."""
    rows: list[Row] = []
    row_of_b: dict[int, int] = {}
    row_of_a: dict[int, int] = {}
    for node in tree_b.walk():
        row_of_b[id(node)] = len(rows)
        rows.append(Row(None, index_b[str(node.span["span_id"])]))
    for node in tree_a.walk():
        partner = match.get(id(node))
        if partner is None:
            row_of_a[id(node)] = len(rows)
            rows.append(Row(index_a[str(node.span["span_id"])], None))
        else:
            row = row_of_b[id(partner)]
            rows[row].a = index_a[str(node.span["span_id"])]
            rows[row].moved = id(node) in moved
            row_of_a[id(node)] = row
    # Children in the second trace's order first, then the first trace's leftovers.
    top: list[int] = []
    kids: dict[int, list[int]] = defaultdict(list)
    for node in tree_b.walk():
        row = row_of_b[id(node)]
        parent = node.parent
        (kids[row_of_b[id(parent)]] if parent is not None else top).append(row)
    a_order: dict[int, int] = {}
    for node in tree_a.walk():
        a_order[row_of_a[id(node)]] = order_a[id(node)]
    leftovers: dict[int, list[int]] = defaultdict(list)
    for node in tree_a.walk():
        if id(node) in match:
            continue
        parent = node.parent
        leftovers[row_of_a[id(parent)] if parent is not None else -1].append(row_of_a[id(node)])
    for parent_row, removed in leftovers.items():
        siblings = top if parent_row == -1 else kids[parent_row]
        _slot_in(siblings, removed, rows, a_order)
    roots = top
    ordered: list[Row] = []
    renumber: dict[int, int] = {}
    stack = [(r, -1, 0) for r in reversed(roots)]
    while stack:
        at, up, depth = stack.pop()
        renumber[at] = len(ordered)
        rows[at].parent, rows[at].depth = up, depth
        ordered.append(rows[at])
        stack.extend((child, renumber[at], depth + 1) for child in reversed(kids.get(at, [])))
    for entry in ordered:
        entry.children = []
    for position, entry in enumerate(ordered):
        if entry.parent >= 0:
            ordered[entry.parent].children.append(position)
    return Alignment(ordered, [renumber[r] for r in roots])


def _slot_in(
    siblings: list[int], removed: list[int], rows: list[Row], a_order: dict[int, int]
) -> None:
    """Insert rows only the first trace has after the sibling that ran before them there
    (before any step only the second trace has at that point: a replaced step reads as
    "removed, then added")."""
    seen, reach = -1, []
    for row in siblings:
        if rows[row].a is not None:
            seen = max(seen, a_order.get(row, -1))
        reach.append(seen)
    placed: dict[int, list[int]] = defaultdict(list)
    for row in removed:
        at = bisect_left(reach, a_order[row])
        while at > 0 and rows[siblings[at - 1]].a is None:
            at -= 1
        placed[at].append(row)
    merged: list[int] = []
    for at in range(len(siblings) + 1):
        merged.extend(placed.get(at, []))
        if at < len(siblings):
            merged.append(siblings[at])
    siblings[:] = merged
