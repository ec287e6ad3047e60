"""Span trees from flat rows: nesting, order, orphans, cycles, duplicates, depth."""

from __future__ import annotations

from typing import Any

from spanscope.core.tree import Node, Tree, build_tree


def s(
    span_id: str, parent: str | None = None, start: int | None = 0, **extra: Any
) -> dict[str, Any]:
    return {"span_id": span_id, "parent_span_id": parent, "start_ns": start, **extra}


def shape(tree: Tree) -> list[tuple[int, str]]:
    """(depth, span_id) in walk order."""
    return [(n.depth, n.span["span_id"]) for n in tree.walk()]


def ids(nodes: list[Node]) -> list[str]:
    return [n.span["span_id"] for n in nodes]


def test_nesting_and_start_order() -> None:
    # Given out of order on purpose.
    spans = [
        s("c2", "b", 30),
        s("b", "a", 10),
        s("a", None, 0),
        s("c1", "b", 20),
        s("d", "a", 5),
        s("e", "a", 50),
    ]
    tree = build_tree(spans)
    assert ids(tree.roots) == ["a"]
    a = tree.by_id["a"]
    assert ids(a.children) == ["d", "b", "e"]
    assert ids(tree.by_id["b"].children) == ["c1", "c2"]
    assert tree.by_id["c1"].parent is tree.by_id["b"]
    assert tree.by_id["a"].parent is None
    assert shape(tree) == [(0, "a"), (1, "d"), (1, "b"), (2, "c1"), (2, "c2"), (1, "e")]
    assert not any(n.orphan or n.cycle for n in tree.walk())


def test_roots_in_start_order_and_missing_start_last() -> None:
    tree = build_tree([s("late", None, 100), s("nostart", None, None), s("early", None, 1)])
    assert ids(tree.roots) == ["early", "late", "nostart"]


def test_equal_starts_order_by_span_id() -> None:
    tree = build_tree([s("r"), s("z", "r", 5), s("m", "r", 5), s("a", "r", 5)])
    assert ids(tree.by_id["r"].children) == ["a", "m", "z"]


def test_orphan_becomes_root_flagged() -> None:
    tree = build_tree([s("root", None, 0), s("lost", "not-here", 5), s("child", "lost", 6)])
    assert ids(tree.roots) == ["root", "lost"]
    lost = tree.by_id["lost"]
    assert lost.orphan and not lost.cycle and lost.depth == 0
    assert ids(lost.children) == ["child"]
    assert tree.by_id["child"].depth == 1 and not tree.by_id["child"].orphan
    assert not tree.by_id["root"].orphan


def test_empty_parent_id_is_a_root() -> None:
    tree = build_tree([s("a", "", 0)])
    assert ids(tree.roots) == ["a"]
    assert not tree.roots[0].orphan


def test_self_parent_becomes_root() -> None:
    tree = build_tree([s("self", "self", 0), s("kid", "self", 1)])
    assert ids(tree.roots) == ["self"]
    node = tree.by_id["self"]
    assert node.parent is None and not node.orphan
    assert ids(node.children) == ["kid"]
    assert shape(tree) == [(0, "self"), (1, "kid")]


def test_two_cycle_is_broken_at_the_earliest_span() -> None:
    # A -> B -> A: A starts first, so A becomes the root and B hangs below it.
    tree = build_tree([s("B", "A", 10), s("A", "B", 0)])
    assert ids(tree.roots) == ["A"]
    a, b = tree.by_id["A"], tree.by_id["B"]
    assert a.cycle and a.parent is None
    assert not b.cycle and b.parent is a
    assert shape(tree) == [(0, "A"), (1, "B")]


def test_two_cycle_cut_does_not_depend_on_input_order() -> None:
    first = build_tree([s("A", "B", 0), s("B", "A", 10)])
    second = build_tree([s("B", "A", 10), s("A", "B", 0)])
    assert shape(first) == shape(second) == [(0, "A"), (1, "B")]


def test_three_cycle_with_a_tail() -> None:
    # Parent links: A -> C, C -> B, B -> A; D hangs below A. B starts first.
    spans = [s("A", "C", 5), s("B", "A", 0), s("C", "B", 7), s("D", "A", 20), s("R", None, 1)]
    tree = build_tree(spans)
    assert ids(tree.roots) == ["B", "R"]
    assert tree.by_id["B"].cycle
    assert [n for n in ids(list(tree.by_id.values())) if tree.by_id[n].cycle] == ["B"]
    assert shape(tree) == [(0, "B"), (1, "C"), (2, "A"), (3, "D"), (0, "R")]


def test_duplicate_span_ids_first_record_wins() -> None:
    spans = [
        s("root"),
        s("dup", "root", 50, name="second record"),
        s("dup", "root", 10, name="first record"),
    ]
    tree = build_tree(spans)
    assert len(tree.by_id) == 2
    assert tree.by_id["dup"].span["name"] == "first record"
    assert shape(tree) == [(0, "root"), (1, "dup")]


def test_deep_chain_builds_without_recursion() -> None:
    n = 10_000
    spans = [s(f"s{i:05d}", f"s{i - 1:05d}" if i else None, i) for i in range(n)]
    tree = build_tree(list(reversed(spans)))
    walked = list(tree.walk())
    assert len(walked) == n
    assert [node.depth for node in walked] == list(range(n))
    assert walked[-1].span["span_id"] == "s09999"
    assert ids(tree.roots) == ["s00000"]


def test_long_cycle_is_cut_once() -> None:
    n = 10_000
    # Every span's parent is the next one; the last points back at the first: one big cycle.
    spans = [s(f"s{i:05d}", f"s{(i + 1) % n:05d}", i) for i in range(n)]
    tree = build_tree(spans)
    assert ids(tree.roots) == ["s00000"]
    assert sum(node.cycle for node in tree.walk()) == 1
    walked = list(tree.walk())
    assert len(walked) == n
    # s00000 is the root; its child is the span whose parent it is (s09999), and so on down.
    assert walked[1].span["span_id"] == "s09999"
    assert walked[-1].depth == n - 1 and walked[-1].span["span_id"] == "s00001"


def test_walk_is_depth_first_in_start_order_over_several_roots() -> None:
    spans = [
        s("r2", None, 100),
        s("r1", None, 0),
        s("r1b", "r1", 20),
        s("r1a", "r1", 10),
        s("r1a1", "r1a", 11),
        s("r2a", "r2", 101),
    ]
    tree = build_tree(spans)
    assert shape(tree) == [(0, "r1"), (1, "r1a"), (2, "r1a1"), (1, "r1b"), (0, "r2"), (1, "r2a")]


def test_empty_input() -> None:
    tree = build_tree([])
    assert tree.roots == [] and tree.by_id == {} and list(tree.walk()) == []
