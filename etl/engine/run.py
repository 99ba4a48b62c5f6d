"""run: the partitioned, resumable load of one instance: extract -> map (workers) -> load (one writer)."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from etl import mapping_accel
from etl.connectors import ENCODINGS
from etl.engine.extract import Prefetch, batches
from etl.engine.load import Loader, RunContext
from etl.engine.progress import Progress
from etl.engine.records import BatchResult
from etl.engine.workers import MappingPool
from etl.errors import LoadError
from etl.logcontext import set_context
from etl.masking import mask
from etl.plan import Plan

log = logging.getLogger("etl.run")


@dataclass
class Summary:
    """What a run did, as the final summary prints it."""

    session_id: str
    instance_id: int
    instance_count: int
    pending: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    failures: list[tuple[int, str]] = field(default_factory=list)
    profile: str = "PROFILE"

    @property
    def processed(self) -> int:
        return self.succeeded + self.failed + self.skipped

    @property
    def per_minute(self) -> float:
        return 60 * self.processed / self.seconds if self.seconds > 0 else 0.0

    @property
    def per_second(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else 0.0


def new_session_id() -> str:
    """The seed's session id: local start time, e.g. 20250101_143022."""
    return datetime.now().strftime("%Y%m%d_%H%M%S")


def banner(plan: Plan, session_id: str) -> list[str]:
    """The seed's start-up lines, with nothing secret in them."""
    p = plan.profile
    db = p.database
    lines = [
        "ProductionProcessor initialized:",
        f"  Server: {mask(db.server or db.url or db.odbc_connect or '(local)', db.password)}",
        f"  Database: {db.database or '(from connection string)'}",
        f"  Target Schema: {p.target.schema or '(default)'}",
        f"  Workers: {p.run.workers}",
        f"  Processing Batch Size: {p.run.batch_size}",
    ]
    if p.partition.instance_count > 1:
        lines.append(
            f"  Concurrent Instances: {p.partition.instance_id + 1}/{p.partition.instance_count} "
            "(partition-based)"
        )
    if p.pool.enabled:
        lines.append(f"  Connection Pooling: enabled (min={p.pool.min_size}, max={p.pool.max_size})")
    lines.append(f"  Session ID: {session_id}")
    return lines


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (a pod being stopped, `kill`) ends the run like Ctrl-C: the open batch rolls back, workers
    stop, and a rerun picks up from processing_log."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _connections(plan: Plan) -> Iterator[tuple]:
    """A reading and a writing connection, from a pool when the profile asks for one.

    Reads get their own connection so the loader's never holds an implicit transaction (TRAPS).
    """
    from etl.connectors import connect

    with ExitStack() as stack:
        if plan.profile.pool.enabled:
            from etl.connectors.pool import Pool

            pool = stack.enter_context(Pool(plan, plan.profile.pool.min_size, plan.profile.pool.max_size))
            reader = stack.enter_context(pool.acquire())
            writer = stack.enter_context(pool.acquire())
        else:
            reader = stack.enter_context(connect(plan))
            writer = stack.enter_context(connect(plan))
        yield reader, writer


def run_plan(
    plan: Plan,
    reprocess: list[int] | None = None,
    reprocess_all: bool = False,
    sample_count: int | None = None,
    progress: str | None = None,
) -> Summary:
    """Run one instance over its partition; returns the summary (also logged)."""
    from etl.target import check_source, fill_sample, init_target

    p = plan.profile
    session_id = new_session_id()
    summary = Summary(session_id, p.partition.instance_id, p.partition.instance_count, profile=str(p.path))
    set_context(f"[{p.partition.instance_id}/{p.partition.instance_count} {session_id}]")
    for line in banner(plan, session_id):
        log.info("%s", line)
    if not mapping_accel.built():
        log.warning("Mapping: %s; it maps about half as fast (README: Install)", mapping_accel.describe())
    ctx = RunContext(session_id=session_id, instance_id=p.partition.instance_id)
    # Workers fork before any connection exists, so no child inherits a live socket.
    encoding = ENCODINGS[p.database.connector]
    with (
        _terminate_as_interrupt(),
        MappingPool(plan.layout, p.run.workers, encoding) as pool,
        _connections(plan) as (reader, writer),
    ):
        if sample_count:
            _fill_sample_if_empty(writer, plan, sample_count, fill_sample)
        check_source(reader, plan)
        _init_target(writer, plan, init_target)
        loader = Loader(writer, plan, ctx)
        started = time.monotonic()
        part = {"instance_id": p.partition.instance_id, "instance_count": p.partition.instance_count}
        if reprocess or reprocess_all:
            ids = list(reprocess or []) if not reprocess_all else _logged_ids(reader, plan, part)
            _reprocess(reader, loader, pool, plan, ids, summary)
        bound = dict(part)
        if p.run.limit is not None:
            bound["upper_bound"] = reader.query(plan.statements.limit_bound, {"limit": p.run.limit})[0][0]
        log.info(
            "Extracting XML records (limit=%s, last_app_id=0, exclude_failed=%s)",
            p.run.limit,
            p.run.exclude_failed,
        )
        if p.partition.instance_count > 1:
            log.info("  Partition: app_id %% %d == %d", p.partition.instance_count, p.partition.instance_id)
        summary.pending = _pending(reader, plan, bound)
        excluded = (
            "excluding already processed and failed"
            if p.run.exclude_failed
            else "excluding already processed"
        )
        log.info("Extracted %d XML records (%s)", summary.pending, excluded)
        bar = Progress(summary.pending, progress or p.run.progress)
        totals = BatchResult()
        if summary.pending or p.run.limit is None:
            stats = _Statistics(writer, plan)
            with Prefetch(batches(reader, plan, bound)) as pages:
                for mapped in pool.map(pages):
                    result = loader.load(mapped)
                    totals.add(result)
                    bar.update(result)
                    stats.grew(result.processed)
        bar.finish()
    summary.succeeded += totals.succeeded
    summary.failed += totals.failed
    summary.skipped += totals.skipped
    summary.failures.extend(totals.failures)
    summary.seconds = time.monotonic() - started
    for line in summary_lines(summary):
        log.info("%s", line)
    return summary


class _Statistics:
    """Refreshes processing_log's statistics as this run grows it: at 1,000 records, then each time the
    count doubles (a handful of ANALYZEs per run), so the planner keeps using the log's primary key in
    the extraction's NOT EXISTS instead of scanning the whole log for every batch."""

    def __init__(self, conn, plan: Plan):
        self.conn = conn
        self.stmt = plan.statements.analyze_log
        self.loaded = 0
        self.next_at = 1000

    def grew(self, records: int) -> None:
        self.loaded += records
        if self.stmt and self.loaded >= self.next_at:
            self.conn.execute(self.stmt)
            self.next_at *= 2


def _init_target(conn, plan: Plan, init_target) -> None:
    """Create what is missing. Instances starting together race on CREATE ... IF NOT EXISTS (the loser
    gets a duplicate-key error from the catalog), so a failure is retried once the winner has committed."""
    for attempt in range(4):
        try:
            for line in init_target(conn, plan):
                log.debug("%s", line)
            return
        except LoadError as exc:
            if attempt == 3:
                raise
            log.debug("creating the target tables raced another instance (%s); retrying", exc.message)
            time.sleep(0.2 * (attempt + 1))


def _pending(conn, plan: Plan, bound: dict) -> int:
    if plan.profile.run.limit is not None and bound.get("upper_bound") is None:
        return 0  # the source is empty
    return int(conn.query(plan.statements.count_pending, bound)[0][0])


def _logged_ids(conn, plan: Plan, part: dict) -> list[int]:
    return [row[0] for row in conn.query(plan.statements.logged_ids, part)]


def _reprocess(
    reader, loader: Loader, pool: MappingPool, plan: Plan, ids: list[int], summary: Summary
) -> None:
    """Delete these records' rows and load them again, each batch in one transaction."""
    size = plan.profile.run.batch_size
    found: list[tuple] = []
    for app_id in ids:
        found.extend(reader.query(plan.statements.extract_ids, {"app_id": app_id}))
    missing = sorted(set(ids) - {row[0] for row in found})
    if missing:
        log.warning("Reprocess: no source record for app_id %s", ", ".join(map(str, missing[:20])))
    log.info("Reprocessing %d record(s)", len(found))
    batches = [found[i : i + size] for i in range(0, len(found), size)]
    for mapped in pool.map(batches):
        result = loader.load(mapped, force=True)
        summary.succeeded += result.succeeded
        summary.failed += result.failed
        summary.skipped += result.skipped
        summary.failures.extend(result.failures)


def _fill_sample_if_empty(conn, plan: Plan, count: int, fill_sample) -> None:
    first_last = fill_sample(conn, plan, count=count, only_if_empty=True)
    if first_last is None:
        log.info("Source table %s already has records: --sample skipped", plan.profile.source.table)
    else:
        log.info(
            "Filled source table %s with %d sample documents (app_id %s..%s)",
            plan.profile.source.table,
            count,
            *first_last,
        )


def summary_lines(s: Summary) -> list[str]:
    lines = [
        "Run complete:",
        f"  Processed: {s.processed}",
        f"  Succeeded: {s.succeeded}",
        f"  Failed: {s.failed}",
        f"  Skipped (already processed elsewhere): {s.skipped}",
        f"  Duration: {s.seconds:.1f}s",
        f"  Throughput: {s.per_minute:.0f} apps/min ({s.per_second:.0f} records/s)",
    ]
    for app_id, reason in s.failures[:10]:
        lines.append(
            f"  failed: {reason[:300]}"
            if reason.startswith("app_id=")
            else f"  failed: app_id={app_id}: {reason[:300]}"
        )
    if len(s.failures) > 10:
        lines.append(f"  ... and {len(s.failures) - 10} more: etl failures {s.profile}")
    return lines
