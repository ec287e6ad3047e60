"""ClickHouse in-process (chdb, the optional ``chdb`` package): the same engine as a server,
on a folder of this machine, for trying the source without one and for its tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from spanscope.store.clickhouse.executor import RemoteError, bind, describe


class EmbeddedExecutor:
    """Runs queries with chdb on the ClickHouse data folder ``path``."""

    def __init__(self, path: Path) -> None:
        try:
            from chdb import session  # optional: pip install 'spanscope[clickhouse-local]'
        except ImportError as exc:
            raise RemoteError("ClickHouse in-process needs the chdb package") from exc
        self.where = f"ClickHouse at {path}"
        self.session = session.Session(str(path))

    def arrow(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> pa.Table:
        text, bound = bind(sql, params)
        try:
            table = self.session.query(text, "ArrowTable", params=bound)
        except Exception as exc:  # chdb raises its own error type with ClickHouse's text
            raise RemoteError(describe(self.where, str(exc))) from None
        if not isinstance(table, pa.Table):
            raise RemoteError(f"{self.where}: no rows came back")
        return table

    def run(self, sql: str) -> None:
        """A statement that changes the embedded data (tests fill a table with it)."""
        try:
            self.session.query(sql)
        except Exception as exc:
            raise RemoteError(describe(self.where, str(exc))) from None

    def cancel(self) -> None:
        """chdb runs a query on the calling thread to its end: nothing to stop."""

    def close(self) -> None:
        self.session.close()
