"""A loopback server speaking ClickHouse's HTTP interface in front of ClickHouse in-process
(chdb): the query from the URL and body, ``param_*`` query parameters, the result in the
format the query names, errors as ClickHouse sends them (status 500, ``Code: N.
DB::Exception: …`` body, ``X-ClickHouse-Exception-Code``), users checked by password. The
clickhouse-connect client talks to it as to a server; what it leaves unproven is a real
server's own behaviour (settings, quotas, cancelling by ``KILL QUERY``)."""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

_FORMAT = re.compile(r"\bFORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)
_READS = re.compile(r"^\s*(SELECT|WITH|SHOW|DESCRIBE|DESC|EXISTS)\b", re.IGNORECASE)


class _Front(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder: Path, password: str) -> None:
        from chdb import session

        super().__init__(("127.0.0.1", 0), _Handler)
        self.engine = session.Session(str(folder))
        self.password = password
        self.lock = threading.Lock()  # one query at a time on the in-process engine
        self.queries: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    server: _Front

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/ping":
            return self._send(200, b"Ok.\n", {})
        args = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        query = (args.get("query", "") + "\n" + body).strip()
        if self._password() != self.server.password:
            return self._error(
                516,
                "Code: 516. DB::Exception: default: Authentication failed: password is "
                "incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)",
            )
        if args.get("readonly") and not _READS.match(query):
            return self._error(
                164,
                "Code: 164. DB::Exception: default: Cannot execute query in readonly mode. (READONLY)",
            )
        found = _FORMAT.search(query)
        fmt = found.group(1) if found else args.get("default_format", "TabSeparated")
        if found:
            query = query[: found.start()].rstrip()
        params = {k[6:]: v for k, v in args.items() if k.startswith("param_")}
        self.server.queries.append(query)
        try:
            with self.server.lock:
                result = self.server.engine.query(query, fmt, params=params or None)
        except Exception as exc:
            text = str(exc)
            code = re.search(r"Code:\s*(\d+)", text)
            return self._error(int(code.group(1)) if code else 1000, text)
        data = result.bytes() if hasattr(result, "bytes") else bytes(result)
        self._send(200, data, {"X-ClickHouse-Format": fmt, "X-ClickHouse-Timezone": "UTC"})

    def _password(self) -> str:
        if self.headers.get("X-ClickHouse-Key") is not None:
            return self.headers.get("X-ClickHouse-Key") or ""
        auth = self.headers.get("Authorization") or ""
        if auth.startswith("Basic "):
            return base64.b64decode(auth[6:]).decode("utf-8").partition(":")[2]
        return ""

    def _error(self, code: int, text: str) -> None:
        self._send(500, (text + "\n").encode("utf-8"), {"X-ClickHouse-Exception-Code": str(code)})

    def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def clickhouse_front(folder: Path, password: str) -> Iterator[_Front]:
    """Serve ``folder`` on a loopback port (``front.server_address[1]``) until the block ends."""
    front = _Front(folder, password)
    thread = threading.Thread(target=front.serve_forever, daemon=True)
    thread.start()
    try:
        yield front
    finally:
        front.shutdown()
        thread.join()
        front.server_close()
        front.engine.close()
