"""ClickHouse through the official clickhouse-connect client (the optional ``clickhouse``
extra): a server over its HTTP interface, or ClickHouse in-process on a folder (the client's
chdb interface, with the ``chdb`` package) for trying the source without a server. Read-only
twice over: only SELECT is sent (``executor.bind``), and the session runs with
``readonly = 2`` (no writes, no DDL; settings such as the time limit may still be set)."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from spanscope.store.clickhouse.executor import RemoteError, bind, describe


@dataclass(frozen=True)
class Server:
    """Where the team's ClickHouse is and who reads it. The password is not kept here: the
    caller reads it from an environment variable or the keyring when connecting."""

    host: str
    port: int = 8123
    database: str = "default"
    user: str = "default"
    secure: bool = False

    @property
    def where(self) -> str:
        scheme = "https" if self.secure else "http"
        return f"ClickHouse at {scheme}://{self.host}:{self.port}/{self.database}"


class ClientExecutor:
    """Runs queries through one clickhouse-connect client; ``cancel()`` kills the running
    query by its id (on a server)."""

    def __init__(self, client: Any, where: str) -> None:
        self.client, self.where = client, where
        self._lock = threading.Lock()
        self._running: str | None = None

    def arrow(
        self,
        sql: str,
        params: tuple[Any, ...] | list[Any] = (),
        time_limit_s: float | None = None,
    ) -> pa.Table:
        text, bound = bind(sql, params)
        query_id = uuid.uuid4().hex
        settings: dict[str, Any] = {"query_id": query_id}
        if time_limit_s is not None:  # ClickHouse stops the query itself and says so
            settings["max_execution_time"] = max(time_limit_s, 0.001)
        with self._lock:
            self._running = query_id
        try:
            table = self.client.query_arrow(text, parameters=bound, settings=settings)
        except Exception as exc:
            raise RemoteError(_said(self.where, exc)) from None
        finally:
            with self._lock:
                self._running = None
        if not isinstance(table, pa.Table):
            raise RemoteError(f"{self.where}: the answer was not a table")
        return table

    def cancel(self) -> None:
        with self._lock:
            query_id = self._running
        if query_id is None:
            return
        try:  # a fixed statement of our own; the id is a parameter
            self.client.command(
                "KILL QUERY WHERE query_id = {id:String} ASYNC", parameters={"id": query_id}
            )
        except Exception:  # the query may have ended meanwhile; nothing left to stop
            return

    def close(self) -> None:
        self.client.close()


_READ_ONLY = {"readonly": 2}


def connect_server(server: Server, password: str = "", timeout_s: int = 60) -> ClientExecutor:
    """A client of the server, its login checked: :class:`RemoteError` when the server
    cannot be reached or refuses the user."""
    clickhouse_connect = _client_module()
    try:
        client = clickhouse_connect.get_client(
            host=server.host,
            port=server.port,
            username=server.user,
            password=password,
            database=server.database,
            secure=server.secure,
            # a query whose reader went away (Ctrl+C, a closed window) stops on the server too
            settings={
                **_READ_ONLY,
                "max_execution_time": timeout_s,
                "cancel_http_readonly_queries_on_client_close": 1,
            },
            connect_timeout=10,
            send_receive_timeout=timeout_s + 5,
            query_retries=0,
            autogenerate_session_id=False,
        )
    except Exception as exc:  # the client's own error types; said, never a traceback
        raise RemoteError(_said(server.where, exc)) from None
    return ClientExecutor(client, server.where)


def open_folder(path: Path) -> ClientExecutor:
    """ClickHouse in-process on the data folder ``path`` (needs the chdb package)."""
    clickhouse_connect = _client_module()
    where = f"ClickHouse at {path}"
    try:
        client = clickhouse_connect.get_client(
            interface="chdb", path=str(path), settings=_READ_ONLY
        )
    except ImportError as exc:
        raise RemoteError(
            f"{where}: ClickHouse in-process needs the chdb package: "
            "pip install 'spanscope[clickhouse-local]'"
        ) from exc
    except Exception as exc:
        raise RemoteError(_said(where, exc)) from None
    return ClientExecutor(client, where)


def _client_module() -> Any:
    try:
        import clickhouse_connect  # optional: pip install 'spanscope[clickhouse]'
    except ImportError as exc:
        raise RemoteError(
            "a ClickHouse source needs the clickhouse-connect package: "
            "pip install 'spanscope[clickhouse]'"
        ) from exc
    return clickhouse_connect


def _said(where: str, exc: Exception) -> str:
    """The client's error as a sentence: unreachable hosts and refused logins included."""
    text = str(exc)
    lowered = text.lower()
    if "code:" in lowered:
        return describe(where, text[lowered.index("code:") :])
    if any(
        word in lowered
        for word in ("connection refused", "max retries", "name or service", "timed out")
    ):
        return f"{where}: cannot reach the server ({text.splitlines()[0][:200]})"
    return describe(where, text)
