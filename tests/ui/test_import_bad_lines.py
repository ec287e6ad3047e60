"""A file failed by a bad line can be imported again from the import window, skipping the
bad lines: strict by default, the opt-in one click away, the skipped lines listed."""

from __future__ import annotations

from pathlib import Path

import hostile_files as hf
from spanscope.store import Database


def test_import_again_skipping_bad_lines(  # type: ignore[no-untyped-def]
    qtbot, open_window, db: Database, tmp_path: Path
) -> None:
    window = open_window(db)
    path = hf.jsonl_with_bad_lines(tmp_path / "lines.jsonl", 200, {42: "{oops"})
    with qtbot.waitSignal(window.importer.finished, timeout=20000):
        assert window.import_paths([path])
    first = window.importer.dialog
    assert first.results.row(0)[2] == "failed"
    assert "line 42" in first.results.row(0)[5]
    assert first.skip_button.isVisible()
    window.grab().save(str(tmp_path / "window.png"))
    with qtbot.waitSignal(window.importer.finished, timeout=20000):
        first.skip_button.click()
    second = window.importer.dialog
    assert second is not first and not second.skip_button.isVisible()
    assert second.results.row(0)[2:4] == ("imported", "199")
    assert "skipped 1 of 200 lines" in second.results.row(0)[5]
    assert "line 42" in second.results.row(0)[5]
