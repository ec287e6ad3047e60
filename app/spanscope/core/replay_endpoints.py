"""Endpoints a person configured for re-running model calls, and where their keys come from.

The endpoints live in a small JSON file in the app's data folder (``paths.data_dir()``), so
the window and the command line share them. The file holds no key: a key comes from an
environment variable named in the file, or from the system keyring (the optional ``keyring``
package) under the endpoint's name. Keys are never read from a trace and never written to
the database or to an export.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from spanscope import paths
from spanscope.core.replay_transport import PROTOCOLS, Endpoint

KEYRING_SERVICE = "spanscope-replay"
# Local servers (Ollama, llama.cpp, vLLM without auth) need no key, but the SDKs insist on one.
NO_KEY = "no-key"
_FIELDS = ("name", "protocol", "base_url", "model", "api_key_env", "keyring", "timeout_s", "stream")


class EndpointError(ValueError):
    """An endpoint definition that cannot be used; the message says which field."""


def endpoints_file() -> Path:
    """The JSON file listing endpoints."""
    return paths.data_dir() / "replay-endpoints.json"


def validate(endpoint: Endpoint) -> Endpoint:
    """The endpoint, or :class:`EndpointError` naming what is wrong."""
    if not endpoint.name.strip():
        raise EndpointError("an endpoint needs a name")
    if endpoint.protocol not in PROTOCOLS:
        raise EndpointError(f"protocol must be openai or anthropic, not {endpoint.protocol!r}")
    if not endpoint.base_url.startswith(("http://", "https://")):
        raise EndpointError(f"base URL must start with http:// or https://: {endpoint.base_url!r}")
    if endpoint.timeout_s <= 0:
        raise EndpointError("timeout must be more than 0 seconds")
    if endpoint.api_key_env and not endpoint.api_key_env.replace("_", "").isalnum():
        raise EndpointError(f"{endpoint.api_key_env!r} is not an environment variable name")
    return endpoint


def load_endpoints(path: Path | None = None) -> list[Endpoint]:
    """Endpoints in the settings file, in the order saved; none when there is no file.
    Unknown fields (a key pasted in by hand included) are ignored."""
    path = path or endpoints_file()
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise EndpointError(f"{path} is not valid JSON: {exc}") from exc
    items = data.get("endpoints", []) if isinstance(data, dict) else []
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append(validate(_endpoint(item)))
    return out


def save_endpoints(endpoints: list[Endpoint], path: Path | None = None) -> Path:
    """Write the endpoints (never a key) atomically."""
    path = path or endpoints_file()
    names = [e.name for e in endpoints]
    if len(set(names)) != len(names):
        raise EndpointError("two endpoints have the same name")
    for endpoint in endpoints:
        validate(endpoint)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    document = {"endpoints": [asdict(e) for e in endpoints]}
    partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def find_endpoint(name: str, path: Path | None = None) -> Endpoint:
    """The endpoint called ``name``; :class:`EndpointError` listing the known ones."""
    endpoints = load_endpoints(path)
    for endpoint in endpoints:
        if endpoint.name == name:
            return endpoint
    known = ", ".join(e.name for e in endpoints) or "none yet"
    raise EndpointError(f"no endpoint named {name!r} (configured: {known})")


@dataclass(frozen=True)
class KeyLookup:
    """The key to send, or why there is none."""

    key: str | None
    problem: str | None = None


def api_key(endpoint: Endpoint) -> KeyLookup:
    """The endpoint's key from its environment variable or the keyring."""
    if endpoint.api_key_env:
        value = os.environ.get(endpoint.api_key_env)
        if not value:
            return KeyLookup(
                None,
                f"the environment variable {endpoint.api_key_env} holding the key for "
                f"{endpoint.name} is not set",
            )
        return KeyLookup(value)
    if endpoint.keyring:
        module = _keyring()
        if module is None:
            return KeyLookup(
                None,
                "the key is meant to be in the system keyring, but the keyring package "
                "is not installed: pip install 'spanscope[replay]'",
            )
        try:
            value = module.get_password(KEYRING_SERVICE, endpoint.name)
        except Exception as exc:  # no keyring backend on this machine, locked keyring, ...
            return KeyLookup(None, f"the system keyring could not be read: {exc}")
        if not value:
            return KeyLookup(None, f"no key for {endpoint.name} in the system keyring")
        return KeyLookup(value)
    return KeyLookup(NO_KEY)


def keyring_available() -> bool:
    """True when the optional ``keyring`` package is installed."""
    return _keyring() is not None


def store_key(endpoint_name: str, key: str) -> None:
    """Put a key in the system keyring under the endpoint's name (raises when it cannot)."""
    module = _keyring()
    if module is None:
        raise EndpointError("the keyring package is not installed: pip install 'spanscope[replay]'")
    module.set_password(KEYRING_SERVICE, endpoint_name, key)


def _keyring() -> Any:
    try:
        import keyring
    except ImportError:
        return None
    return keyring


def _endpoint(item: dict[str, Any]) -> Endpoint:
    known = {k: item[k] for k in _FIELDS if k in item}
    try:
        return Endpoint(
            name=str(known.get("name") or ""),
            protocol=str(known.get("protocol") or "openai"),
            base_url=str(known.get("base_url") or ""),
            model=str(known.get("model") or ""),
            api_key_env=str(known.get("api_key_env") or ""),
            keyring=bool(known.get("keyring", False)),
            timeout_s=float(known.get("timeout_s", 60.0)),
            stream=bool(known.get("stream", False)),
        )
    except (TypeError, ValueError) as exc:
        raise EndpointError(f"endpoint {item.get('name')!r}: {exc}") from exc
