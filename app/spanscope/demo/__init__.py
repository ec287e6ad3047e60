"""Synthetic demo and benchmark traces (standard library only)."""

from __future__ import annotations

from typing import Any

__all__ = ["GeneratedSummary", "iter_traces", "write_otlp_jsonl"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that `python -m spanscope.demo.generator` runs the module only once.
    if name in __all__:
        from spanscope.demo import generator

        return getattr(generator, name)
    raise AttributeError(name)
