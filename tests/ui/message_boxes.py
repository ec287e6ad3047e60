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


class Clicker:
    """Stands in for the user on a real modal ``exec()``: when a message box comes up, clicks
    the button with the given text, as a mouse would. The code under test keeps using its own
    ``ask_modally``, so a box it lets go of too early fails here as it would for a person."""

    def __init__(self, *button_texts: str) -> None:
        from PySide6.QtCore import QTimer

        self.queue = list(button_texts)  # one answer per box, in order
        self.seen: list[tuple[str, list[str]]] = []  # (title, button texts) of each box shown
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def _poll(self) -> None:
        from PySide6.QtWidgets import QApplication

        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not box.isVisible():
            return
        texts = [b.text() for b in box.buttons()]
        self.seen.append((box.windowTitle(), texts))
        wanted = self.queue.pop(0) if self.queue else None
        for button in box.buttons():
            if wanted is None or button.text() == wanted:
                button.click()
                return
        box.reject()

    def stop(self) -> None:
        self.timer.stop()
