"""Incident cases: create, collect, note, export to a case file, open it on a fresh database,
and refuse damaged, tampered and newer case files without changing the database."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from otlp_builder import LLM, TOOL, TRACE, agent_trace, document, span, write_json
from spanscope.cli import main
from spanscope.store import Database
from store_checks import imported

HOSTILE = "<script>alert(1)</script>\x1b[31m\x00 bell\x07"
OTHER = "0af7651916cd43dd8448eb211c80319c"
SECRET = "sk-proj-abcdefghijklmnopqrstuvwxyz123456"


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


def hostile_trace() -> list[dict[str, object]]:
    return [
        span(
            OTHER,
            "bbbbbbbbbbbbbbb1",
            HOSTILE,
            duration_ms=500,
            status=2,
            message=f"failed: {HOSTILE} key {SECRET}",
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "user.id": "u_7",
                "gen_ai.input.messages": json.dumps(
                    [{"role": "user", "parts": [{"type": "text", "content": HOSTILE}]}]
                ),
            },
        )
    ]


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "mine.duckdb"
    with Database.open(path) as db:
        imported(db, write_json(tmp_path / "agent.json", document(agent_trace())))
        imported(db, write_json(tmp_path / "hostile.json", document(hostile_trace())))
    return path


def build_case(db: str, tmp_path: Path) -> Path:
    """A case with both traces, a span, two notes and an annotation, exported."""
    assert run("--db", db, "case", "create", "refunds", "--summary", "wrong refund policy")[0] == 0
    assert run("--db", db, "case", "add", "refunds", TRACE, "bbbbbbbbbbbbbbb1", TOOL)[0] == 0
    assert run("--db", db, "case", "note", "refunds", "tool timed out", "--span", TOOL)[0] == 0
    assert run("--db", db, "case", "note", "refunds", f"then the model said {HOSTILE}")[0] == 0
    assert run("--db", db, "annotate", LLM, "--label", "hallucination", "--note", "made up")[0] == 0
    case_file = tmp_path / "refunds.spanscope-case"
    code, out = run("--db", db, "case", "export", "refunds", "-o", str(case_file))
    assert code == 0, out
    assert "masked api key" in out
    return case_file


def snapshot(path: Path) -> dict[str, object]:
    """What a reader sees: spans (all columns), annotations and the case's notes."""
    with Database.open(path, read_only=True) as db:
        cur = db.reader()
        spans = cur.execute(
            "SELECT * EXCLUDE (source_id) FROM spans ORDER BY trace_id, span_id"
        ).fetchall()
        notes = cur.execute("SELECT text, span_ids FROM case_notes ORDER BY noted_at").fetchall()
        annotations = cur.execute(
            "SELECT trace_id, span_id, labels, note, author FROM annotations ORDER BY 1, 2"
        ).fetchall()
        counts = cur.execute(
            "SELECT (SELECT count(*) FROM sources), (SELECT count(*) FROM case_items), "
            "(SELECT count(*) FROM traces)"
        ).fetchall()
    return {"spans": spans, "notes": notes, "annotations": annotations, "counts": counts}


def test_round_trip_on_a_fresh_database(db_file: Path, tmp_path: Path) -> None:
    case_file = build_case(str(db_file), tmp_path)
    fresh = tmp_path / "fresh.duckdb"
    code, out = run("--db", str(fresh), "case", "open", str(case_file))
    assert code == 0, out
    assert "5 spans added in 2 traces" in out  # the agent run (4) and the hostile one
    mine, theirs = snapshot(db_file), snapshot(fresh)
    assert [s[:2] for s in theirs["spans"]] == [s[:2] for s in mine["spans"]]  # type: ignore[index]
    assert theirs["notes"] == mine["notes"]
    assert theirs["annotations"] == mine["annotations"]
    # the secret was masked in the file; everything else came through unchanged
    with Database.open(fresh, read_only=True) as db:
        [(message,)] = (
            db.reader()
            .execute("SELECT status_message FROM spans WHERE trace_id = ?", [OTHER])
            .fetchall()
        )
        [(name,)] = (
            db.reader().execute("SELECT name FROM spans WHERE trace_id = ?", [OTHER]).fetchall()
        )
        [(fmt, path)] = db.reader().execute("SELECT format, path FROM sources").fetchall()
    assert SECRET not in message and "[REDACTED:api key]" in message
    assert name == HOSTILE
    assert fmt == "spanscope-case" and path.endswith("refunds.spanscope-case")
    found = run("--db", str(fresh), "ls", '"refund policy"', "--json")[1].splitlines()
    assert [json.loads(line)["trace_id"] for line in found] == [TRACE]  # indexed for search
    listed = [
        json.loads(line)
        for line in run("--db", str(fresh), "case", "list", "--json")[1].splitlines()
    ]
    assert listed == [
        {**listed[0], "name": "refunds", "traces": 2, "spans": len(mine["spans"]), "notes": 2,  # type: ignore[arg-type]
         "annotations": 1}
    ]  # fmt: skip


def test_opening_twice_changes_nothing(db_file: Path, tmp_path: Path) -> None:
    case_file = build_case(str(db_file), tmp_path)
    fresh = tmp_path / "fresh.duckdb"
    assert run("--db", str(fresh), "case", "open", str(case_file))[0] == 0
    first = snapshot(fresh)
    code, out = run("--db", str(fresh), "case", "open", str(case_file))
    assert code == 0 and "opened before" in out
    assert snapshot(fresh) == first
    # opening into the database it came from adds no span either: the user's copy stays
    before = snapshot(db_file)
    assert run("--db", str(db_file), "case", "open", str(case_file))[0] == 0
    after = snapshot(db_file)
    assert after["spans"] == before["spans"] and after["notes"] == before["notes"]
    assert after["annotations"] == before["annotations"]


def _rewrite(case_file: Path, target: Path, member: str, change: object) -> Path:
    with zipfile.ZipFile(case_file) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[member] = change(members[member])  # type: ignore[operator]
    with zipfile.ZipFile(target, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    return target


def _written(target: Path, data: bytes) -> Path:
    target.write_bytes(data)
    return target


def _truncated(case_file: Path, target: Path) -> Path:
    return _written(target, case_file.read_bytes()[: case_file.stat().st_size // 2])


def _flipped(case_file: Path, target: Path) -> Path:
    data = bytearray(case_file.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(b ^ 0xFF for b in data[middle : middle + 16])
    return _written(target, bytes(data))


def _manifest_edit(**fields: object) -> object:
    def edit(data: bytes) -> bytes:
        manifest = json.loads(data)
        for key, value in fields.items():
            if key == "spans":
                manifest["counts"]["spans"] = value
            else:
                manifest[key] = value
        return json.dumps(manifest).encode()

    return edit


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("truncated", lambda f, t: _truncated(f, t), "damaged"),
        ("flipped bytes", lambda f, t: _flipped(f, t), "damaged"),
        ("tampered count", lambda f, t: _rewrite(f, t, "manifest.json", _manifest_edit(spans=99)),
         "the manifest says 99"),
        ("tampered member", lambda f, t: _rewrite(f, t, "case.json", lambda d: d.replace(
            b"tool timed out", b"tool was fine!")), "does not match the manifest"),
        ("bad manifest", lambda f, t: _rewrite(f, t, "manifest.json", lambda d: b"{not json"),
         "not valid JSON"),
        ("newer format", lambda f, t: _rewrite(f, t, "manifest.json",
                                               _manifest_edit(format_version=99)), "newer"),
        ("newer schema", lambda f, t: _rewrite(f, t, "manifest.json",
                                               _manifest_edit(schema_version=999)), "newer"),
        ("not a zip", lambda f, t: _written(t, b"hello"), "damaged"),
    ],
)  # fmt: skip
def test_bad_case_files_are_refused_and_change_nothing(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, make: object,
    words: str,
) -> None:  # fmt: skip
    case_file = build_case(str(db_file), tmp_path)
    bad = make(case_file, tmp_path / "bad.spanscope-case")  # type: ignore[operator]
    fresh = tmp_path / "fresh.duckdb"
    with Database.open(fresh) as db:
        imported(db, write_json(tmp_path / "agent2.json", document(agent_trace())))
    before = snapshot(fresh)
    capsys.readouterr()
    code, _ = run("--db", str(fresh), "case", "open", str(bad))
    err = capsys.readouterr().err
    assert code == 1
    assert words in err and "bad.spanscope-case" in err
    assert snapshot(fresh) == before


def test_report_html_is_self_contained_and_shows_trace_text_as_text(
    db_file: Path, tmp_path: Path
) -> None:
    from html.parser import HTMLParser

    build_case(str(db_file), tmp_path)
    assert run("--db", str(db_file), "case", "diff", "refunds", TRACE, OTHER)[0] == 0
    page = tmp_path / "report.html"
    assert run("--db", str(db_file), "case", "report", "refunds", "-o", str(page))[0] == 0
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert "http://" not in text and "https://" not in text
    assert "\x1b" not in text and "\x00" not in text and "\x07" not in text

    class Collect(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[str] = []
            self.text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.tags.append(tag)
            for _, value in attrs:
                assert not (value or "").startswith(("http", "//"))

        def handle_data(self, data: str) -> None:
            self.text.append(data)

    parser = Collect()
    parser.feed(text)
    parser.close()
    shown = "".join(parser.text)
    assert "<script>alert(1)</script>\\x1b[31m\\x00 bell\\x07" in shown  # as text, visibly
    assert {"script", "img", "link", "iframe"}.isdisjoint(parser.tags)
    assert parser.tags.count("rect") == 2  # the chart: one bar per trace, drawn in the page
    assert f"{TRACE} vs {OTHER}: first divergence at span" in shown
    assert SECRET not in text and "[REDACTED:api key]" in shown
    for words in ("Impact", "Timeline", "tool timed out", "Failure groups", "timeout after 30ms",
                  "What is your refund policy?"):  # fmt: skip
        assert words in shown
    markdown = tmp_path / "report.md"
    assert run("--db", str(db_file), "case", "report", "refunds", "-o", str(markdown))[0] == 0
    md = markdown.read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script&gt;" in md and "## Timeline" in md


def test_an_older_database_upgrades_and_holds_cases(tmp_path: Path) -> None:
    """A file as version 2 wrote it gets the case tables on upgrade; its trace, annotation and
    replay go into a case file and come out on a fresh database."""
    from old_schemas import write_schema2_database

    old = str(write_schema2_database(tmp_path / "v2.duckdb"))
    assert run("--db", old, "case", "create", "old")[0] == 0
    assert run("--db", old, "case", "add", "old", "t1")[0] == 0
    case_file = tmp_path / "old.spanscope-case"
    assert run("--db", old, "case", "export", "old", "-o", str(case_file))[0] == 0
    fresh = tmp_path / "fresh.duckdb"
    code, out = run("--db", str(fresh), "case", "open", str(case_file))
    assert code == 0, out
    with Database.open(fresh, read_only=True) as db:
        cur = db.reader()
        assert cur.execute("SELECT span_id FROM spans ORDER BY 1").fetchall() == [("s1",), ("s2",)]
        assert cur.execute("SELECT note FROM annotations").fetchall() == [("made up a policy",)]
        assert cur.execute("SELECT output_text FROM replays").fetchall() == [
            ("the policy is 30 days",)
        ]
        assert cur.execute("SELECT span_count FROM traces").fetchall() == [(2,)]
    # the replay is not added twice
    assert run("--db", str(fresh), "case", "open", str(case_file))[0] == 0
    with Database.open(fresh, read_only=True) as db:
        assert db.reader().execute("SELECT count(*) FROM replays").fetchall() == [(1,)]


SECRETS = [
    f"first line\n{SECRET}",
    json.dumps({"note": f"line\n{SECRET}"}),
    json.dumps({"api_key": "abcdef123456"}),
    json.dumps({"headers": {"Authorization": "Basic dXNlcjpwYXNz"}}),
    {"key": "http.request.header.x-api-key", "value": {"stringValue": "abc123456"}},
    "Bearer abcdefghijklmnopqrstuvwxyz",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.abcdefghijklmnop",
    "password: hunter2hunter2",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
    json.dumps({"m": "AKIAABCDEFGHIJKLMNOP"}),
    '{"m": "\\u0073k-proj-abcdefghijklmnopqrstuvwxyz123456"}',
    [{"role": "user", "content": "my key is ghp_abcdefghijklmnopqrstuvwxyz0123456789"}],
]


@pytest.mark.parametrize("value", SECRETS)
def test_the_quick_check_never_skips_what_masking_would_change(value: object) -> None:
    from spanscope.core.case_export import _hint, _might_hold
    from spanscope.core.redaction import SecretRedactor

    redactor = SecretRedactor()
    assert redactor.value(value) != value
    assert _might_hold(value, _hint(redactor))


def test_the_quick_check_skips_plain_span_text() -> None:
    from spanscope.core.case_export import _hint, _might_hold
    from spanscope.core.redaction import SecretRedactor, all_rules

    hint = _hint(SecretRedactor())
    for plain in ("What is your refund policy?", '{"gen_ai.usage.input_tokens": 12}', [{"a": 1}]):
        assert not _might_hold(plain, hint)
    assert _might_hold("write to ana@example.com", _hint(SecretRedactor(all_rules())))


def test_the_quick_check_never_skips_a_secret_any_rule_masks() -> None:
    """Every example of the secret rules' own tests (each kind of secret, gitleaks' included)
    is text the quick check sends to the masker: the check is built from the rules' keywords,
    so a rule added later is covered without touching it."""
    from spanscope.core.case_export import _hint, _might_hold
    from spanscope.core.redaction import SecretRedactor, all_rules
    from test_secret_patterns import CASES

    redactor = SecretRedactor(all_rules())
    hint = _hint(redactor)
    for text, *_rest in CASES:
        assert redactor.value(text) != text, text
        assert _might_hold(text, hint), text


def test_a_case_from_a_filter_and_the_masking_preview(db_file: Path, tmp_path: Path) -> None:
    db = str(db_file)
    code, out = run("--db", db, "case", "create", "errors", "--filter", "user:u_7")
    assert code == 0 and "with 1 traces" in out
    code, out = run("--db", db, "case", "export", "errors", "-o", str(tmp_path / "x"), "--preview")
    assert code == 0 and "masked api key: 1" in out and "sk-pro…" in out
    assert not (tmp_path / "x").exists()  # a preview writes nothing
    code, out = run(
        "--db", db, "case", "export", "errors", "-o", str(tmp_path / "y"), "--no-redact"
    )
    assert code == 0 and "nothing masked" in out
    assert run("--db", db, "case", "create", "errors")[0] == 1  # the name is taken
    assert run("--db", db, "case", "add", "errors", "no-such-id")[0] == 1
    with Database.open(db_file, read_only=True) as opened:
        refs = opened.reader().execute("SELECT kind, ref FROM case_refs").fetchall()
    assert refs == [("filter", "user:u_7")]
