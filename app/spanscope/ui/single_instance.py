"""One window per database: a second Spanscope opening the same file asks the first to come
to the front (or, if the user prefers, opens a read-only copy).

The first instance listens on a local socket named after the database's resolved path
(:func:`server_name`); the second connects to it, sends ``show``, and gets back the first's
process id. A socket left by a process that crashed is removed before listening again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QWidget

_WAIT_MS = 1500


def server_name(path: Path) -> str:
    """The local socket of the instance that has ``path`` open (same for every user account
    sharing the path, so a second user is told too; only the owner may connect on Unix)."""
    digest = hashlib.sha256(str(Path(path).resolve()).encode("utf-8")).hexdigest()[:24]
    return f"spanscope-{digest}"


class InstanceServer(QObject):
    """Listens for later instances opening the same database; emits :attr:`show_requested`."""

    show_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._server: QLocalServer | None = None
        self._clients: list[QLocalSocket] = []
        self.path: Path | None = None

    def listen(self, path: Path) -> bool:
        """Answer for ``path`` from now on (and no longer for the previous one)."""
        self.close()
        name = server_name(path)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(name):
            QLocalServer.removeServer(name)  # a socket file left by a crashed instance
            if not server.listen(name):
                server.deleteLater()
                return False
        server.newConnection.connect(self._connected)
        self._server, self.path = server, Path(path).resolve()
        return True

    def close(self) -> None:
        if self._server is not None:
            self._server.newConnection.disconnect(self._connected)
            self._server.close()
            self._server, self.path = None, None
        for socket in self._clients:
            socket.abort()
        self._clients.clear()

    def _connected(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.setParent(self)
            self._clients.append(socket)
            socket.readyRead.connect(self._read)
            socket.disconnected.connect(self._forget)

    def _forget(self) -> None:
        for socket in [
            s for s in self._clients if s.state() != QLocalSocket.LocalSocketState.ConnectedState
        ]:
            self._clients.remove(socket)
            socket.deleteLater()

    def _read(self) -> None:
        for socket in list(self._clients):
            while socket.canReadLine():
                request = bytes(socket.readLine().data()).strip()
                if request == b"show":
                    socket.write(f"{os.getpid()}\n".encode())
                    socket.flush()
                    self.show_requested.emit()


def running_instance(path: Path) -> QLocalSocket | None:
    """A connection to the Spanscope instance that has ``path`` open, or None."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(path))
    if socket.waitForConnected(_WAIT_MS):
        return socket
    socket.abort()
    return None


def ask_to_show(socket: QLocalSocket) -> int | None:
    """Ask the instance at the other end of ``socket`` to come to the front; its process id,
    or None when it did not answer."""
    socket.write(b"show\n")
    socket.flush()
    pid: int | None = None
    socket.waitForBytesWritten(_WAIT_MS)  # False when flush() already wrote it all
    while not socket.canReadLine() and socket.waitForReadyRead(_WAIT_MS):
        pass
    if socket.canReadLine():
        answer = bytes(socket.readLine().data()).strip()
        pid = int(answer) if answer.isdigit() else None
    socket.disconnectFromServer()
    return pid


def bring_to_front(window: QWidget) -> None:
    """Show ``window`` above the others (the window manager may only flash it)."""
    state = window.windowState() & ~Qt.WindowState.WindowMinimized
    window.setWindowState(state | Qt.WindowState.WindowActive)
    window.show()
    window.raise_()
    window.activateWindow()
