"""The span detail: untrusted text stays literal, long texts are capped, every tab is filled."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from otlp_builder import RETRIEVER, TOOL, agent_trace, document, span, write_json
from spanscope.ingest import import_paths
from spanscope.store import Database
from spanscope.ui.conversation import MESSAGE_CAP
from spanscope.ui.raw_json import HIGHLIGHT_CAP
from spanscope.ui.span_detail import CHUNKS, CONVERSATION, TOOLS

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
ROOT, LLM = "00f067aa0ba902b7", "00f067aa0ba902b8"
IMG = "<img src=http://x/a.png>"
LINK = '<a href="javascript:alert(1)">x</a>'
MARKDOWN = "**markdown**"
SCRIPT = "<script>alert(2)</script>"
LONG = "0123456789" * 5000  # 50,000 characters
SYSTEM = "Be safe. " + "Follow the rules. " * 20 + "END-OF-PROMPT"


def hostile_trace() -> list[dict]:
    inputs = [
        {"role": "user", "parts": [{"type": "text", "content": f"look {IMG} and {LINK}"}]},
        {
            "role": "tool",
            "parts": [{"type": "tool_call_response", "id": "call_9", "response": SCRIPT}],
        },
        {"role": "user", "parts": [{"type": "text", "content": LONG}]},
    ]
    outputs = [
        {
            "role": "assistant",
            "parts": [
                {"type": "reasoning", "content": "thinking about it"},
                {"type": "text", "content": f"{MARKDOWN} and <b>bold</b>"},
                {"type": "uri", "modality": "image", "uri": "http://x/c.png"},
                {
                    "type": "tool_call",
                    "id": "call_10",
                    "name": "render",
                    "arguments": {"html": IMG},
                },
            ],
        }
    ]
    return [
        span(TRACE, ROOT, "invoke_agent hostile", duration_ms=2000),
        span(
            TRACE,
            LLM,
            "chat gpt-4o",
            parent=ROOT,
            start=10,
            duration_ms=900,
            attributes={
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.system_instructions": json.dumps([{"type": "text", "content": SYSTEM}]),
                "gen_ai.input.messages": json.dumps(inputs),
                "gen_ai.output.messages": json.dumps(outputs),
                "big.attribute": "x" * (HIGHLIGHT_CAP + 50_000),
            },
        ),
    ]


def open_span(qtbot, window, span_id: str):  # type: ignore[no-untyped-def]
    tree = window.span_tree
    qtbot.waitUntil(lambda: len(tree.model.forest) > 0, timeout=10000)
    node = next(
        n for n in range(len(tree.model.forest)) if tree.model.forest.value(n, "span_id") == span_id
    )
    tree.select_node(node)
    detail = window.span_detail
    qtbot.waitUntil(
        lambda: detail.facts is not None and detail.facts.span_id == span_id, timeout=10000
    )
    return detail


def fragments_have_no_links_or_images(doc: QTextDocument) -> bool:
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isImageFormat() or fmt.isAnchor() or fmt.anchorHref():
                return False
            it += 1
        block = block.next()
    return True


def test_untrusted_text_is_shown_literally(
    qtbot, empty_db: Database, open_window, tmp_path: Path
) -> None:
    path = write_json(tmp_path / "hostile.json", document(hostile_trace()))
    [result] = list(import_paths(empty_db, [path]))
    assert result.status == "imported", result.error
    window = open_window(empty_db)
    detail = open_span(qtbot, window, LLM)
    assert detail.tabs.currentIndex() == CONVERSATION
    doc = detail.conversation.text.document()
    plain = doc.toPlainText()
    for literal in (IMG, LINK, MARKDOWN, SCRIPT, "<b>bold</b>", "call_10", "render"):
        assert literal in plain, literal
    assert '"html": "<img src=http://x/a.png>"' in plain  # arguments pretty-printed, literal
    assert "[reasoning," in plain and "not loaded" in plain  # placeholders for parts
    assert "END-OF-PROMPT" not in plain and "system prompt" in plain  # collapsed by default
    html = doc.toHtml()
    assert "<img" not in html and "<a " not in html and 'href="' not in html
    assert "<script" not in html and "<b>" not in html
    assert fragments_have_no_links_or_images(doc)
    assert doc.resource(QTextDocument.ResourceType.ImageResource, "http://x/a.png") is None

    # The long message is cut, with a visible way to read it all.
    assert LONG not in plain and LONG[:MESSAGE_CAP] in plain and "more not shown" in plain
    assert not detail.conversation.show_all.isHidden()
    qtbot.mouseClick(detail.conversation.show_all, Qt.MouseButton.LeftButton)
    assert LONG in detail.conversation.text.toPlainText()
    detail.conversation.show_system.setChecked(True)
    assert SYSTEM in detail.conversation.text.toPlainText()

    # Raw JSON: the first 200 KB highlighted in a worker, the rest behind "Show all".
    raw = detail.raw
    qtbot.waitUntil(lambda: len(raw.text()) >= HIGHLIGHT_CAP, timeout=15000)
    assert len(raw.text()) == HIGHLIGHT_CAP and not raw.show_all.isHidden()
    raw.show_all.click()
    assert len(raw.text()) > HIGHLIGHT_CAP + 50_000
    assert json.loads(raw.text())["attributes"]["gen_ai.request.model"] == "gpt-4o"
    window.runner.wait()


def test_tool_and_chunk_tabs(
    qtbot, empty_db: Database, open_window, tmp_path: Path, qtmodeltester
) -> None:
    path = write_json(tmp_path / "agent.json", document(agent_trace()))
    list(import_paths(empty_db, [path]))
    window = open_window(empty_db)
    detail = open_span(qtbot, window, RETRIEVER)
    assert detail.tabs.currentIndex() == CHUNKS
    chunks = detail.chunks.model
    qtmodeltester.check(chunks)
    assert [chunks.row(r)[2] for r in range(chunks.rowCount())] == ["doc-1", "doc-2"]
    assert "Refunds within 30 days." in detail.chunks.full.toPlainText()
    detail = open_span(qtbot, window, TOOL)
    assert detail.tabs.currentIndex() == TOOLS
    tools = detail.tools.model
    assert tools.row(0)[1:3] == ("search_kb", "call_1")
    assert '"query": "refund policy"' in detail.tools.full.toPlainText()
    usage = {
        (r[0], r[1]): r[2]
        for r in (detail.usage.model.row(i) for i in range(detail.usage.model.rowCount()))
    }
    assert usage[("Status", "status")] == "error"
    assert usage[("Source", "file")] == str(path)
    window.runner.wait()


def test_server_side_tools_listed_with_their_results(
    qtbot, empty_db: Database, open_window, tmp_path: Path
) -> None:
    """Tools the provider ran inside the call are the span's tool calls, results included."""
    from test_import_provider_logs import responses_with_server_tools

    path = write_json(tmp_path / "tools.json", responses_with_server_tools())
    [result] = list(import_paths(empty_db, [path]))
    assert result.status == "imported", result.error
    window = open_window(empty_db)
    detail = open_span(qtbot, window, "resp_tools")
    detail.tabs.setCurrentIndex(TOOLS)
    tools = detail.tools.model
    names = sorted(tools.row(r)[1] for r in range(tools.rowCount()))
    assert names == ["code_interpreter", "crm.lookup", "file_search", "web_search"]
