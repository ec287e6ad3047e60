"""Aligning two span trees on hand-made trees: insert, delete, retry, reorder, depth."""

from __future__ import annotations

from typing import Any

from spanscope.core.tree_align import DP_CELLS, align_sequences, align_trees


def sp(
    span_id: str,
    parent: str | None,
    kind: str,
    name: str,
    t: int,
    *,
    tool: str | None = None,
    status: str = "ok",
) -> dict[str, Any]:
    return {
        "span_id": span_id,
        "parent_span_id": parent,
        "kind": kind,
        "name": name,
        "tool_name": tool,
        "status": status,
        "start_ns": t,
        "end_ns": t + 1,
    }


def llm(span_id: str, t: int, parent: str = "root") -> dict[str, Any]:
    return sp(span_id, parent, "llm", "chat gpt-4o", t)


def tool(
    span_id: str, t: int, name: str = "search", parent: str = "root", **kw: Any
) -> dict[str, Any]:
    return sp(span_id, parent, "tool", f"execute_tool {name}", t, tool=name, **kw)


ROOT = sp("root", None, "agent", "invoke_agent support", 0)


def lines(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[str]:
    """The merged tree as 'depth a b' lines (span ids, '-' where a side has none)."""
    alignment = align_trees(a, b)
    out = []
    for row in alignment.rows:
        left = a[row.a]["span_id"] if row.a is not None else "-"
        right = b[row.b]["span_id"] if row.b is not None else "-"
        out.append(f"{row.depth} {left} {right}" + (" moved" if row.moved else ""))
    return out


def test_identical_trees_pair_every_span() -> None:
    spans = [ROOT, llm("l1", 1), tool("t1", 2), llm("l2", 3)]
    assert lines(spans, spans) == ["0 root root", "1 l1 l1", "1 t1 t1", "1 l2 l2"]


def test_an_extra_llm_step_is_an_insertion_not_a_shift() -> None:
    a = [ROOT, llm("l1", 1), tool("t1", 2), llm("l2", 3)]
    b = [ROOT, llm("x1", 1), llm("x9", 2), tool("x2", 3), llm("x3", 4)]
    result = lines(a, b)
    assert "1 t1 x2" in result and "1 l2 x3" in result
    assert sum(1 for line in result if line.startswith("1 -")) == 1


def test_a_deleted_step_shows_as_removed_in_place() -> None:
    a = [ROOT, llm("l1", 1), tool("t1", 2), tool("f1", 3, "fetch"), llm("l2", 4)]
    b = [ROOT, llm("l1", 1), tool("t1", 2), llm("l2", 3)]
    assert lines(a, b) == ["0 root root", "1 l1 l1", "1 t1 t1", "1 f1 -", "1 l2 l2"]


def test_a_retried_tool_call_pairs_the_successful_attempts() -> None:
    a = [ROOT, llm("l1", 1), tool("t1", 2), llm("l2", 3)]
    b = [ROOT, llm("l1", 1), tool("bad", 2, status="error"), tool("t1", 3), llm("l2", 4)]
    assert lines(a, b) == ["0 root root", "1 l1 l1", "1 - bad", "1 t1 t1", "1 l2 l2"]


def test_a_replaced_step_reads_removed_then_added() -> None:
    a = [ROOT, llm("l1", 1), tool("s", 2, "search"), llm("l2", 3)]
    b = [ROOT, llm("l1", 1), tool("f", 2, "fetch"), llm("l2", 3)]
    assert lines(a, b) == ["0 root root", "1 l1 l1", "1 s -", "1 - f", "1 l2 l2"]


def test_reordered_steps_are_paired_and_marked_moved() -> None:
    a = [ROOT, tool("s", 1, "search"), tool("f", 2, "fetch"), llm("l", 3)]
    b = [ROOT, tool("f", 1, "fetch"), tool("s", 2, "search"), llm("l", 3)]
    result = lines(a, b)
    assert "1 s s moved" in result or "1 f f moved" in result
    assert {line.split()[1] for line in result} == {"root", "s", "f", "l"}  # nothing unpaired


def test_a_step_wrapped_one_level_deeper_is_paired() -> None:
    a = [ROOT, llm("l1", 1), tool("t1", 2), llm("l2", 3)]
    b = [
        ROOT,
        llm("l1", 1),
        sp("wrap", "root", "chain", "retry wrapper", 2),
        tool("t1", 2, parent="wrap"),
        llm("l2", 3),
    ]
    assert lines(a, b) == ["0 root root", "1 l1 l1", "1 - wrap", "2 t1 t1 moved", "1 l2 l2"]


def test_children_of_a_removed_span_stay_under_it() -> None:
    a = [ROOT, sp("sub", "root", "agent", "sub-agent", 1), llm("in", 2, parent="sub"), llm("l", 3)]
    b = [ROOT, llm("l", 1)]
    assert lines(a, b) == ["0 root root", "1 sub -", "2 in -", "1 l l"]


def test_a_huge_level_aligns_without_the_quadratic_table() -> None:
    # Two 3,000-child levels, one extra step in the middle: far beyond DP_CELLS.
    count = 3000
    assert count * count > DP_CELLS
    a = [{"kind": "tool", "name": f"t{i % 7}", "tool_name": f"t{i % 7}"} for i in range(count)]
    b = a[:1500] + [{"kind": "llm", "name": "extra"}] + a[1500:]
    b = b[:-1] + [{"kind": "tool", "name": "other", "tool_name": "other"}]
    pairs = align_sequences(a, b)
    assert len(pairs) >= count - 2
    assert all(a[i]["name"] == b[j]["name"] for i, j in pairs)
    assert pairs == sorted(pairs) and len({j for _, j in pairs}) == len(pairs)
