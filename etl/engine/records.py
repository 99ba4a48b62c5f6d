"""records: what travels between the stages of a run: source records, mapped records, batch results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class Mapped:
    """One record after mapping: its rows per table, or the reason it failed."""

    app_id: int
    rows: dict[str, list[tuple]] | None
    error: str | None
    started_at: datetime
    finished_at: datetime
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.error is None


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
