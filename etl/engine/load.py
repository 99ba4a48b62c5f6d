"""load: one batch's target rows and its processing_log rows in ONE transaction; the only writer.

Records are claimed in processing_log first (its primary key decides, under concurrency, which
instance owns a record); only claimed records' rows are inserted. A batch the database rejects is
split until the bad record is isolated and logged as failed.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from etl.engine import workers
from etl.engine.records import BatchResult, Mapped, MappedBatch
from etl.errors import LoadError, short_repr
from etl.plan import Plan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunContext:
    """Who is writing: logged with every record."""

    session_id: str
    instance_id: int


class Loader:
    """Writes mapped batches through one connection."""

    def __init__(self, conn, plan: Plan, ctx: RunContext):
        self.conn = conn
        self.plan = plan
        self.ctx = ctx
        self.statements = plan.statements
        self.tables = plan.layout.tables

    def load(self, batch: MappedBatch, force: bool = False) -> BatchResult:
        """Load a batch as the workers encoded it; when the database rejects it, fall back to per-record
        loading (mapping the documents again here) and split until the bad record is alone."""
        if not batch.records:
            return BatchResult()
        try:
            return self._commit(batch.records, force, batch)
        except LoadError as exc:
            log.debug(
                "batch of %d rejected (%s); splitting", len(batch.records), short_repr(exc.message, 200)
            )
        outcome = {m.app_id: m for m in batch.records}
        remapped = workers.map_records([d for d in batch.documents if outcome[d[0]].ok])
        by_id = {m.app_id: m for m in remapped}
        records = [by_id.get(m.app_id, m) for m in batch.records]
        return self._bisect(records, force)

    def _bisect(self, records: list[Mapped], force: bool) -> BatchResult:
        try:
            return self._commit(records, force)
        except LoadError as exc:
            if len(records) == 1:
                rec = records[0]
                reason = f"app_id={rec.app_id}: the database rejected its rows: {exc.message}"
                log.warning("%s", reason)
                failed = Mapped(rec.app_id, None, reason, rec.started_at, rec.finished_at, rec.duration_ms)
                return self._commit([failed], force)
            mid = len(records) // 2
            result = self._bisect(records[:mid], force)
            result.add(self._bisect(records[mid:], force))
            return result

    def _commit(self, records: list[Mapped], force: bool, batch: MappedBatch | None = None) -> BatchResult:
        st = self.statements
        batch_id = uuid.uuid4().hex
        ctx = self.ctx
        log_rows = [
            (
                r.app_id,
                "success" if r.ok else "failed",
                ctx.instance_id,
                ctx.session_id,
                batch_id,
                r.error,
                self.plan.hash,
                r.started_at,
                r.finished_at,
                r.duration_ms,
            )
            for r in records
        ]
        with self.conn.transaction():
            if force:
                ids = [(r.app_id,) for r in records]
                for table in reversed(self.tables):
                    self.conn.executemany(st.delete_rows[table.name], ids)
            self.conn.executemany(st.claim_force if force else st.claim, log_rows)
            claimed = {row[0] for row in self.conn.query(st.claimed, {"batch_id": batch_id})}
            if batch is not None and len(claimed) == len(records):
                payloads = batch.payloads  # the common case: everything is ours, load what workers encoded
            else:
                payloads = self._encode([r for r in records if r.ok and r.app_id in claimed], batch)
            for table in self.tables:
                payload = payloads.get(table.name)
                if payload:
                    self.conn.insert_encoded(table, payload)
        result = BatchResult()
        for r in records:
            if r.app_id not in claimed:
                result.skipped += 1
            elif r.ok:
                result.succeeded += 1
            else:
                result.failed += 1
                result.failures.append((r.app_id, r.error or ""))
        return result

    def _encode(self, records: list[Mapped], batch: MappedBatch | None) -> dict:
        """Encode the rows of some records here; rows that stayed in a worker are mapped again."""
        if batch is not None:
            wanted = {r.app_id for r in records}
            records = workers.map_records([d for d in batch.documents if d[0] in wanted])
        payloads = {}
        for table in self.tables:
            rows = [row for r in records if r.rows is not None for row in r.rows[table.name]]
            if rows:
                payloads[table.name] = workers.encode(table.name, rows)
        return payloads
