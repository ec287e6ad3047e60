"""What an import reports for each file."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ImportStatus(StrEnum):
    IMPORTED = "imported"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass
class ImportResult:
    """The result line of one file: what was recognised, what went in, what went wrong."""

    path: str
    format: str | None = None
    status: ImportStatus = ImportStatus.FAILED
    spans: int = 0
    traces: int = 0
    annotations: int = 0  # annotations attached to stored spans (evaluation files)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    size_bytes: int = 0

    def as_json(self) -> dict[str, object]:
        """The public ``import --json`` record."""
        return {
            "path": self.path,
            "format": self.format,
            "status": str(self.status),
            "spans": self.spans,
            "traces": self.traces,
            "annotations": self.annotations,
            "warnings": list(self.warnings),
            "error": self.error,
            "seconds": round(self.seconds, 3),
            "size_bytes": self.size_bytes,
        }
