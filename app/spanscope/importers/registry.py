"""Chooses the importer for a file from its content, never from its name.

Teams can add formats without forking: any installed package exposing an importer object
under the ``spanscope.importers`` entry-point group is asked too, after the built-in ones.
"""

from __future__ import annotations

import contextlib
import json
import pkgutil
import sys
from functools import cache
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path

from spanscope.importers.base import (
    BuiltinFormat,
    FormatNotRecognised,
    Importer,
    ImportError_,
    Sample,
    read_sample,
)


def builtin_importers() -> list[Importer]:
    """The formats Spanscope reads, in the order they are asked. Modules are imported here,
    not at start-up, so the command line starts without loading every format's reader."""
    return [declared.importer() for declared in builtin_formats()]


@cache
def builtin_formats() -> tuple[BuiltinFormat, ...]:
    """Every module of ``spanscope.importers`` that declares a ``FORMAT`` (a reader declares
    itself where it is written: adding a format touches no list), by rising ``asked_at``."""
    package = import_module("spanscope.importers")
    found: list[BuiltinFormat] = []
    for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        declared = getattr(import_module(module.name), "FORMAT", None)
        if isinstance(declared, BuiltinFormat):
            found.append(declared)
    found.sort(key=lambda declared: declared.asked_at)
    return tuple(found)


def plugin_importers() -> list[Importer]:
    """Importers other packages registered under the ``spanscope.importers`` group."""
    found: list[Importer] = []
    for entry in entry_points(group="spanscope.importers"):
        try:
            obj = entry.load()
        except Exception:  # a broken plug-in must not stop imports of known formats
            continue
        try:
            found.append(obj() if isinstance(obj, type) else obj)
        except Exception:  # nor one whose importer cannot be made
            continue
    return found


def detect(path: Path, importers: list[Importer] | None = None) -> tuple[Importer, Sample]:
    """The importer that recognises ``path``, with the sample it looked at."""
    sample = read_sample(path)
    for importer in importers if importers is not None else builtin_importers():
        try:
            claimed = importer.sniff(sample)
        except RecursionError:  # json.loads on JSON nested thousands deep
            raise ImportError_(
                f"{path}: JSON nested too deeply to read (over {sys.getrecursionlimit()} levels)"
            ) from None
        if claimed:
            return importer, sample
    for importer in plugin_importers() if importers is None else []:
        try:
            claimed = importer.sniff(sample)
        except Exception:  # a plug-in's bug must not stop the import of other files
            continue
        if claimed:
            return importer, sample
    raise FormatNotRecognised(f"{path}: format not recognised: {describe(sample)}")


def describe(sample: Sample) -> str:
    """What the content looked like, for the "not recognised" message."""
    if not sample.head.strip():
        return "the file is empty"
    text = sample.text.lstrip()
    value: object = None
    try:
        value = json.loads(text)
    except RecursionError:
        return "JSON nested too deeply to read"
    except ValueError:
        # the sample may end mid-document: the first value is enough to describe it
        with contextlib.suppress(ValueError):
            value, _ = json.JSONDecoder().raw_decode(text)
    if isinstance(value, dict):
        keys = ", ".join(list(value)[:8])
        return f"a JSON object with keys {keys}" if keys else "an empty JSON object"
    if isinstance(value, list):
        return (
            f"a JSON array of {len(value)} values"
            if len(text) < len(sample.head)
            else "a JSON array"
        )
    if sample.compression == "zip":
        return "a zip archive"
    head = sample.head[:4096]
    control = sum(b < 9 or 13 < b < 32 for b in head)
    if b"\x00" in head or control > len(head) // 20:
        return "binary data"
    first = text.splitlines()[0][:80] if text else ""
    return f"text starting {first!r}"
