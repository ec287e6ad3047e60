"""Annotation files: JSON Lines, one annotation a line, for reviewers working on copies of the
database to exchange and merge their work (``spanscope annotations -o``, ``merge-annotations``).

A line: ``{"trace_id", "span_id", "labels", "rubric", "score", "note", "expected", "author",
"adjudicated", "created_at", "updated_at", "origin"}``; times in ISO 8601 with a zone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from spanscope.core.atomic_file import atomic_text
from spanscope.model.annotation import Annotation


class AnnotationFileError(ValueError):
    """A line of an annotation file that cannot be read; the message names the line."""


def to_record(a: Annotation) -> dict[str, Any]:
    """The JSON object of one annotation (also the ``annotations --json`` record)."""
    return {
        "trace_id": a.trace_id,
        "span_id": a.span_id,
        "labels": list(a.labels),
        "rubric": a.rubric,
        "score": a.score,
        "note": a.note,
        "expected": a.expected,
        "author": a.author,
        "adjudicated": a.adjudicated,
        "created_at": a.created_at.isoformat() if a.created_at else None,
        "updated_at": a.updated_at.isoformat() if a.updated_at else None,
        "origin": a.origin,
    }


def from_record(record: dict[str, Any], where: str = "") -> Annotation:
    """An annotation from its JSON object; raises :class:`AnnotationFileError`."""
    if not isinstance(record, dict) or not isinstance(record.get("trace_id"), str):
        raise AnnotationFileError(f"{where}: not an annotation (no trace_id)")
    labels = record.get("labels")
    if labels is None and record.get("label"):
        labels = [record["label"]]
    if not isinstance(labels or [], list) or not all(isinstance(x, str) for x in labels or []):
        raise AnnotationFileError(f"{where}: labels must be a list of text")
    score = record.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        raise AnnotationFileError(f"{where}: score must be a number")
    return Annotation(
        trace_id=record["trace_id"],
        span_id=str(record.get("span_id") or ""),
        labels=tuple(labels or ()),
        rubric=str(record.get("rubric") or ""),
        score=float(score) if score is not None else None,
        note=record.get("note") or None,
        expected=record.get("expected") or None,
        author=str(record.get("author") or ""),
        adjudicated=bool(record.get("adjudicated")),
        origin=record.get("origin"),
        created_at=_time(record.get("created_at"), where),
        updated_at=_time(record.get("updated_at"), where),
    )


def _time(value: Any, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise AnnotationFileError(f"{where}: {value!r} is not a time") from None
    if moment.tzinfo is None:
        raise AnnotationFileError(f"{where}: {value!r} has no time zone")
    return moment


def write_annotations(path: Path | str, annotations: Iterable[Annotation]) -> int:
    """Write the annotations to ``path`` (atomically); returns how many."""
    count = 0
    with atomic_text(path) as out:
        for a in annotations:
            out.write(json.dumps(to_record(a), ensure_ascii=False) + "\n")
            count += 1
    return count


def read_annotations(path: Path | str) -> list[Annotation]:
    """Every annotation of a file; the first bad line fails the whole file."""
    found: list[Annotation] = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise AnnotationFileError(f"{where}: not JSON ({exc.msg})") from None
            found.append(from_record(record, where))
    return found
