"""What the window shows before a database holds any trace: ways to get some in."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class EmptyState(QWidget):
    """ "No traces yet" with buttons to load the demo dataset or import files."""

    load_demo = Signal()
    import_files = Signal()
    import_folder = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("No traces in this database yet", self)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        text = QLabel(
            "Import exported trace files (OTLP JSON or JSON Lines, and more), drop files or "
            "folders on this window, or load the demo dataset: a day of a support-agent fleet "
            "that gave a customer the wrong refund policy at 14:02.",
            self,
        )
        text.setWordWrap(True)
        text.setFixedWidth(560)
        for label in (title, text):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.demo_button = QPushButton("Load demo dataset", self)
        self.files_button = QPushButton("Import files…", self)
        self.folder_button = QPushButton("Import folder…", self)
        self.demo_button.setDefault(True)
        self.demo_button.clicked.connect(self.load_demo.emit)
        self.files_button.clicked.connect(self.import_files.emit)
        self.folder_button.clicked.connect(self.import_folder.emit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.demo_button, self.files_button, self.folder_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(8)
        middle = QHBoxLayout()
        middle.addStretch(1)
        middle.addWidget(text)
        middle.addStretch(1)
        layout.addLayout(middle)
        layout.addSpacing(16)
        layout.addLayout(buttons)
        layout.addStretch(3)

    def set_read_only(self, read_only: bool) -> None:
        """A read-only copy cannot take imports; say so instead of offering them."""
        for button in (self.demo_button, self.files_button, self.folder_button):
            button.setEnabled(not read_only)
