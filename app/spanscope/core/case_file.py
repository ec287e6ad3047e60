"""The case file (``.spanscope-case``): one zip holding a case for a teammate to open.

Members, each listed in ``manifest.json`` with its size and SHA-256:

- ``manifest.json``: what it is (format and version), which case, from which source files, by
  whom, when, the app and schema versions, counts, and what redaction masked;
- ``case.json``: the case: name, summary, items collected, the timeline of notes, references;
- ``spans.parquet``: every stored column of every span of the case's traces;
- ``annotations.json`` and ``replays.json``: on those traces.

Reading trusts nothing in the file: the zip must hold exactly these members, each within its
size limit and matching the manifest's hash; the manifest must pass :data:`MANIFEST_SCHEMA`;
nothing in it is run (no pickle, no SQL; Parquet and JSON are read as data only).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow as pa
import pyarrow.parquet as pq

from spanscope.core.atomic_file import atomic_path

SUFFIX = ".spanscope-case"
FORMAT = "spanscope-case"
FORMAT_VERSION = 1  # bumped when a reader of this version could not read the file right

# member -> largest size accepted when opening (bytes, uncompressed): a case is a handful of
# traces; a bigger member is a damaged or hostile file, refused before it is read.
MEMBER_LIMITS: dict[str, int] = {
    "manifest.json": 4 << 20,
    "case.json": 64 << 20,
    "annotations.json": 64 << 20,
    "replays.json": 256 << 20,
    "spans.parquet": 2 << 30,
}
MANIFEST = "manifest.json"

_COUNT = {"type": "integer", "minimum": 0}
MANIFEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "format_version", "case", "created_at", "created_by", "app_version",
                 "schema_version", "sources", "counts", "redaction", "members"],
    "properties": {
        "format": {"const": FORMAT},
        "format_version": {"type": "integer", "minimum": 1},
        "case": {"type": "string", "minLength": 1},
        "created_at": {"type": "string"},
        "created_by": {"type": "string"},
        "app_version": {"type": "string"},
        "schema_version": {"type": "integer", "minimum": 1},
        "sources": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "sha256", "format"],
                "properties": {"path": {"type": "string"}, "sha256": {"type": "string"},
                               "format": {"type": "string"}},
            },
        },
        "counts": {
            "type": "object",
            "required": ["traces", "spans", "items", "notes", "annotations", "replays"],
            "properties": {k: _COUNT for k in
                           ("traces", "spans", "items", "notes", "annotations", "replays")},
        },
        "redaction": {
            "type": "object",
            "required": ["masked", "counts"],
            "properties": {"masked": {"type": "boolean"},
                           "counts": {"type": "object", "additionalProperties": _COUNT}},
        },
        "members": {
            "type": "object",
            "required": [m for m in MEMBER_LIMITS if m != MANIFEST],
            "additionalProperties": False,
            "properties": {
                m: {
                    "type": "object",
                    "required": ["sha256", "size"],
                    "properties": {"sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                                   "size": _COUNT},
                }
                for m in MEMBER_LIMITS if m != MANIFEST
            },
        },
    },
}  # fmt: skip


class CaseFileError(Exception):
    """A case file that cannot be opened; the message names the file and what is wrong."""


class CaseFileTooNew(CaseFileError):
    """A case file written by a newer Spanscope."""


@dataclass
class CaseBundle:
    """A case as the file carries it."""

    manifest: dict[str, Any]
    case: dict[str, Any]  # name, summary, author, created_at, items, notes, refs
    spans: pa.Table
    annotations: list[dict[str, Any]]
    replays: list[dict[str, Any]]


def write_case_file(bundle: CaseBundle, path: Path | str) -> Path:
    """Write ``bundle`` to ``path`` atomically; the manifest gets each member's size and hash
    and the counts."""
    sink = io.BytesIO()
    # Parquet pages are compressed already; zstd keeps big message columns small.
    pq.write_table(bundle.spans, sink, compression="zstd")
    members = {
        "case.json": _json_bytes(bundle.case),
        "spans.parquet": sink.getvalue(),
        "annotations.json": _json_bytes(bundle.annotations),
        "replays.json": _json_bytes(bundle.replays),
    }
    manifest = dict(bundle.manifest)
    manifest["members"] = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in members.items()
    }
    target = Path(path)
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w") as zf:
        zf.writestr(MANIFEST, _json_bytes(manifest), compress_type=zipfile.ZIP_DEFLATED)
        for name, data in members.items():
            method = zipfile.ZIP_STORED if name.endswith(".parquet") else zipfile.ZIP_DEFLATED
            zf.writestr(name, data, compress_type=method)
    return target


def read_case_file(path: Path | str, *, newest_schema: int) -> CaseBundle:
    """Read and check a case file; :class:`CaseFileError` (naming the file and the fault)
    when it is damaged, truncated, tampered with or not a case file, :class:`CaseFileTooNew`
    when a newer Spanscope wrote it (format, or a schema newer than ``newest_schema``)."""
    source = Path(path)
    try:
        with zipfile.ZipFile(source) as zf:
            infos = {info.filename: info for info in zf.infolist()}
            unexpected = sorted(set(infos) - set(MEMBER_LIMITS))
            if unexpected:
                raise CaseFileError(f"{source}: not a case file: unexpected member {unexpected[0]}")
            manifest = _manifest(source, _member(zf, infos, source, MANIFEST))
            if manifest["format_version"] > FORMAT_VERSION:
                raise CaseFileTooNew(
                    f"{source} was written by a newer Spanscope (case format "
                    f"{manifest['format_version']}; this version reads up to {FORMAT_VERSION})"
                )
            if manifest["schema_version"] > newest_schema:
                raise CaseFileTooNew(
                    f"{source} was written by a newer Spanscope (schema "
                    f"{manifest['schema_version']}; this version reads up to {newest_schema})"
                )
            data = {
                name: _checked(source, name, _member(zf, infos, source, name), expected)
                for name, expected in manifest["members"].items()
            }
    except zipfile.BadZipFile as exc:
        raise CaseFileError(f"{source}: damaged or not a case file ({exc})") from exc
    except (OSError, EOFError, zlib.error, RuntimeError, NotImplementedError) as exc:
        # RuntimeError: an encrypted member; NotImplementedError: a compression we do not read
        raise CaseFileError(f"{source}: cannot be read ({exc})") from exc
    bundle = CaseBundle(
        manifest=manifest,
        case=_json(source, "case.json", data["case.json"], dict),
        spans=_spans(source, data["spans.parquet"]),
        annotations=_json(source, "annotations.json", data["annotations.json"], list),
        replays=_json(source, "replays.json", data["replays.json"], list),
    )
    _check_counts(source, bundle)
    return bundle


def _member(
    zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], source: Path, name: str
) -> bytes:
    info = infos.get(name)
    if info is None:
        raise CaseFileError(f"{source}: damaged: {name} is missing")
    limit = MEMBER_LIMITS[name]
    if info.file_size > limit:
        raise CaseFileError(f"{source}: {name} is {info.file_size} bytes, over the {limit} limit")
    with zf.open(info) as member:
        data = member.read(limit + 1)  # the header's size may lie: read no more than allowed
    if len(data) > limit:
        raise CaseFileError(f"{source}: {name} is over the {limit} byte limit")
    return data


def _manifest(source: Path, data: bytes) -> dict[str, Any]:
    manifest: dict[str, Any] = _json(source, MANIFEST, data, dict)
    try:
        jsonschema.validate(manifest, MANIFEST_SCHEMA)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "top level"
        raise CaseFileError(f"{source}: bad manifest at {where}: {exc.message}") from None
    return manifest


def _checked(source: Path, name: str, data: bytes, expected: dict[str, Any]) -> bytes:
    if len(data) != expected["size"] or hashlib.sha256(data).hexdigest() != expected["sha256"]:
        raise CaseFileError(
            f"{source}: damaged or changed: {name} does not match the manifest "
            f"({len(data)} bytes, manifest says {expected['size']})"
        )
    return data


def _json(source: Path, name: str, data: bytes, shape: type) -> Any:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CaseFileError(f"{source}: {name} is not valid JSON ({exc})") from None
    if not isinstance(value, shape):
        raise CaseFileError(f"{source}: {name} should hold a JSON {shape.__name__}")
    return value


def _spans(source: Path, data: bytes) -> pa.Table:
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise CaseFileError(f"{source}: spans.parquet cannot be read ({exc})") from None
    missing = {"trace_id", "span_id"} - set(table.column_names)
    if missing:
        raise CaseFileError(f"{source}: spans.parquet lacks {', '.join(sorted(missing))}")
    return table


def _check_counts(source: Path, bundle: CaseBundle) -> None:
    counts = bundle.manifest["counts"]
    found = {
        "spans": bundle.spans.num_rows,
        "annotations": len(bundle.annotations),
        "replays": len(bundle.replays),
        "notes": len(bundle.case.get("notes") or []),
        "items": len(bundle.case.get("items") or []),
    }
    for what, n in found.items():
        if n != counts[what]:
            raise CaseFileError(
                f"{source}: damaged or changed: {n} {what} inside, the manifest says {counts[what]}"
            )


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, default=str, indent=1).encode("utf-8")
