"""The OpenTelemetry collector's folders at team scale: the AWS S3 exporter's partitioned
objects (``year=/month=/day=/hour=/minute=``, ``.json`` / ``.binpb``, gzip) and the file
exporter's rotated files (JSON Lines, gzip backups, ``compression: zstd`` in JSON and proto).
Each file is recognised on its own and counted exactly; a damaged one fails alone."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import zstandard

from engineer_view import check_engineer_view
from otlp_builder import agent_trace, document
from spanscope.importers.base import read_sample
from spanscope.importers.otlp_framed_json import OtlpFramedJson
from spanscope.model import ImportStatus
from spanscope.store import Database
from store_checks import counts, run
from test_import_proto import framed, to_message

ZSTD = zstandard.ZstdCompressor()


def _trace(n: int) -> dict:  # type: ignore[type-arg]
    """A document with one agent run (4 spans) of its own trace id."""
    return document(agent_trace(f"{n:032x}"))


def _json(n: int) -> bytes:
    return json.dumps(_trace(n)).encode()


def _proto(n: int) -> bytes:
    data: bytes = to_message(_trace(n)).SerializeToString()
    return data


def _write(root: Path, relative: str, data: bytes) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def s3_export(root: Path) -> None:
    """Objects as the S3 exporter names them:
    ``<prefix>/year=…/month=…/day=…/hour=…/minute=…/<file_prefix>traces_<random>.<json|binpb>[.gz]``."""
    minute = "otel/year=2025/month=06/day=01/hour=10/minute=05"
    later = "otel/year=2025/month=06/day=01/hour=11/minute=00"
    _write(root, f"{minute}/traces_1a2b3c.json", _json(1))
    _write(root, f"{minute}/traces_4d5e6f.binpb", _proto(2))
    _write(root, f"{later}/traces_7a8b9c.json.gz", gzip.compress(_json(3)))
    _write(root, f"{later}/traces_0d1e2f.binpb.gz", gzip.compress(_proto(4)))


def file_exporter(root: Path) -> None:
    """The file exporter with rotation: the live file, a rotated backup and a compressed one
    (``format: json``), and ``compression: zstd`` with either format."""
    _write(root, "collector/traces.json", _json(5) + b"\n" + _json(6) + b"\n")
    _write(root, "collector/traces-2025-06-01T10-00-00.000.json", _json(7) + b"\n")
    _write(
        root, "collector/traces-2025-06-01T09-00-00.000.json.gz", gzip.compress(_json(8) + b"\n")
    )
    zjson = [ZSTD.compress(_json(9)), ZSTD.compress(_json(10))]
    _write(root, "zstd-json/traces.json", framed(zjson))
    _write(root, "zstd-proto/traces.pb", framed([ZSTD.compress(_proto(11))]))


def test_s3_and_file_exporter_folders_import_with_exact_counts(
    db: Database, tmp_path: Path
) -> None:
    bucket = tmp_path / "bucket"  # the database sits in tmp_path
    s3_export(bucket)
    file_exporter(bucket)
    results = {Path(r.path).relative_to(bucket).as_posix(): r for r in run(db, bucket)}
    got = {name: (r.status, r.format, r.spans, r.traces) for name, r in results.items()}
    ok = ImportStatus.IMPORTED
    assert got == {
        "otel/year=2025/month=06/day=01/hour=10/minute=05/traces_1a2b3c.json": (
            ok,
            "otlp-json",
            4,
            1,
        ),
        "otel/year=2025/month=06/day=01/hour=10/minute=05/traces_4d5e6f.binpb": (
            ok,
            "otlp-protobuf",
            4,
            1,
        ),
        "otel/year=2025/month=06/day=01/hour=11/minute=00/traces_7a8b9c.json.gz": (
            ok,
            "otlp-json",
            4,
            1,
        ),
        "otel/year=2025/month=06/day=01/hour=11/minute=00/traces_0d1e2f.binpb.gz": (
            ok,
            "otlp-protobuf",
            4,
            1,
        ),
        "collector/traces.json": (ok, "otlp-json", 8, 2),
        "collector/traces-2025-06-01T10-00-00.000.json": (ok, "otlp-json", 4, 1),
        "collector/traces-2025-06-01T09-00-00.000.json.gz": (ok, "otlp-json", 4, 1),
        "zstd-json/traces.json": (ok, "otlp-json", 8, 2),
        "zstd-proto/traces.pb": (ok, "otlp-protobuf", 4, 1),
    }
    assert counts(db) == (44, 11, 9)
    # every file's model call is whole; 11 runs of the same call: 11 x (input, output) tokens
    [(tokens_in, tokens_out)] = (
        db.reader()
        .execute("SELECT input_tokens, output_tokens FROM spans WHERE kind = 'llm' LIMIT 1")
        .fetchall()
    )
    check_engineer_view(db, tokens=(11 * tokens_in, 11 * tokens_out))


def test_zstd_json_frames_read_as_json_lines(db: Database, tmp_path: Path) -> None:
    plain = tmp_path / "plain" / "traces.json"
    plain.parent.mkdir()
    plain.write_bytes(_json(9) + b"\n" + _json(10) + b"\n")
    packed = tmp_path / "packed" / "traces.json"
    packed.parent.mkdir()
    packed.write_bytes(framed([ZSTD.compress(_json(9)), ZSTD.compress(_json(10))]))
    assert OtlpFramedJson().sniff(read_sample(packed))
    assert not OtlpFramedJson().sniff(read_sample(plain))
    spans_sql = "SELECT trace_id, span_id, kind, model, input_tokens FROM spans ORDER BY 1, 2"
    run(db, plain)
    from_plain = db.reader().execute(spans_sql).fetchall()
    [again] = run(db, packed)
    assert again.status is ImportStatus.IMPORTED
    assert db.reader().execute(spans_sql).fetchall() == from_plain


def test_a_damaged_object_fails_alone(db: Database, tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    s3_export(bucket)
    cut = bucket / "otel/year=2025/month=06/day=01/hour=11/minute=00/traces_7a8b9c.json.gz"
    cut.write_bytes(cut.read_bytes()[:60])
    frames = bucket / "zstd-json" / "traces.json"
    frames.parent.mkdir()
    whole = framed([ZSTD.compress(_json(9)), ZSTD.compress(_json(10))])
    frames.write_bytes(whole[:-20])
    results = {Path(r.path).name: r for r in run(db, bucket)}
    assert results[cut.name].status is ImportStatus.FAILED
    assert cut.name in (results[cut.name].error or "")
    broken = results["traces.json"]
    assert broken.status is ImportStatus.FAILED
    assert "frame 2" in (broken.error or "") and "traces.json" in (broken.error or "")
    assert counts(db)[:2] == (12, 3)
