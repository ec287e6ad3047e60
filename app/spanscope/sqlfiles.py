"""SQL lives in .sql files beside the code that runs it; this reads them once."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load(package: str, name: str) -> str:
    """The text of ``sql/<name>`` inside ``package``."""
    return resources.files(package).joinpath("sql", name).read_text(encoding="utf-8")


def statements(script: str) -> list[str]:
    """Split a script on statement ends (``;`` at a line end); comments may contain ``;``."""
    parts, current = [], []
    for line in script.splitlines():
        current.append(line)
        if line.rstrip().endswith(";") and not line.lstrip().startswith("--"):
            parts.append("\n".join(current))
            current = []
    tail = "\n".join(current).strip()
    if tail and not all(t.strip().startswith("--") or not t.strip() for t in current):
        parts.append(tail)
    return parts


def nestable(package: str, name: str) -> str:
    """The SQL of ``sql/<name>`` without its ``--`` comments, for queries that other SQL is
    put into or that are put into other SQL: a comment left in a composed query can swallow
    what follows it (our SQL files keep ``--`` out of string literals)."""
    lines = (line.split("--", 1)[0].rstrip() for line in load(package, name).splitlines())
    return "\n".join(line for line in lines if line.strip())
