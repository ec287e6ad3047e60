"""Exporting a case to a case file and opening one: the case's traces with every span column,
its notes, annotations and replays, secrets masked unless the user opts out.

Opening merges into the database in one transaction: spans it lacks (attributed to a
``sources`` row for the case file), the case with its items and notes, annotations (newer wins,
as when merging a reviewer's file) and replays. Opening the same file twice changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from spanscope import __version__
from spanscope.core.case_file import (
    FORMAT,
    FORMAT_VERSION,
    CaseBundle,
    CaseFileError,
    read_case_file,
    write_case_file,
)
from spanscope.core.redaction import Redactor
from spanscope.model.annotation import Annotation
from spanscope.store import SCHEMA_VERSION, case_import, cases
from spanscope.store.annotation_merge import merge_in_transaction
from spanscope.store.annotations import list_annotations
from spanscope.store.cases import CaseItem, CaseNote
from spanscope.store.errors import Cursor, DatabaseError

# Span columns that hold no text a secret could hide in: left as they are by redaction.
_PLAIN = pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_timestamp


@dataclass
class ExportOutcome:
    """What ``export_case`` wrote."""

    path: Path
    traces: int
    spans: int
    notes: int
    annotations: int
    replays: int
    masked: dict[str, int] = field(default_factory=dict)


@dataclass
class OpenOutcome:
    """What opening a case file changed in the database."""

    case: str
    spans_added: int
    traces: int
    items_added: int
    notes_added: int
    annotations_added: int
    annotations_updated: int
    replays_added: int
    already_opened: bool


def collect(cur: Cursor, name: str, *, created_by: str) -> CaseBundle:
    """Everything the case file of case ``name`` holds, unmasked."""
    case_id = cases.require_case(cur, name)
    summary = cases.case_row(cur, case_id)
    traces = cases.case_trace_ids(cur, case_id)
    spans = cases.spans_of_traces(cur, traces)
    annotations = list_annotations(cur, "trace_id IN (SELECT unnest(?))", [traces])
    replays = cases.rows_of(
        cur,
        f"SELECT {', '.join(case_import.REPLAY_COLUMNS)} FROM replays "
        "WHERE trace_id IN (SELECT unnest(?)) ORDER BY created_at, replay_id",
        [traces],
    )
    sources = cases.rows_of(
        cur,
        "SELECT path, sha256, format FROM sources WHERE source_id IN "
        "(SELECT DISTINCT source_id FROM spans WHERE trace_id IN (SELECT unnest(?))) "
        "ORDER BY source_id",
        [traces],
    )
    case: dict[str, Any] = {
        "name": summary.name,
        "summary": summary.summary,
        "author": summary.author,
        "created_at": _iso(summary.created_at),
        "items": [
            {**asdict(i), "added_at": _iso(i.added_at)} for i in summary.items
        ],
        "notes": [
            {"noted_at": _iso(n.noted_at), "text": n.text, "span_ids": list(n.span_ids),
             "author": n.author}
            for n in cases.case_notes(cur, case_id)
        ],
        "refs": [{"kind": k, "ref": r} for k, r in cases.case_refs(cur, case_id)],
    }  # fmt: skip
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "case": summary.name,
        "created_at": _iso(datetime.now(UTC)),
        "created_by": created_by,
        "app_version": __version__,
        "schema_version": SCHEMA_VERSION,
        "sources": sources,
        "counts": {
            "traces": len(traces),
            "spans": spans.num_rows,
            "items": len(case["items"]),
            "notes": len(case["notes"]),
            "annotations": len(annotations),
            "replays": len(replays),
        },
        "redaction": {"masked": False, "counts": {}},
    }
    return CaseBundle(
        manifest=manifest,
        case=case,
        spans=spans,
        annotations=[_annotation_record(a) for a in annotations],
        replays=[{k: _plain(v) for k, v in r.items()} for r in replays],
    )


def redact(bundle: CaseBundle, redactor: Redactor) -> CaseBundle:
    """``bundle`` with every text of its spans, notes, annotations and replays masked; the
    manifest records the counts. Ids, times and numbers are kept."""
    spans = _redact_spans(bundle.spans, redactor)
    case = dict(bundle.case)
    case["summary"] = redactor.value(case.get("summary"))
    case["notes"] = [{**n, "text": redactor.value(n["text"])} for n in case["notes"]]
    case["refs"] = [{**r, "ref": redactor.value(r["ref"])} for r in case["refs"]]
    annotations = [
        {**a, "note": redactor.value(a["note"]), "expected": redactor.value(a["expected"])}
        for a in bundle.annotations
    ]
    keep = {"trace_id", "span_id", "created_at", "model", "run_index"}
    replays = [{k: v if k in keep else redactor.value(v) for k, v in r.items()}
               for r in bundle.replays]  # fmt: skip
    manifest = dict(bundle.manifest)
    manifest["redaction"] = {"masked": True, "counts": dict(redactor.counts)}
    return CaseBundle(manifest, case, spans, annotations, replays)


def export_case(
    cur: Cursor,
    name: str,
    path: Path | str,
    *,
    created_by: str,
    redactor: Redactor | None,
) -> ExportOutcome:
    """Write case ``name`` to ``path`` (masked by ``redactor`` unless it is None)."""
    bundle = collect(cur, name, created_by=created_by)
    if redactor is not None:
        bundle = redact(bundle, redactor)
    target = write_case_file(bundle, path)
    counts = bundle.manifest["counts"]
    return ExportOutcome(
        target,
        counts["traces"],
        counts["spans"],
        counts["notes"],
        counts["annotations"],
        counts["replays"],
        dict(redactor.counts) if redactor is not None else {},
    )


def open_case_alone(path: Path | str, target: Path, temp_dir: Path) -> Path:
    """The case file at ``path`` imported into a new database of its own at ``target`` (any
    file there is replaced) with its text indexed for search, for a window that shows the case
    read-only: nothing of the case touches the user's database."""
    from spanscope.store import Database
    from spanscope.store.writer import Writer

    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    with Database.open(target) as db:
        open_case(db.writer, path)
        Writer(db, temp_dir).index_pending()
    return target


def open_case(con: Cursor, path: Path | str) -> OpenOutcome:
    """Merge the case file at ``path`` into the database on the writer connection ``con``:
    all of it or none. :class:`CaseFileError` for a file that cannot be opened (nothing
    changed)."""
    source = Path(path).resolve()
    bundle = read_case_file(source, newest_schema=SCHEMA_VERSION)
    file_hash = _sha256(source)
    spans = _fit_spans(con, source, bundle.spans)
    case = bundle.case
    name = str(case.get("name") or bundle.manifest["case"])
    incoming = [_annotation(source, a) for a in bundle.annotations]

    def work() -> OpenOutcome:
        known = case_import.source_of(con, file_hash)
        added = traces = 0
        if known is None:
            warnings = []
            if bundle.manifest["redaction"]["masked"]:
                warnings.append("secrets in this case file were masked by whoever exported it")
            source_id = case_import.add_source(con, source, file_hash, source.stat().st_size)
            added, traces = case_import.insert_spans(con, spans, source_id, warnings)
        case_id = cases.case_id_of(con, name)
        if case_id is None:
            case_id = cases.create_case(
                con, name, author=str(case.get("author") or ""), origin=source.name,
                summary=case.get("summary"), created_at=_time(case.get("created_at")),
            )  # fmt: skip
        items = cases.add_items(con, case_id, [_item(i) for i in case.get("items") or []])
        notes = sum(cases.add_note(con, case_id, _note(n)) for n in case.get("notes") or [])
        for ref in case.get("refs") or []:
            if isinstance(ref, dict) and ref.get("kind") in cases.REF_KINDS:
                cases.add_ref(con, case_id, str(ref["kind"]), str(ref.get("ref") or ""))
        merged = merge_in_transaction(con, incoming, source.name)
        replays = case_import.insert_replays(con, bundle.replays)
        return OpenOutcome(
            name, added, traces, items, notes, merged.added, merged.updated, replays,
            already_opened=known is not None,
        )  # fmt: skip

    try:
        return cases.in_transaction(con, work)
    except (DatabaseError, KeyError, TypeError, ValueError) as exc:
        raise CaseFileError(f"{source}: cannot be opened: {exc}") from exc


# -- helpers -----------------------------------------------------------------------------------


def _redact_spans(spans: pa.Table, redactor: Redactor) -> pa.Table:
    hint = _hint(redactor)
    columns = []
    for name, column in zip(spans.column_names, spans.columns, strict=True):
        if any(check(column.type) for check in _PLAIN) or name in _IDS:
            columns.append(column)
            continue
        values = [v if not _might_hold(v, hint) else redactor.value(v) for v in column.to_pylist()]
        columns.append(pa.array(values, type=column.type))
    return pa.Table.from_arrays(columns, schema=spans.schema)


_IDS = ("trace_id", "span_id", "parent_span_id")


@dataclass(frozen=True)
class _Hint:
    """The words at least one of the redactor's rules needs in a text before it can match
    (every rule's keywords, lower case; looked for without word boundaries, so JSON escapes
    around them do not hide them). ``everything`` when a rule has none: then every text is
    masked the slow way. A ``\\u`` escape could hide a word, so text holding one is masked."""

    literals: tuple[str, ...]
    everything: bool = False

    def search(self, text: str) -> bool:
        if self.everything:
            return True
        low = text.lower()
        return "\\u" in low or any(h in low for h in self.literals)


def _hint(redactor: Redactor) -> _Hint:
    if any(not rule.keywords for rule in redactor.rules):
        return _Hint((), everything=True)
    return _Hint(tuple(sorted({k for rule in redactor.rules for k in rule.keywords})))


def _might_hold(value: Any, hint: _Hint) -> bool:
    """Whether ``value`` (text, or lists and dicts of them, keys included) may hold something
    to mask."""
    if isinstance(value, str):
        return hint.search(value)
    if isinstance(value, dict):
        return any(_might_hold(k, hint) or _might_hold(v, hint) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_might_hold(v, hint) for v in value)
    return False


def _fit_spans(con: Cursor, source: Path, spans: pa.Table) -> pa.Table:
    """The file's span columns checked against this database's: an unknown column is refused
    (its data would be lost); a column an older file lacks is left NULL by the insert."""
    mine = [name for name, _ in case_import.span_columns(con)]
    unknown = sorted(set(spans.column_names) - set(mine))
    if unknown:
        raise CaseFileError(f"{source}: spans.parquet has unknown columns: {', '.join(unknown)}")
    return spans


def _annotation_record(a: Annotation) -> dict[str, Any]:
    return {
        "trace_id": a.trace_id, "span_id": a.span_id, "labels": list(a.labels),
        "rubric": a.rubric, "score": a.score, "note": a.note, "expected": a.expected,
        "author": a.author, "adjudicated": a.adjudicated, "origin": a.origin,
        "created_at": _iso(a.created_at), "updated_at": _iso(a.updated_at),
    }  # fmt: skip


def _annotation(source: Path, r: Any) -> Annotation:
    if not isinstance(r, dict) or not isinstance(r.get("trace_id"), str):
        raise CaseFileError(f"{source}: annotations.json holds an entry without a trace_id")
    score = r.get("score")
    return Annotation(
        trace_id=r["trace_id"],
        span_id=str(r.get("span_id") or ""),
        labels=tuple(str(x) for x in r.get("labels") or ()),
        rubric=str(r.get("rubric") or ""),
        score=float(score) if isinstance(score, int | float) else None,
        note=_text(r.get("note")),
        expected=_text(r.get("expected")),
        author=str(r.get("author") or ""),
        adjudicated=bool(r.get("adjudicated")),
        origin=_text(r.get("origin")),
        created_at=_time(r.get("created_at")),
        updated_at=_time(r.get("updated_at")),
    )


def _item(r: Any) -> CaseItem:
    return CaseItem(str(r["trace_id"]), str(r.get("span_id") or ""), "case file",
                    _time(r.get("added_at")))  # fmt: skip


def _note(r: Any) -> CaseNote:
    return CaseNote(
        _time(r.get("noted_at")) or datetime.now(UTC),
        str(r["text"]),
        tuple(str(s) for s in r.get("span_ids") or ()),
        str(r.get("author") or ""),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = [
    "CaseFileError",
    "ExportOutcome",
    "OpenOutcome",
    "collect",
    "export_case",
    "open_case",
    "redact",
]
