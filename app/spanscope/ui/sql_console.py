"""The SQL console window: read-only SQL over the documented tables, for power users.

The queries run on :class:`spanscope.store.console.Console`, a read-only DuckDB instance over a
snapshot of the database (see there for why a snapshot and what it refuses), in a pool thread.
Rows arrive page by page as the grid scrolls; the schema, with each column's meaning, sits
beside the editor. Export writes the whole result to a file the user picks.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from spanscope import paths
from spanscope.store import Database
from spanscope.store.console import Console, ResultPages, schema_docs
from spanscope.ui import display
from spanscope.ui.keyboard import close_on_escape
from spanscope.ui.secret_masking import current_redactor, table_masker
from spanscope.ui.workers import QueryRunner

PAGE = 500
CELL_CAP = 500  # characters shown in a cell; the full value is in the tooltip (capped too)
EXAMPLE = "SELECT kind, count(*) AS spans, sum(input_tokens) AS input_tokens\nFROM spans\nGROUP BY kind\nORDER BY spans DESC"

Index = QModelIndex | QPersistentModelIndex


# Tables the app keeps for itself (search index, bookkeeping): queryable, not listed.
INTERNAL_TABLES = frozenset({"meta", "search_docs", "search_pending"})
_NUMBER_ALIGN = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def number_text(value: float | Decimal) -> str:
    """A number as a person reads it: thousands separated, at most six decimals (six
    significant digits below 0.001), no trailing zeros (the tool tip has the exact value)."""
    if isinstance(value, int):
        return f"{value:,}"
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        return str(number)
    if number != 0 and abs(number) < 1e-3 or abs(number) >= 1e15:  # small costs keep digits
        return f"{number:.6g}"
    return f"{number:,.6f}".rstrip("0").rstrip(".")


class ArrowRowsModel(QAbstractTableModel):
    """Rows of an Arrow result, appended a page at a time; ``fetch_more`` asks for the next."""

    fetch_more_requested = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._names: list[str] = []
        self._columns: list[list[Any]] = []
        self._rows = 0
        self.more = False
        self.loading = False

    def reset(self, schema: pa.Schema | None) -> None:
        self.beginResetModel()
        self._names = list(schema.names) if schema is not None else []
        self._columns = [[] for _ in self._names]
        self._rows = 0
        self.more = False
        self.endResetModel()

    def append(self, page: pa.Table, more: bool) -> None:
        self.more = more
        self.loading = False
        if page.num_rows:
            self.beginInsertRows(QModelIndex(), self._rows, self._rows + page.num_rows - 1)
            for values, column in zip(self._columns, page.columns, strict=True):
                values.extend(column.to_pylist())
            self._rows += page.num_rows
            self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._names)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.TextAlignmentRole,
        ):
            return None
        value = self._columns[index.column()][index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _NUMBER_ALIGN if _is_number(value) else None
        text = "NULL" if value is None else str(value)
        if role == Qt.ItemDataRole.DisplayRole:
            return number_text(value) if _is_number(value) else display.one_line(text, CELL_CAP)
        if _is_number(value):
            return text  # the exact value behind the formatted one
        return text[:5000] if len(text) > CELL_CAP else None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._names[section] if section < len(self._names) else None
        return str(section + 1)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.more and not self.loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self.loading = True
            self.fetch_more_requested.emit()


class SqlConsole(QWidget):
    """A window with an SQL editor, the schema, and a lazily paged result grid."""

    finished = Signal(int)  # rows shown after a query's first page
    failed = Signal(str)

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        close_on_escape(self)
        self.setWindowTitle(f"SQL console — {db.path.name} (read-only)")
        self._db = db
        self._runner = QueryRunner(db, self, threads=2)
        self._console: Console | None = None
        self._pages: ResultPages | None = None
        self._cursor: Any = None
        self._sql = ""
        self._started_at = 0.0
        self.run_seconds: float | None = None  # how long the last query took to its first rows
        self._cancel_timer = QTimer(self)
        self._cancel_timer.setInterval(50)  # DuckDB drops an interrupt sent before it starts
        self._cancel_timer.timeout.connect(self._interrupt)

        self.editor = QPlainTextEdit(self)
        self.editor.setFont(display.mono_font())
        self.editor.setPlainText(EXAMPLE)
        self.run_button = QPushButton("Run", self)
        self.run_button.setToolTip("Run the query (Ctrl+Enter)")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.export_button = QPushButton("Export…", self)
        self.export_button.setToolTip("Save every row of the result as CSV or Parquet")
        self.export_button.setEnabled(False)
        self.refresh_button = QPushButton("Refresh data", self)
        self.refresh_button.setToolTip("Take a new snapshot of the database (newer imports)")
        self.status = QLabel("The console reads a snapshot of the database; it cannot change it.")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.model = ArrowRowsModel(self)
        self.grid = QTableView(self)
        self.grid.setModel(self.model)
        self.grid.setWordWrap(False)
        self.schema = QTreeWidget(self)
        self.schema.setHeaderLabels(["Table / column", "Type", "Meaning"])
        self._fill_schema()

        buttons = QHBoxLayout()
        for button in (self.run_button, self.cancel_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        left = QWidget(self)
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        editor_split = QSplitter(Qt.Orientation.Vertical, left)
        editor_split.addWidget(self.editor)
        editor_split.addWidget(self.grid)
        editor_split.setSizes([160, 420])
        column.addLayout(buttons)
        column.addWidget(editor_split, 1)
        column.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(self.schema)
        split.setSizes([760, 380])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.resize(1180, 680)

        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button.clicked.connect(self.choose_export)
        self.refresh_button.clicked.connect(self.refresh)
        self.model.fetch_more_requested.connect(self._fetch_more)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.run)

    def _fill_schema(self) -> None:
        tables: dict[str, QTreeWidgetItem] = {}
        for doc in schema_docs():
            if doc.table in INTERNAL_TABLES:
                continue
            parent = tables.get(doc.table)
            if parent is None:
                parent = tables[doc.table] = QTreeWidgetItem(self.schema, [doc.table])
            item = QTreeWidgetItem(parent, [doc.column, doc.type, doc.meaning])
            item.setToolTip(0, doc.meaning)
            item.setToolTip(2, doc.meaning)
        for view, meaning in (
            ("messages", "one row per message (a view over spans)"),
            ("tool_calls", "one row per tool call (a view over spans)"),
            ("documents", "one row per retrieved chunk (a view over spans)"),
        ):
            QTreeWidgetItem(self.schema, [view, "view", meaning])
        self.schema.resizeColumnToContents(0)

    # -- running -----------------------------------------------------------------------------

    def run(self) -> None:
        """Run the editor's text; a query still running is cancelled first."""
        sql = self.editor.toPlainText().strip()
        if not sql:
            return
        self.cancel()
        self._close_pages()
        self._sql = sql
        self.model.reset(None)
        self.export_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText("Running…")
        self._started_at = time.perf_counter()
        db, into = self._db, paths.snapshot_dir() / "console"
        console = self._console

        def work() -> tuple[Console, ResultPages, pa.Table]:
            opened = console or Console.snapshot(db, into)
            pages = opened.start(sql, cursor=cursor_for(opened))
            return opened, pages, pages.next_page(PAGE)

        def cursor_for(opened: Console) -> Any:
            self._cursor = opened.cursor()
            return self._cursor

        self._runner.compute("console", work, self._started, self._failed)

    def _started(self, result: tuple[Console, ResultPages, pa.Table]) -> None:
        self._console, self._pages, page = result
        self._cursor = None
        self.run_seconds = time.perf_counter() - self._started_at
        self.cancel_button.setEnabled(False)
        self._cancel_timer.stop()
        self.model.reset(self._pages.schema)
        self.model.append(page, not self._pages.exhausted)
        self._fit_columns()
        self.export_button.setEnabled(True)
        self._describe()
        self.finished.emit(self.model.rowCount())

    def _fit_columns(self) -> None:
        """Columns as wide as the first page's values, within reason (values are capped)."""
        self.grid.resizeColumnsToContents()
        self.grid.resizeRowsToContents()
        for column in range(self.model.columnCount()):
            self.grid.setColumnWidth(column, min(self.grid.columnWidth(column), 360))

    def _fetch_more(self) -> None:
        pages = self._pages
        if pages is None:
            return
        self._runner.compute(
            "console-page", lambda: pages.next_page(PAGE), self._more_arrived, self._failed
        )

    def _more_arrived(self, page: pa.Table) -> None:
        if self._pages is None:
            return
        self.model.append(page, not self._pages.exhausted)
        self._describe()

    def _describe(self) -> None:
        rows = self.model.rowCount()
        noun = "row" if rows == 1 else "rows"
        more = " so far, more to come (scroll for the next rows)" if self.model.more else ""
        took = f" · first rows in {self.run_seconds:.2f} s" if self.run_seconds is not None else ""
        self.status.setText(f"{rows:,} {noun}{more}{took}")

    def _failed(self, message: str) -> None:
        self._cursor = None
        self._cancel_timer.stop()
        self.cancel_button.setEnabled(False)
        self.model.loading = False
        self.status.setText(message)
        self.failed.emit(message)

    def cancel(self) -> None:
        """Stop the running query (its result, if it still comes, is dropped as stale)."""
        if self._cursor is not None:
            self._interrupt()
            self._cancel_timer.start()

    def _interrupt(self) -> None:
        cursor = self._cursor
        if cursor is None:
            self._cancel_timer.stop()
            return
        try:
            cursor.interrupt()
        except Exception:  # the query just finished and its cursor closed
            self._cancel_timer.stop()

    def refresh(self) -> None:
        """Drop the snapshot; the next query takes a new one."""
        self.cancel()
        self._runner.shutdown()
        self._close_pages()
        if self._console is not None:
            self._console.close()
            self._console = None
        self._runner = QueryRunner(self._db, self, threads=2)
        self.status.setText("The next query reads a fresh snapshot.")

    # -- export ------------------------------------------------------------------------------

    def choose_export(self) -> None:
        name, chosen = QFileDialog.getSaveFileName(
            self, "Export the result", "", "CSV (*.csv);;Parquet (*.parquet)"
        )
        if name:
            fmt = "parquet" if "parquet" in chosen.lower() or name.endswith(".parquet") else "csv"
            self.export(Path(name), fmt)

    def export(self, path: Path, fmt: str) -> None:
        """Write every row of the current query to ``path`` (the app writes it, not the SQL)."""
        console, sql = self._console, self._sql
        if console is None or not sql:
            return
        self.status.setText(f"Exporting to {path.name}…")
        mask = table_masker(current_redactor())  # keys and tokens, unless the user opted out
        self._runner.compute(
            "console-export",
            lambda: console.export(sql, path, fmt, mask),
            lambda rows: self.status.setText(f"{rows:,} rows written to {path}"),
            self._failed,
        )

    # -- closing -----------------------------------------------------------------------------

    def _close_pages(self) -> None:
        if self._pages is not None:
            self._pages.close()
            self._pages = None

    def shutdown(self) -> None:
        """Stop queries and remove the snapshot; safe to call twice."""
        self.cancel()
        self._runner.shutdown()
        self._cancel_timer.stop()
        self._close_pages()
        if self._console is not None:
            self._console.close()
            self._console = None

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)
