"""Which retrieved chunks two retrievals share, which were added or dropped, and how their
ranks and scores moved.

Chunks are matched by their document id when both sides give ids, else by their content
(whitespace-insensitive). A chunk kept at another rank is "re-ranked"; one kept with other
text under the same id is "changed".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

ChunkChange = Literal["same", "reranked", "changed", "added", "dropped"]
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ChunkDiff:
    """One chunk in either retrieval; ranks are 1-based, None on the side that lacks it."""

    key: str  # the document id, or the start of the content when matched by content
    change: ChunkChange
    rank_a: int | None
    rank_b: int | None
    score_a: float | None
    score_b: float | None
    content_a: str
    content_b: str

    @property
    def score_delta(self) -> float | None:
        if self.score_a is None or self.score_b is None:
            return None
        return self.score_b - self.score_a


KEY_CHARS = 100_000  # chunks without ids are told apart by this much of their text


def _content_key(doc: Mapping[str, Any]) -> str:
    # Cut first: collapsing whitespace over megabytes in one call would hold the interpreter
    # lock long enough to freeze the window while the diff runs in its worker.
    return _SPACES.sub(" ", str(doc.get("content") or "")[:KEY_CHARS]).strip()


def chunk_diff(
    docs_a: Sequence[Mapping[str, Any]] | None, docs_b: Sequence[Mapping[str, Any]] | None
) -> list[ChunkDiff]:
    """The chunks of both retrievals in B's order, then those only A had (in A's order)."""
    a, b = list(docs_a or []), list(docs_b or [])
    by_id = all(d.get("document_id") for d in a + b)
    key_of = (lambda d: str(d.get("document_id"))) if by_id else _content_key
    # Several chunks can share a key (the same passage twice): match them in order.
    seen: dict[str, int] = {}
    keys_a: dict[tuple[str, int], int] = {}
    for rank, doc in enumerate(a):
        key = key_of(doc)
        keys_a[(key, seen.get(key, 0))] = rank
        seen[key] = seen.get(key, 0) + 1
    seen.clear()
    out: list[ChunkDiff] = []
    matched: set[int] = set()
    for rank_b, doc_b in enumerate(b):
        key = key_of(doc_b)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        rank_a = keys_a.get((key, occurrence))
        if rank_a is None:
            out.append(_one(key, "added", None, doc_b, None, rank_b))
            continue
        matched.add(rank_a)
        doc_a = a[rank_a]
        if _content_key(doc_a) != _content_key(doc_b):
            change: ChunkChange = "changed"
        elif rank_a != rank_b:
            change = "reranked"
        else:
            change = "same"
        out.append(_one(key, change, doc_a, doc_b, rank_a, rank_b))
    for rank_a, doc_a in enumerate(a):
        if rank_a not in matched:
            out.append(_one(key_of(doc_a), "dropped", doc_a, None, rank_a, None))
    return out


def _one(
    key: str,
    change: ChunkChange,
    doc_a: Mapping[str, Any] | None,
    doc_b: Mapping[str, Any] | None,
    rank_a: int | None,
    rank_b: int | None,
) -> ChunkDiff:
    def score(doc: Mapping[str, Any] | None) -> float | None:
        value = doc.get("score") if doc else None
        return float(value) if isinstance(value, int | float) else None

    return ChunkDiff(
        key=key[:120],
        change=change,
        rank_a=None if rank_a is None else rank_a + 1,
        rank_b=None if rank_b is None else rank_b + 1,
        score_a=score(doc_a),
        score_b=score(doc_b),
        content_a=str((doc_a or {}).get("content") or ""),
        content_b=str((doc_b or {}).get("content") or ""),
    )


def chunks_differ(diffs: Sequence[ChunkDiff]) -> bool:
    """Whether the retrievals differ in which chunks, their order or their text (scores
    alone moving a little does not count: rerankers are not deterministic to the last digit)."""
    return any(d.change != "same" for d in diffs)
