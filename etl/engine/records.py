"""records: what travels between the stages of a run: mapped records and batches, batch results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Mapped:
    """One record after mapping: its rows per table (when kept), or the reason it failed."""

    app_id: int
    rows: dict[str, list[tuple]] | None
    error: str | None
    started_at: datetime
    finished_at: datetime
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(slots=True)
class MappedBatch:
    """A batch as the workers return it: each record's outcome (without rows) and, per table, the rows of
    all its successful records already encoded for the connector. `documents` stays in the loader process:
    the rare paths that need one record's rows (a conflict, a rejected batch) map it again from there."""

    records: list[Mapped]
    payloads: dict[str, Any]
    documents: list[tuple[int, Any]] = field(default_factory=list)


@dataclass
class BatchResult:
    """What one committed batch did: loaded, failed (logged), skipped (someone else owns them)."""

    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)

    def add(self, other: BatchResult) -> None:
        self.succeeded += other.succeeded
        self.failed += other.failed
        self.skipped += other.skipped
        self.failures.extend(other.failures)

    @property
    def processed(self) -> int:
        return self.succeeded + self.failed + self.skipped
