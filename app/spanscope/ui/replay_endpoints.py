"""Editing the endpoints re-runs are sent to (the same JSON file the command line reads).

Keys are never typed into this file: an endpoint names the environment variable holding its
key, or keeps it in the system keyring (set here through a password field, stored by the
``keyring`` package, never shown again).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spanscope.core import replay_endpoints as settings
from spanscope.core.replay_transport import PROTOCOLS, Endpoint

KEY_SOURCES = (
    ("none", "No key (local server)"),
    ("env", "Environment variable"),
    ("keyring", "System keyring"),
)


class EndpointsDialog(QDialog):
    """A list of endpoints and a form for the one selected."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Replay endpoints")
        try:
            self.endpoints = settings.load_endpoints()
        except settings.EndpointError:
            self.endpoints = []
        self.list = QListWidget(self)
        self.list.currentRowChanged.connect(self._show)
        self.name = QLineEdit(self)
        self.protocol = QComboBox(self)
        self.protocol.addItems(list(PROTOCOLS))
        self.base_url = QLineEdit(self)
        self.base_url.setPlaceholderText("http://localhost:11434/v1 or https://api.openai.com/v1")
        self.model = QLineEdit(self)
        self.model.setPlaceholderText("empty: the model recorded in the trace")
        self.key_source = QComboBox(self)
        for value, text in KEY_SOURCES:
            self.key_source.addItem(text, value)
        self.key_env = QLineEdit(self)
        self.key_env.setPlaceholderText("e.g. OPENAI_API_KEY")
        self.set_key = QPushButton("Set key in keyring…", self)
        self.set_key.clicked.connect(self._set_key)
        self.key_source.currentIndexChanged.connect(lambda _i: self._key_source_changed())
        self.timeout = QDoubleSpinBox(self)
        self.timeout.setRange(1, 600)
        self.timeout.setValue(60)
        self.timeout.setSuffix(" s")
        self.stream = QCheckBox("Ask for streamed answers", self)
        self.message = QLabel(f"Saved in {settings.endpoints_file()}", self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        save = QPushButton("Save", self)
        save.clicked.connect(self.save_current)
        add = QPushButton("New", self)
        add.clicked.connect(self._new)
        remove = QPushButton("Remove", self)
        remove.clicked.connect(self._remove)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Protocol", self.protocol)
        form.addRow("Base URL", self.base_url)
        form.addRow("Model", self.model)
        form.addRow("Key", self.key_source)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_env, 1)
        key_row.addWidget(self.set_key)
        form.addRow("", key_row)
        form.addRow("Timeout", self.timeout)
        form.addRow("", self.stream)
        side = QVBoxLayout()
        side.addWidget(self.list, 1)
        side.addWidget(add)
        side.addWidget(remove)
        body = QHBoxLayout()
        body.addLayout(side, 1)
        body.addLayout(form, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(save)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)
        self._refresh(0)
        self._key_source_changed()
        self.resize(760, 360)

    def _refresh(self, row: int) -> None:
        self.list.clear()
        self.list.addItems([e.name for e in self.endpoints])
        if self.endpoints:
            self.list.setCurrentRow(min(row, len(self.endpoints) - 1))

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.endpoints):
            return
        endpoint = self.endpoints[row]
        self.name.setText(endpoint.name)
        self.protocol.setCurrentText(endpoint.protocol)
        self.base_url.setText(endpoint.base_url)
        self.model.setText(endpoint.model)
        source = "env" if endpoint.api_key_env else "keyring" if endpoint.keyring else "none"
        self.key_source.setCurrentIndex(self.key_source.findData(source))
        self.key_env.setText(endpoint.api_key_env)
        self.timeout.setValue(endpoint.timeout_s)
        self.stream.setChecked(endpoint.stream)

    def _key_source_changed(self) -> None:
        source = self.key_source.currentData()
        self.key_env.setEnabled(source == "env")
        self.set_key.setEnabled(source == "keyring" and settings.keyring_available())
        if source == "keyring" and not settings.keyring_available():
            self.message.setText(
                "The keyring package is not installed: pip install 'spanscope[replay]'"
            )

    def form_endpoint(self) -> Endpoint:
        source = self.key_source.currentData()
        return settings.validate(
            Endpoint(
                name=self.name.text().strip(),
                protocol=self.protocol.currentText(),
                base_url=self.base_url.text().strip(),
                model=self.model.text().strip(),
                api_key_env=self.key_env.text().strip() if source == "env" else "",
                keyring=source == "keyring",
                timeout_s=self.timeout.value(),
                stream=self.stream.isChecked(),
            )
        )

    def save_current(self) -> bool:
        """Save the form as the selected endpoint (or a new one under a new name)."""
        try:
            endpoint = self.form_endpoint()
        except settings.EndpointError as exc:
            self.message.setText(str(exc))
            return False
        row = self.list.currentRow()
        kept = list(self.endpoints)
        if 0 <= row < len(kept) and kept[row].name == endpoint.name:
            kept[row] = endpoint
        else:
            kept = [e for e in kept if e.name != endpoint.name] + [endpoint]
        try:
            settings.save_endpoints(kept)
        except (settings.EndpointError, OSError) as exc:
            self.message.setText(f"Not saved: {exc}")
            return False
        self.endpoints = kept
        self._refresh(next(i for i, e in enumerate(kept) if e.name == endpoint.name))
        self.message.setText(f"Saved {endpoint.name} in {settings.endpoints_file()}")
        return True

    def _new(self) -> None:
        self.list.clearSelection()
        self.list.setCurrentRow(-1)
        for edit in (self.name, self.base_url, self.model, self.key_env):
            edit.clear()
        self.key_source.setCurrentIndex(0)
        self.name.setFocus()

    def _remove(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.endpoints):
            return
        kept = self.endpoints[:row] + self.endpoints[row + 1 :]
        settings.save_endpoints(kept)
        self.endpoints = kept
        self._refresh(row)

    def _set_key(self) -> None:
        name = self.name.text().strip()
        key, ok = QInputDialog.getText(
            self,
            "Key",
            f"Key for {name} (kept in the system keyring):",
            QLineEdit.EchoMode.Password,
        )
        if not ok or not key:
            return
        try:
            settings.store_key(name, key)
        except Exception as exc:  # no keyring backend on this machine, locked keyring ...
            self.message.setText(f"The key could not be stored: {exc}")
            return
        self.message.setText(f"The key for {name} is in the system keyring.")
