"""Checks that a window shows trace text as the text it is, and fetches or opens nothing.

:func:`problems` walks a widget and everything in it (labels, tool tips, text edits, item views
and their models, window titles) and describes each place where hostile text would be
interpreted: a label that could render rich text, a tool tip Qt would parse as HTML and lose
markup from, a document holding a link or image, a cell or tip too long to lay out quickly.
Rich text is rendered the way Qt would render it, into a :class:`RecordingDocument` that
records every resource (image, style sheet) the text asks for instead of loading it.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from PySide6 import QtGui
from PySide6.QtCharts import QChartView
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTextBrowser,
    QTextEdit,
    QWidget,
)

from hostile_payloads import FINGERPRINTS, MARKUP

CELL_LIMIT = 10_000  # characters of one list or tree cell
TIP_LIMIT = 10_000  # characters of one tool tip
TITLE_LIMIT = 400  # characters of a window title
ROW_LIMIT = 400  # rows of each model walked


class RecordingDocument(QTextDocument):
    """A document that writes down the resources its HTML asks for and loads none."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[str] = []

    def loadResource(self, kind: int, url: QUrl) -> Any:  # noqa: N802 (Qt's name)
        self.requests.append(url.toString())
        return None


def is_trace_text(text: str) -> bool:
    return any(f in text for f in FINGERPRINTS)


def as_rendered(text: str, rich: bool) -> tuple[str, list[str]]:
    """What a reader sees of ``text`` and the resources it requested, rich or plain."""
    if not rich:
        return text, []
    doc = RecordingDocument()
    doc.setHtml(text)
    return doc.toPlainText(), doc.requests


def markup_lost(raw: str, shown: str) -> list[str]:
    """Markup the source text holds (once unescaped) that the screen does not show."""
    source = html.unescape(raw)
    return [m for m in MARKUP if m in source and m not in shown]


def _rich(text: str, text_format: Qt.TextFormat) -> bool:
    if text_format == Qt.TextFormat.PlainText:
        return False
    if text_format == Qt.TextFormat.AutoText:
        return QtGui.Qt.mightBeRichText(text)
    return True


def _check_shown(where: str, raw: str, rich: bool) -> Iterator[str]:
    shown, requests = as_rendered(raw, rich)
    if requests:
        yield f"{where}: asked to load {requests}"
    lost = markup_lost(raw, shown)
    if lost:
        yield f"{where}: interpreted as rich text ({lost} not shown)"


def _check_tip(where: str, tip: str) -> Iterator[str]:
    if not tip or not is_trace_text(tip):
        return
    if len(tip) > TIP_LIMIT:
        yield f"{where}: tool tip of {len(tip):,} characters"
        return
    # QToolTip shows rich text whenever Qt.mightBeRichText says so; there is no format switch.
    yield from _check_shown(where + " tool tip", tip, QtGui.Qt.mightBeRichText(tip))


def _name(widget: QWidget) -> str:
    parent = widget.parentWidget()
    owner = f" in {type(parent).__name__}" if parent is not None else ""
    return f"{type(widget).__name__}({widget.objectName() or hex(id(widget))}){owner}"


def _label_problems(label: QLabel) -> Iterator[str]:
    text = label.text()
    if not is_trace_text(text):
        return
    where = _name(label) + " " + repr(text[:40])
    if label.textFormat() != Qt.TextFormat.PlainText:
        yield f"{where}: shows trace text with text format {label.textFormat().name}"
    if label.openExternalLinks():
        yield f"{where}: opens external links"
    yield from _check_shown(where, text, _rich(text, label.textFormat()))


def _document_problems(edit: QTextEdit) -> Iterator[str]:
    if isinstance(edit, QTextBrowser) and (edit.openLinks() or edit.openExternalLinks()):
        yield f"{_name(edit)}: a browser that follows links"
    block = edit.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            fmt = fragment.charFormat()
            if fmt.isAnchor() or fmt.anchorHref():
                yield f"{_name(edit)}: link to {fmt.anchorHref()!r}"
            if fmt.isImageFormat():
                yield f"{_name(edit)}: image {fmt.toImageFormat().name()!r}"
            it += 1
        block = block.next()


def _chart_problems(view: QChartView) -> Iterator[str]:
    # Qt Charts lays legend labels out as HTML, always.
    for marker in view.chart().legend().markers():
        label = marker.label()
        where = f"{_name(view)} legend {label[:40]!r}"
        if len(label) > TITLE_LIMIT:
            yield f"{where}: legend label of {len(label):,} characters"
        elif is_trace_text(html.unescape(label)):
            yield from _check_shown(where, label, rich=True)


def _indexes(model: QAbstractItemModel, parent: QModelIndex, budget: list[int]) -> Iterator[Any]:
    for row in range(model.rowCount(parent)):
        if budget[0] <= 0:
            return
        budget[0] -= 1
        for column in range(model.columnCount(parent)):
            index = model.index(row, column, parent)
            yield index
            if column == 0 and model.rowCount(index) > 0:
                yield from _indexes(model, index, budget)


def model_problems(model: QAbstractItemModel, where: str) -> Iterator[str]:
    """Cells too long to lay out quickly and tool tips that would be read as HTML."""
    for index in _indexes(model, QModelIndex(), [ROW_LIMIT]):
        cell = f"{where}[{index.row()},{index.column()}]"
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if isinstance(text, str) and len(text) > CELL_LIMIT:
            yield f"{cell}: cell of {len(text):,} characters"
        tip = index.data(Qt.ItemDataRole.ToolTipRole)
        if isinstance(tip, str):
            yield from _check_tip(cell, tip)


def problems(root: QWidget) -> list[str]:
    """Every place under ``root`` where trace text would not be shown as plain text."""
    found: list[str] = []
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if widget.isWindow():
            title = widget.windowTitle()
            if len(title) > TITLE_LIMIT:
                found.append(f"{_name(widget)}: window title of {len(title):,} characters")
        found.extend(_check_tip(_name(widget), widget.toolTip()))
        if isinstance(widget, QLabel):
            found.extend(_label_problems(widget))
        elif isinstance(widget, QTextEdit):
            found.extend(_document_problems(widget))
        elif isinstance(widget, QChartView):
            found.extend(_chart_problems(widget))
        elif isinstance(widget, QHeaderView):
            continue  # its model is its view's, walked there
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            found.extend(model_problems(widget.model(), _name(widget)))
    return found


def plain_text_widgets(root: QWidget) -> list[QWidget]:
    """Text widgets under ``root`` that show trace text (plain-text editors included)."""
    return [
        w
        for w in root.findChildren(QWidget)
        if isinstance(w, QTextEdit | QPlainTextEdit) and is_trace_text(w.toPlainText())
    ]
