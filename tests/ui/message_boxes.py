"""Answering message boxes in tests without a person at the keyboard."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox


class Answer:
    """Stands in for the user: records each message box and presses the named button."""

    def __init__(self, button_text: str | None = None) -> None:
        self.button_text = button_text
        self.boxes: list[QMessageBox] = []

    def __call__(self, box: QMessageBox):  # type: ignore[no-untyped-def]
        self.boxes.append(box)
        for button in box.buttons():
            if self.button_text is None or button.text() == self.button_text:
                return button
        return None
