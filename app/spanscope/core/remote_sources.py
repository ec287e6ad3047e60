"""Trace stores a person added by name (``spanscope source add``), and opening one.

Definitions live in a small JSON file in the app's data folder, shared by the window and the
command line. A definition holds where the store is and who reads it, never a password: that
comes from the environment variable the definition names, else from the system keyring (the
optional ``keyring`` package) under the source's name, read only when connecting. A URL:

    clickhouse://USER@HOST:8123/DATABASE?table=otel_traces      (HTTP; clickhouses:// for TLS)
    chdb:///path/to/folder?table=otel_traces                     (ClickHouse in-process)
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from spanscope import paths
from spanscope.core.atomic_file import atomic_text
from spanscope.core.filter_clickhouse import CLICKHOUSE
from spanscope.core.filter_value import make_filter
from spanscope.core.pricing import cost_rules
from spanscope.store.clickhouse.client import Server, connect_server, open_folder
from spanscope.store.clickhouse.executor import QueryExecutor, RemoteError
from spanscope.store.clickhouse.pulled_file import write_pulled
from spanscope.store.clickhouse.source import ClickHouseSource

KEYRING_SERVICE = "spanscope-clickhouse"
DEFAULT_PASSWORD_ENV = "SPANSCOPE_CLICKHOUSE_PASSWORD"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class RemoteSource:
    """A named trace store: its URL (no password in it) and where its password comes from."""

    name: str
    url: str
    password_env: str = DEFAULT_PASSWORD_ENV


def sources_file() -> Path:
    return paths.data_dir() / "remote-sources.json"


def check(source: RemoteSource) -> RemoteSource:
    """The definition, or :class:`RemoteError` saying what is wrong with it."""
    if not _NAME.match(source.name):
        raise RemoteError(f"{source.name!r} is not a source name (letters, digits, _ . -)")
    parts = urlsplit(source.url)
    if parts.password:
        raise RemoteError(
            "a URL with a password would be kept in clear: leave it out and set "
            f"{source.password_env} (or put it in the system keyring as {source.name})"
        )
    if parts.scheme not in ("clickhouse", "clickhouses", "chdb"):
        raise RemoteError(f"{source.url!r}: use clickhouse://, clickhouses:// or chdb://")
    if parts.scheme != "chdb" and not parts.hostname:
        raise RemoteError(f"{source.url!r} names no host")
    if not source.password_env.replace("_", "").isalnum():
        raise RemoteError(f"{source.password_env!r} is not an environment variable name")
    return source


def load_sources(path: Path | None = None) -> list[RemoteSource]:
    """The sources added, in the order added; none when there is no file."""
    path = path or sources_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except ValueError as exc:
        raise RemoteError(f"{path} is not valid JSON: {exc}") from exc
    items = data.get("sources", []) if isinstance(data, dict) else []
    known = {f.name for f in fields(RemoteSource)}
    return [
        RemoteSource(**{k: str(v) for k, v in item.items() if k in known})
        for item in items
        if isinstance(item, dict) and "name" in item and "url" in item
    ]


def save_sources(sources: list[RemoteSource], path: Path | None = None) -> Path:
    """Write the definitions (never a password), all at once or not at all."""
    path = path or sources_file()
    document = {"sources": [asdict(check(s)) for s in sources]}
    with atomic_text(path) as out:
        out.write(json.dumps(document, indent=2) + "\n")
    return path


def find_source(name: str, path: Path | None = None) -> RemoteSource:
    sources = load_sources(path)
    for source in sources:
        if source.name == name:
            return source
    known = ", ".join(s.name for s in sources) or "none yet: spanscope source add NAME URL"
    raise RemoteError(f"no source named {name!r} (added: {known})")


def password(source: RemoteSource) -> str:
    """From the environment variable, else the keyring, else none (ClickHouse's default user)."""
    value = os.environ.get(source.password_env)
    if value:
        return value
    try:
        import keyring  # optional (the replay extra)
    except ImportError:
        return ""
    try:
        return keyring.get_password(KEYRING_SERVICE, source.name) or ""
    except Exception:  # no keyring backend here: as if nothing were stored
        return ""


def table_of(source: RemoteSource) -> str:
    return parse_qs(urlsplit(source.url).query).get("table", ["otel_traces"])[0]


def origin(source: RemoteSource) -> str:
    """Where pulled traces came from, as kept on them: the URL and table, no password."""
    parts = urlsplit(source.url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}?table={table_of(source)}"


def connect(source: RemoteSource) -> ClickHouseSource:
    """Open the source and check its table: :class:`RemoteError` when either fails. Opening
    is the first network use; nothing connects before a person asks."""
    parts = urlsplit(check(source).url)
    executor: QueryExecutor
    if parts.scheme == "chdb":
        executor = open_folder(Path(unquote(parts.path)))
    else:
        secure = parts.scheme == "clickhouses"
        server = Server(
            host=parts.hostname or "",
            port=parts.port or (8443 if secure else 8123),
            database=unquote(parts.path.strip("/")) or "default",
            user=unquote(parts.username or "default"),
            secure=secure,
        )
        executor = connect_server(server, password(source))
    opened = ClickHouseSource(executor, table_of(source))
    try:
        opened.check()
        opened.use_prices(cost_rules().rate_card)  # the bundled prices, as a fresh import
    except RemoteError:
        executor.close()
        raise
    return opened


def fetch_pulled(source: RemoteSource, text: str, limit: int) -> list[Path]:
    """The spans of the ``limit`` newest traces of ``source`` matching the filter ``text``,
    written as an OTLP file in ``pulled/`` of the data folder, for the normal import; none
    when no trace matches. Network, so never on the window's thread."""
    traces, _ = make_filter(text).compiled_for(CLICKHOUSE)
    store = connect(source)
    try:
        rows = store.pull_rows(traces, limit)
    finally:
        store.close()
    if rows.num_rows == 0:
        return []
    return [write_pulled(rows, paths.data_dir() / "pulled", origin(source), text)]
