"""Price overrides: the user's own prices, stored in the database, on top of the bundled data.

Adding or removing one prices every stored call again (through the write queue: a second
change waits for the first, never interrupts it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from spanscope.core.pricing import cost_rules
from spanscope.store import costs as store_costs
from spanscope.ui.window_surface import WindowSurface

_HEADERS = (
    "Id",
    "Model pattern",
    "Provider",
    "Input",
    "Output",
    "Cache read",
    "Cache write",
    "From",
    "To",
)
_PRICES = ("input", "output", "cache_read", "cache_write")


def _moment(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(text: str) -> float | None:
    text = text.strip().lstrip("$")
    return float(text) if text else None


class PriceSettings(QDialog):
    """Lists the overrides; adds and removes them."""

    def __init__(
        self, window: WindowSurface, on_changed: Callable[[], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent or window.widget)
        self.setWindowTitle("Prices")
        self.resize(900, 480)
        self.main, self.on_changed = window, on_changed
        self.table = QTableWidget(0, len(_HEADERS), self)
        self.table.setHorizontalHeaderLabels(_HEADERS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.pattern = QLineEdit(self)
        self.pattern.setPlaceholderText("e.g. gpt-4o* or my-finetune-v2")
        self.provider = QLineEdit(self)
        self.provider.setPlaceholderText("any")
        self.fields: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.addRow("Model pattern", self.pattern)
        form.addRow("Provider", self.provider)
        for name in _PRICES:
            edit = QLineEdit(self)
            edit.setPlaceholderText("USD per million tokens")
            self.fields[name] = edit
            form.addRow(name.replace("_", " ").capitalize(), edit)
        self.valid_from, self.valid_to = QLineEdit(self), QLineEdit(self)
        self.valid_from.setPlaceholderText("always (or e.g. 2026-03-01)")
        self.valid_to.setPlaceholderText("open-ended")
        form.addRow("Valid from", self.valid_from)
        form.addRow("Valid until", self.valid_to)
        self.add_button = QPushButton("Add price", self)
        self.remove_button = QPushButton("Remove selected", self)
        self.status = QLabel(
            "Your prices win over the bundled ones for the models they match; the newest wins "
            "where several match.",
            self,
        )
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(close)
        writable = not window.db.read_only
        self.add_button.setEnabled(writable)
        self.remove_button.setEnabled(writable)
        self.add_button.clicked.connect(self.add)
        self.remove_button.clicked.connect(self.remove_selected)
        self.load()

    def load(self) -> None:
        self.main.runner.submit(
            "price-overrides",
            lambda cur: [vars(o) for o in store_costs.overrides(cur)],
            self._fill,
            self.status.setText,
        )

    def _fill(self, rows: list[dict[str, Any]]) -> None:
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = [
                row["override_id"],
                row["model_pattern"],
                row["provider"] or "any",
                *(row[f"{p}_per_mtok"] for p in _PRICES),
                row["valid_from"],
                row["valid_to"],
            ]
            for c, value in enumerate(values):
                text = (
                    ""
                    if value is None
                    else (f"${value:g}" if isinstance(value, float) else str(value))
                )
                self.table.setItem(r, c, QTableWidgetItem(text))

    def add(self) -> None:
        """Store the override in the form, then price every call again."""
        try:
            values: dict[str, Any] = {
                f"{p}_per_mtok": _number(self.fields[p].text()) for p in _PRICES
            }
            values["valid_from"] = _moment(self.valid_from.text())
            values["valid_to"] = _moment(self.valid_to.text())
        except ValueError as exc:
            self.status.setText(f"Not added: {exc}")
            return
        pattern, provider = self.pattern.text(), self.provider.text().strip() or None
        self._change(
            lambda cur: store_costs.add_override(cur, pattern, provider=provider, **values),
            f"Added a price for {pattern}",
        )

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        ids = [int(item.text()) for r in rows if (item := self.table.item(r, 0)) is not None]
        if ids:
            self._change(
                lambda cur: [store_costs.remove_override(cur, i) for i in ids],
                f"Removed {len(ids)} price(s)",
            )

    def _change(self, write: Callable[[Any], object], done_text: str) -> None:
        rules = cost_rules()
        self.status.setText("Pricing every call again…")
        self.add_button.setEnabled(False)

        def work(cur: Any) -> int:
            write(cur)
            return store_costs.reprice(cur, rules)

        self.main.writes.write(work, lambda n: self._changed(n, done_text), self._error)

    def _changed(self, priced: int, done_text: str) -> None:
        self.add_button.setEnabled(True)
        self.status.setText(f"{done_text}; {priced:,} calls priced again.")
        self.load()
        self.on_changed()

    def _error(self, message: str) -> None:
        self.add_button.setEnabled(True)
        self.status.setText(f"Not changed: {message}")
