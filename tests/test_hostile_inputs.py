"""Broken and hostile input files: each ends in a clean result naming the file and where it
went wrong, that file rolled back, every other file intact, nothing written elsewhere."""

from __future__ import annotations

import gzip
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
import zstandard

import hostile_files as hf
from otlp_builder import T0, agent_trace, document, write_json
from otlp_builder import span as build_span
from spanscope.cli import main
from spanscope.importers import inflation, otlp
from spanscope.ingest import import_paths
from spanscope.model import ImportResult, ImportStatus
from spanscope.store import Database
from store_checks import attributes, counts, only_span, rows, run

GOOD_TRACE = "5b8efff798038103d269b633813fc60c"


def good_file(tmp_path: Path) -> Path:
    return write_json(tmp_path / "good.json", document(agent_trace()))


def failed_alone(db: Database, good: Path, bad: Path) -> ImportResult:
    """Import a good and a bad file: the bad one fails naming itself, the good one is in."""
    results = run(db, good, bad)
    by_name = {Path(r.path).name: r for r in results}
    assert by_name[good.name].status is ImportStatus.IMPORTED, by_name[good.name].error
    result = by_name[bad.name]
    assert result.status is ImportStatus.FAILED
    assert bad.name in (result.error or "")
    assert counts(db) == (4, 1, 1)  # exactly the good file
    assert rows(db, "SELECT count(*) FROM search_pending")[0][0] == 0
    stray = "SELECT count(*) FROM search_docs d ANTI JOIN spans s USING (trace_id, span_id)"
    assert rows(db, stray)[0][0] == 0  # nothing of the bad file in the search index
    return result


# --- bad lines: strict by default, skipped on request ---------------------------------------


def test_one_bad_line_among_10000_fails_the_file_naming_the_line(
    db: Database, tmp_path: Path
) -> None:
    bad = hf.jsonl_with_bad_lines(tmp_path / "lines.jsonl", 10_000, {7_321: '{"resourceSpans": ['})
    result = failed_alone(db, good_file(tmp_path), bad)
    error = result.error or ""
    assert "line 7321 is not valid JSON" in error, error
    assert "skip bad records" in error  # says how to import the rest


def test_skip_bad_records_imports_the_rest_and_lists_the_lines(
    db: Database, tmp_path: Path
) -> None:
    bad = {17: "{not json", 230: "", 9_001: '{"resourceSpans": [', 9_999: "\x00\x01"}
    path = hf.jsonl_with_bad_lines(tmp_path / "lines.jsonl", 10_000, bad)
    [result] = list(import_paths(db, [path], skip_bad_records=True))
    assert result.status is ImportStatus.IMPORTED, result.error
    assert result.spans == 10_000 - 4  # line 230 is blank: nothing lost there
    [warning] = [w for w in result.warnings if "skipped" in w]
    assert "skipped 3 of 9999 lines" in warning
    assert "line 17, 9001, 9999" in warning
    [(path_stored,)] = rows(db, "SELECT path FROM sources")
    assert path_stored == str(path)


def test_skip_bad_records_keeps_a_truncated_compressed_file_up_to_the_cut(
    db: Database, tmp_path: Path
) -> None:
    text = "".join(json.dumps(hf.one_span_doc(i)) + "\n" for i in range(1, 301)).encode()
    packed = gzip.compress(text)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3])
    [strict] = run(db, path)
    assert strict.status is ImportStatus.FAILED and "cut.jsonl.gz" in (strict.error or "")
    [result] = list(import_paths(db, [path], skip_bad_records=True))
    assert result.status is ImportStatus.IMPORTED, result.error
    assert 0 < result.spans < 300
    assert any("skipped 1 of" in w for w in result.warnings)


def test_skip_bad_records_from_the_command_line(tmp_path: Path) -> None:
    path = hf.jsonl_with_bad_lines(tmp_path / "lines.jsonl", 50, {5: "garbage"})
    database = str(tmp_path / "cli.duckdb")
    out = io.StringIO()
    assert main(["--db", database, "import", str(path)], out=out) == 1
    assert "line 5" in out.getvalue() and "--skip-bad-records" in out.getvalue()
    out = io.StringIO()
    code = main(["--db", database, "import", "--skip-bad-records", "--json", str(path)], out=out)
    assert code == 0
    record = json.loads(out.getvalue())
    assert (record["status"], record["spans"]) == ("imported", 49)
    assert any("line 5" in w for w in record["warnings"])


def test_skip_bad_records_leaves_a_single_document_strict(db: Database, tmp_path: Path) -> None:
    text = json.dumps(document(agent_trace()), indent=2)
    path = tmp_path / "doc.json"
    path.write_text(text[: len(text) // 2])
    [result] = list(import_paths(db, [path], skip_bad_records=True))
    assert result.status is ImportStatus.FAILED and "doc.json" in (result.error or "")
    assert counts(db) == (0, 0, 0)


# --- values: numbers, times, ids ------------------------------------------------------------


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_kept_as_written(
    db: Database, tmp_path: Path, literal: str
) -> None:
    text = json.dumps(document(agent_trace())).replace('{"doubleValue": 0.2}', literal, 1)
    assert literal in text
    path = tmp_path / "nan.json"
    path.write_text(text)
    result = run(db, path)[0]
    # Not standard JSON; DuckDB reads it: the value stays as written, the rest maps as usual.
    assert result.status is ImportStatus.IMPORTED, result.error
    assert counts(db)[0] == 4


@pytest.mark.parametrize(
    "start, end, start_ns, duration_ns",
    [
        (str(T0), str(T0 + 5), T0, 5),  # the usual string
        (T0 + 1, T0 + 3, T0 + 1, 2),  # a JSON number above 2**53, kept exact
        ({"low": (T0 + 7) & 0xFFFFFFFF, "high": (T0 + 7) >> 32}, str(T0 + 9), T0 + 7, 2),
        ("0", "5", 0, 5),  # epoch 0
        (str(2**63 - 10), str(2**63 - 1), 2**63 - 10, 9),  # 2262-04-11, the last ns of int64
    ],
    ids=["string", "number-above-2^53", "low-high", "epoch-0", "year-2262"],
)
def test_times_in_every_form_are_exact(
    db: Database, tmp_path: Path, start: Any, end: Any, start_ns: int, duration_ns: int
) -> None:
    [result] = run(db, write_json(tmp_path / "t.json", hf.raw_time_span(start, end)))
    assert result.status is ImportStatus.IMPORTED, result.error
    span = only_span(db)
    assert (span["start_ns"], span["duration_ns"]) == (start_ns, duration_ns)


def test_time_past_2262_is_no_start_time_with_a_warning(db: Database, tmp_path: Path) -> None:
    doc = hf.raw_time_span(str(2**64 - 10), str(2**64 - 1))
    [result] = run(db, write_json(tmp_path / "t.json", doc))
    assert result.status is ImportStatus.IMPORTED
    assert only_span(db)["start_ns"] is None
    assert any("no start time" in w for w in result.warnings)


def test_integers_above_2_53_stay_exact(db: Database, tmp_path: Path) -> None:
    doc = hf.one_span_doc(1, big=2**53 + 1, biggest=2**63 - 1, negative=-(2**63))
    run(db, write_json(tmp_path / "ints.json", doc))
    attrs = attributes(only_span(db))
    assert (attrs["big"], attrs["biggest"], attrs["negative"]) == (2**53 + 1, 2**63 - 1, -(2**63))


@pytest.mark.parametrize(
    "trace_id, span_id, warned",
    [
        ("abc", "1", None),  # wrong length: kept as written
        ("0" * 32, "0" * 16, "all-zero ids"),
        ("", "", "all-zero ids"),
    ],
)
def test_odd_ids_are_kept_or_replaced_with_a_warning(
    db: Database, tmp_path: Path, trace_id: str, span_id: str, warned: str | None
) -> None:
    doc = document([{**hf.one_span_doc(1)["resourceSpans"][0]["scopeSpans"][0]["spans"][0],
                     "traceId": trace_id, "spanId": span_id}])  # fmt: skip
    [result] = run(db, write_json(tmp_path / "ids.json", doc))
    if result.status is ImportStatus.FAILED:
        assert "ids.json" in (result.error or "") and counts(db) == (0, 0, 0)
        return
    span = only_span(db)
    assert span["trace_id"] and span["span_id"]
    if warned is None:
        assert (span["trace_id"], span["span_id"]) == (trace_id, span_id)
    else:
        assert any(warned in w for w in result.warnings)


# --- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, damage",
    [
        ("latin1.json", lambda t: t.replace(b"refund policy?", b"r\xe9fund policy?")),
        ("surrogate.json", lambda t: t.replace(b"refund policy?", b"refund \\ud800 policy?")),
        ("overlong.json", lambda t: t.replace(b"refund policy?", b"refund \xc0\xaf policy?")),
    ],
)
def test_invalid_utf8_and_lone_surrogates_fail_alone(
    db: Database, tmp_path: Path, name: str, damage: Any
) -> None:
    text = json.dumps(document(agent_trace("1" * 32))).encode()
    bad = tmp_path / name
    bad.write_bytes(damage(text))
    result = failed_alone(db, good_file(tmp_path), bad)
    assert "byte" in (result.error or "") or "line" in (result.error or "")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_bom_and_utf16_files_are_read(db: Database, tmp_path: Path, encoding: str) -> None:
    text = json.dumps(document(agent_trace()), ensure_ascii=False).replace("policy?", "policy? ✓")
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = "\ufeff".encode(encoding) + data  # what PowerShell writes
    path = tmp_path / "t.json"
    path.write_bytes(data)
    [result] = run(db, path)
    assert result.status is ImportStatus.IMPORTED, result.error
    assert counts(db) == (4, 1, 1)
    assert "✓" in json.dumps(rows(db, "SELECT content FROM messages"), ensure_ascii=False)


def test_utf16_with_a_broken_character_fails_naming_the_byte(db: Database, tmp_path: Path) -> None:
    data = json.dumps(document(agent_trace("1" * 32))).encode("utf-16")
    bad = tmp_path / "broken16.json"
    bad.write_bytes(data[:400] + b"\x00\xd8\x41\x00" + data[400:])  # a lone high surrogate
    result = failed_alone(db, good_file(tmp_path), bad)
    assert "byte 40" in (result.error or "")


# --- compressed files -----------------------------------------------------------------------


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_truncated_compressed_file_fails_alone(
    db: Database, tmp_path: Path, compression: str
) -> None:
    text = json.dumps(document(agent_trace("1" * 32))).encode()
    packed = gzip.compress(text) if compression == "gzip" else zstandard.compress(text)
    bad = tmp_path / f"cut.json.{compression}"
    bad.write_bytes(packed[: len(packed) - 20])
    failed_alone(db, good_file(tmp_path), bad)


@pytest.fixture
def small_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """The decompression cap scaled down 64 times, so a bomb is quick to make and to stop."""
    monkeypatch.setattr(inflation, "RATIO_FREE_BYTES", 16 * hf.MB)


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_decompression_bomb_hits_the_cap(
    db: Database, tmp_path: Path, small_cap: None, compression: str
) -> None:
    bomb = hf.json_bomb(tmp_path / "bomb.json.gz", 80 * hf.MB, compression)
    result = failed_alone(db, good_file(tmp_path), bomb)
    assert "decompression bomb" in (result.error or "")
    assert "200 times" in (result.error or "")


@pytest.mark.parametrize("build", [hf.gzip_bomb, hf.zstd_bomb])
def test_bomb_of_zeros_is_not_recognised_from_its_sample(
    db: Database, tmp_path: Path, build: Any
) -> None:
    bomb = build(tmp_path / "zeros.json.gz", 1100 * hf.MB)  # past the real cap
    result = failed_alone(db, good_file(tmp_path), bomb)
    assert "format not recognised" in (result.error or "")


@pytest.mark.slow
def test_decompression_bomb_at_the_real_cap(db: Database, tmp_path: Path) -> None:
    bomb = hf.json_bomb(tmp_path / "bomb.jsonl.zst", 1100 * hf.MB, "zstd")
    assert bomb.stat().st_size < 1024 * 1024
    result = failed_alone(db, good_file(tmp_path), bomb)
    assert "decompression bomb" in (result.error or "") and "1024 MB" in (result.error or "")
    assert inflation.describe_cap() in (result.error or "")


def test_compressed_file_of_an_ordinary_ratio_is_imported(
    db: Database, tmp_path: Path, small_cap: None
) -> None:
    text = "".join(json.dumps(hf.one_span_doc(i)) + "\n" for i in range(1, 2001)).encode()
    path = tmp_path / "big.jsonl.gz"
    path.write_bytes(gzip.compress(text))
    assert len(text) / path.stat().st_size > 10
    [result] = run(db, path)
    assert (result.status, result.spans) == (ImportStatus.IMPORTED, 2000)


# --- archives -------------------------------------------------------------------------------


def test_zip_with_escaping_members_writes_nothing_anywhere(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work" / "deeper"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    payload = json.dumps(document(agent_trace("1" * 32))).encode()
    bad = hf.hostile_zip(work / "export.zip", payload)
    index = "test.duckdb.search"  # the search index's own files

    def files() -> list[Path]:
        return sorted(p for p in tmp_path.rglob("*") if not {"home", index} & set(p.parts))

    before = files()
    result = failed_alone(db, good_file(tmp_path), bad)
    assert "zip archive" in (result.error or "")
    after = files()
    added = {p.name for p in after} - {p.name for p in before}
    assert added <= {"good.json", "test.duckdb", "test.duckdb.wal"}
    assert not Path("/tmp/absolute-escape.json").exists()
    assert not Path("/tmp/deep-escape.json").exists()


@pytest.mark.corpus
def test_inspect_archive_with_escaping_members_writes_nothing_anywhere(
    db: Database, tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inspect .eval logs are the zip archives Spanscope reads: members are read in memory
    (never extracted), so escaping names and symlinks cannot write anything."""
    import stat
    import zipfile

    source = corpus / "inspect" / "inspect_log_read_sample.eval"
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    bad = work / "hostile.eval"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(bad, "w") as out:
        for info in original.infolist():
            out.writestr(info, original.read(info))
        out.writestr("../escaped.json", b"{}")
        out.writestr("/tmp/absolute-escape.json", b"{}")
        link = zipfile.ZipInfo("samples/link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        out.writestr(link, "/etc/passwd")
    before = {p.name for p in tmp_path.rglob("*")}
    [result] = run(db, bad)
    assert result.error is None or "hostile.eval" in result.error
    assert result.error is None or "reader failed" not in result.error
    after = {p.name for p in tmp_path.rglob("*")}
    assert after - before <= {"test.duckdb", "test.duckdb.wal"}
    assert not Path("/tmp/absolute-escape.json").exists()


# --- big values -----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_180_mb_attribute_is_kept_cut_with_a_warning(db: Database, tmp_path: Path) -> None:
    """Before, a 150-200 MB attribute failed the file (it needed more than the 2 GB of memory
    an import may use); now it is kept cut to 64 MB, said in a warning naming the span."""
    path = hf.span_with_big_attribute(tmp_path / "big.json", 180 * hf.MB)
    try:
        [result] = run(db, path)
    finally:
        path.unlink()
    assert result.status is ImportStatus.IMPORTED, result.error
    [(value,)] = rows(db, "SELECT json_extract_string(attributes, '$.big') FROM spans")
    assert value.startswith("x" * otlp.VALUE_CAP)
    assert value[otlp.VALUE_CAP :] == f" […cut by Spanscope: {180 * hf.MB} characters in the file]"
    assert any("too long to keep whole" in w and "'step 1'" in w for w in result.warnings)


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_a_value_above_the_cap_is_kept_cut_naming_the_span(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compression: str
) -> None:
    """The cap scaled down to 1 MB: values up to it are kept whole, longer ones cut."""
    monkeypatch.setattr(otlp, "VALUE_CAP", hf.MB)
    doc = hf.one_span_doc(1, whole="w" * hf.MB, long="y" * (3 * hf.MB))
    data = json.dumps(doc).encode()
    path = tmp_path / ("long.json.gz" if compression == "gzip" else "long.json")
    path.write_bytes(gzip.compress(data) if compression == "gzip" else data)
    [result] = run(db, path)
    assert result.status is ImportStatus.IMPORTED, result.error
    [warning] = [w for w in result.warnings if "too long to keep whole" in w]
    assert "1 spans" in warning and "'step 1'" in warning and f"{1:016x}" in warning
    detail = only_span(db)
    kept = attributes(detail)
    assert kept["whole"] == "w" * hf.MB
    assert kept["long"] == "y" * hf.MB + f" […cut by Spanscope: {3 * hf.MB} characters in the file]"


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_an_attribute_too_large_for_memory_is_said_to_need_memory(
    tmp_path: Path, compression: str
) -> None:
    """Before, a 150-200 MB attribute failed with "a JSON object is larger than the 1 GB limit"
    (false: it was memory) naming the temporary copy "normalised.jsonl": the retry with the
    1 GB bound ran out of memory and fell through to the normaliser. Scaled down: a 60 MB
    attribute under a 400 MB memory limit."""
    database = Database.open(tmp_path / "small-memory.duckdb", memory_limit="400MB")
    try:
        big = hf.span_with_big_attribute(tmp_path / "big.json", 60 * hf.MB)
        if compression == "gzip":
            packed = tmp_path / "big.json.gz"
            with open(big, "rb") as plain, gzip.open(packed, "wb", compresslevel=1) as out:
                while block := plain.read(hf.MB):
                    out.write(block)
            big.unlink()
            big = packed
        good = good_file(tmp_path)
        results = {Path(r.path).name: r for r in import_paths(database, [good, big])}
        assert results[good.name].status is ImportStatus.IMPORTED
        error = results[big.name].error or ""
        assert results[big.name].status is ImportStatus.FAILED
        assert error.startswith(f"{big}: reading this file needs more memory"), error
        assert "1 GB" not in error and "normalised" not in error and "spanscope-import" not in error
        assert "\n" not in error  # DuckDB's list of tuning tips left out
        assert counts(database) == (4, 1, 1)
    finally:
        database.close()


def test_object_above_the_object_limit_is_refused_by_the_stated_limit(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real limit is 1 GB per JSON object (otlp.MAX_OBJECT_BYTES); scaled down to 18 MB here
    # (the first read allows 16 MB).
    monkeypatch.setattr(otlp, "MAX_OBJECT_BYTES", 18 * hf.MB)
    bad = hf.span_with_big_attribute(tmp_path / "huge.json", 20 * hf.MB)
    result = failed_alone(db, good_file(tmp_path), bad)
    assert "larger than" in (result.error or "") and "limit" in (result.error or "")


def _flattened_messages(count: int, *extra: str) -> dict[str, Any]:
    """OpenInference attributes of ``count`` flattened input messages, and a role at each
    index of ``extra``."""
    flat: dict[str, Any] = {"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o"}
    for i in [*map(str, range(count)), *extra]:
        flat[f"llm.input_messages.{i}.message.role"] = "user"
        flat[f"llm.input_messages.{i}.message.content"] = f"message {i}"
    return flat


@pytest.mark.parametrize(
    ("case", "flat", "shown"),
    [
        # before: 20,000 such messages (180 KB of gzip) took 67 s, the time growing with the
        # square of the count; all of them were made messages
        ("many", _flattened_messages(3_000), 1_000),
        # before: this one key of a 300-byte file made a list of 3 million messages: 15 s,
        # then "out of memory" failed the file
        ("sparse", _flattened_messages(2, "3000000"), 2),
    ],
)
def test_flattened_messages_are_read_up_to_a_bound_with_a_warning(
    db: Database, tmp_path: Path, case: str, flat: dict[str, Any], shown: int
) -> None:
    doc = document([build_span("1" * 32, "2" * 16, "chat", attributes=flat)])
    path = tmp_path / f"{case}.json.gz"
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))
    [result] = run(db, path)
    assert result.status is ImportStatus.IMPORTED, result.error
    [warning] = [w for w in result.warnings if "flattened messages" in w]
    assert "'chat'" in warning and "2" * 16 in warning  # names the span
    detail = only_span(db)
    assert len(detail["input_messages"]) == shown
    assert attributes(detail) == flat  # every entry kept in the raw attributes


# --- nesting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, text",
    [
        ("array.json", hf.deeply_nested(100_000)),
        ("in-envelope.json", '{"resourceSpans": ' + hf.deeply_nested(100_000) + "}"),
        ("lines.jsonl", json.dumps(hf.one_span_doc(2)) + "\n" + hf.deeply_nested(100_000)),
        ("open.json", "[" * 100_000),
        ("objects.json", '{"a":' * 100_000 + "1" + "}" * 100_000),
    ],
)
@pytest.mark.timeout(60)
def test_json_nested_100000_deep_fails_alone(
    db: Database, tmp_path: Path, name: str, text: str
) -> None:
    bad = tmp_path / name
    bad.write_text(text)
    result = failed_alone(db, good_file(tmp_path), bad)
    assert "Traceback" not in (result.error or "")


@pytest.mark.timeout(60)
def test_deeply_nested_attribute_value_is_imported_or_refused(db: Database, tmp_path: Path) -> None:
    doc = json.dumps(hf.one_span_doc(1, deep="@@"))
    deep = '{"arrayValue": {"values": ' + hf.deeply_nested(100_000) + "}}"
    text = doc.replace('{"stringValue": "@@"}', deep)
    path = tmp_path / "deep-attr.json"
    path.write_text(text)
    [result] = run(db, path)
    if result.status is ImportStatus.FAILED:
        assert "deep-attr.json" in (result.error or "") and counts(db) == (0, 0, 0)
    else:
        assert counts(db)[0] == 1


# --- many files -----------------------------------------------------------------------------


def test_folder_mixing_formats_and_junk_gets_a_line_per_file(
    db: Database, tmp_path: Path, small_cap: None
) -> None:
    folder = tmp_path / "incident"
    folder.mkdir()
    write_json(folder / "a.json", document(agent_trace()))
    text = json.dumps(document(agent_trace("2" * 32)))
    (folder / "b.json.gz").write_bytes(gzip.compress(text.encode()))
    (folder / "c.json.zst").write_bytes(
        zstandard.compress(text.replace("2" * 32, "3" * 32).encode())
    )
    (folder / "d.json").write_bytes(text.replace("2" * 32, "4" * 32).encode("utf-16"))
    (folder / "empty.json").write_bytes(b"")
    (folder / "junk.bin").write_bytes(os.urandom(4096))
    (folder / "notes.txt").write_text("call at 14:02, refund policy wrong\n")
    (folder / "package.json").write_text('{"name": "x", "version": "1"}')
    (folder / "deep.json").write_text(hf.deeply_nested(50_000))
    hf.json_bomb(folder / "bomb.json.gz", 40 * hf.MB, "gzip")
    hf.jsonl_with_bad_lines(folder / "lines.jsonl", 100, {50: "{"})
    (folder / "cut.json").write_text(text[: len(text) // 2])
    hf.hostile_zip(folder / "x.zip", text.encode())
    results = run(db, folder)
    status = {Path(r.path).name: r.status.value for r in results}
    assert status == {
        "a.json": "imported",
        "b.json.gz": "imported",
        "c.json.zst": "imported",
        "d.json": "imported",
        "empty.json": "failed",
        "junk.bin": "failed",
        "notes.txt": "failed",
        "package.json": "failed",
        "deep.json": "failed",
        "bomb.json.gz": "failed",
        "lines.jsonl": "failed",
        "cut.json": "failed",
        "x.zip": "failed",
    }
    for r in results:
        assert (r.error is None) == (r.status is ImportStatus.IMPORTED)
        assert r.error is None or Path(r.path).name in r.error
        assert r.error is None or "reader failed" not in r.error
    assert counts(db) == (16, 4, 4)


def test_a_reader_crash_costs_only_its_file(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader bug on odd content (here forced) fails that file alone, with a message."""
    from spanscope.importers.otlp import OtlpJson

    good = good_file(tmp_path)
    other = write_json(tmp_path / "other.json", document(agent_trace("9" * 32)))
    real = OtlpJson.source

    def source(self: OtlpJson, sample: Any, workdir: Path) -> Any:
        if sample.path.name == "other.json":
            raise KeyError("spans")
        return real(self, sample, workdir)

    def batch_source(self: OtlpJson, files: list[Any], workdir: Path) -> Any:
        # read together with other small files, the same bug breaks the batch: each of its
        # files is then read alone
        if any(path.name == "other.json" for path, *_ in files):
            raise KeyError("spans")
        return real_batch(self, files, workdir)

    real_batch = OtlpJson.batch_source
    monkeypatch.setattr(OtlpJson, "source", source)
    monkeypatch.setattr(OtlpJson, "batch_source", batch_source)
    result = failed_alone(db, good, other)
    assert "reader failed" in (result.error or "") and "KeyError" in (result.error or "")


def _long_lines_file(path: Path, lines: int, bad: int) -> Path:
    """JSON Lines of one-span documents, each line over 256 KB (a 300 KB attribute), with
    line ``bad`` cut short."""
    with open(path, "w", encoding="utf-8") as out:
        for number in range(1, lines + 1):
            text = json.dumps(hf.one_span_doc(number, filler="y" * 300_000))
            out.write((text[:1000] if number == bad else text) + "\n")
    return path


def test_lines_longer_than_the_sample_are_numbered_and_skipped(
    db: Database, tmp_path: Path
) -> None:
    """Before, with lines over 256 KB a bad line was reported with DuckDB's record number and
    a byte offset inside the record, and --skip-bad-records did nothing: the sample held no
    whole line, so the file was not taken for JSON Lines."""
    path = _long_lines_file(tmp_path / "long.jsonl", 6, bad=4)
    [failed] = list(import_paths(db, [path]))
    assert failed.status is ImportStatus.FAILED
    assert "line 4 is not valid JSON" in (failed.error or ""), failed.error
    assert "skip bad records" in (failed.error or "")
    [result] = list(import_paths(db, [path], skip_bad_records=True))
    assert result.status is ImportStatus.IMPORTED, result.error
    assert result.spans == 5
    assert any("skipped 1 of 6 lines" in w and "line 4" in w for w in result.warnings)


def test_times_at_the_int64_extremes_warn_naming_the_span(db: Database, tmp_path: Path) -> None:
    """Before, a start near -2^63 and an end near 2^63 failed the whole file with "Overflow in
    subtraction of INT64" and no span named."""
    path = write_json(
        tmp_path / "extreme.json",
        hf.raw_time_span("-9223372036854775807", "9223372036854775807"),
    )
    [result] = list(import_paths(db, [path]))
    assert result.status is ImportStatus.IMPORTED, result.error
    [warning] = [w for w in result.warnings if "too far apart" in w]
    assert "'timed'" in warning and "2" * 16 in warning
    assert rows(db, "SELECT duration_ns FROM spans") == [(None,)]


def test_messages_name_no_temporary_folder() -> None:
    """A message about a file read through a private copy names the copy's file at most,
    never the temporary folder (before, a copy directly in the import's folder was named
    with its whole temporary path)."""
    from spanscope.ingest import tidy_error

    said = tidy_error(
        '/x/a.json: cannot read "/tmp/spanscope-import-123-abcd/normalised.jsonl" at byte 5',
        None,
        True,
    )
    assert said == '/x/a.json: cannot read "normalised.jsonl" at byte 5'
