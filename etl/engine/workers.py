"""workers: map documents to rows in worker processes; the mapping compiles once per process."""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime

from etl.connectors.encoding import Encoder, encoders
from etl.engine.records import Mapped, MappedBatch
from etl.errors import RunStateError
from etl.plan import Layout

# One of each per process, built by init() from the pickled layout.
_MAPPER = None
_ENCODERS: dict[str, Encoder] = {}


def init(layout: Layout, encoding: str) -> None:
    """Build this process's Mapper and row encoders (a pool initializer, or called in the loader)."""
    global _MAPPER, _ENCODERS
    from etl.mapping import Mapper

    _MAPPER = Mapper(layout)
    _ENCODERS = encoders(encoding, layout.tables)


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the loader dies, even by kill -9. An orphaned worker would
    otherwise live on, idle, forever."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers then exit when their task pipe closes
        pass


_PR_SET_PDEATHSIG = 1


def _ready() -> bool:
    return True


def _worker_init(layout: Layout, encoding: str) -> None:
    _die_with_parent()
    # Ctrl-C reaches the whole process group: the loader stops the pool; workers must not die mid-task
    # printing tracebacks of their own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the loader's handler is not theirs; terminate() kills
    init(layout, encoding)


def map_records(records: list[tuple[int, str | bytes | None]]) -> list[Mapped]:
    """Map each record, keeping its rows; a bad record fails alone, with its reasons on one line."""
    mapper = _MAPPER
    out = []
    for app_id, document in records:
        started = datetime.now(UTC).replace(tzinfo=None)
        t0 = time.perf_counter()
        if document is None:
            rows, error = None, f"app_id={app_id}: the source XML column is NULL"
        else:
            rows, errors = mapper.map(app_id, document)
            error = "; ".join(str(e) for e in errors) if errors else None
            if error:
                rows = None
        ms = int((time.perf_counter() - t0) * 1000)
        out.append(Mapped(app_id, rows, error, started, datetime.now(UTC).replace(tzinfo=None), ms))
    return out


def map_batch(records: list[tuple[int, str | bytes | None]]) -> MappedBatch:
    """Map a batch and encode the rows of its good records per table; rows themselves stay here."""
    mapped = map_records(records)
    payloads = {}
    for name, encode in _ENCODERS.items():
        rows = [row for m in mapped if m.rows is not None for row in m.rows[name]]
        if rows:
            payloads[name] = encode(rows)
    for m in mapped:
        m.rows = None
    return MappedBatch(mapped, payloads)


def encode(table: str, rows: list[tuple]):
    """Encode rows in this process (the loader's rare paths)."""
    return _ENCODERS[table](rows)


_GRACE = 5.0  # seconds a busy worker gets to finish its batch when the run stops


def _worker_died() -> RunStateError:
    return RunStateError(
        "a mapping worker process died (killed, or out of memory); the batches in flight were "
        "not committed: run the same command again to resume"
    )


class MappingPool:
    """Maps batches in `workers` processes (or in this one for 0), keeping at most `window` batches in flight.

    The bounded window is what keeps memory flat: extraction never runs ahead of loading by more
    than a few batches, whatever the size of the source. A worker that dies (killed, out of memory)
    fails the run with BrokenProcessPool instead of hanging it; a rerun resumes from processing_log.
    """

    def __init__(self, layout: Layout, workers: int, encoding: str):
        self.workers = workers
        # Three batches per worker: one being mapped, one waiting, one ready while the loader's
        # transaction waits on the database.
        self.window = max(2, workers * 3)
        self._pool: ProcessPoolExecutor | None = None
        init(layout, encoding)  # the loader maps in-process too: workers=0, and a batch's rare paths
        if workers > 0:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
            self._pool = ProcessPoolExecutor(
                workers, mp_context=ctx, initializer=_worker_init, initargs=(layout, encoding)
            )
            # The executor forks its workers at the first task: start them now, before the run opens any
            # database connection, so no worker inherits a socket (a forked copy of the loader's
            # connection would keep its transaction open after the loader is killed).
            for future in [self._pool.submit(_ready) for _ in range(workers)]:
                self._result(future)

    def map(self, batches: Iterable[list[tuple[int, str | bytes | None]]]) -> Iterator[MappedBatch]:
        """Mapped batches in source order, mapping ahead while the caller loads."""
        if self._pool is None:
            for batch in batches:
                result = map_batch(batch)
                result.documents = batch
                yield result
            return
        pending: deque = deque()
        source = iter(batches)
        exhausted = False
        while True:
            while not exhausted and len(pending) < self.window:
                batch = next(source, None)
                if batch is None:
                    exhausted = True
                    break
                try:
                    pending.append((batch, self._pool.submit(map_batch, batch)))
                except BrokenProcessPool:
                    raise _worker_died() from None
            if not pending:
                return
            batch, future = pending.popleft()
            result = self._result(future)
            result.documents = batch
            yield result

    def _result(self, future) -> MappedBatch:
        # A worker killed while sending its result can leave the executor waiting forever on a half
        # message, so the wait checks the workers' health instead of trusting BrokenProcessPool alone.
        while True:
            try:
                return future.result(timeout=1.0)
            except TimeoutError:
                processes = getattr(self._pool, "_processes", None) or {}
                if all(p.is_alive() for p in processes.values()):
                    continue
            except BrokenProcessPool:
                pass
            raise _worker_died()

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # Queued batches are dropped (nothing of theirs was committed). Busy workers finish the batch in
        # hand, which takes well under a second, and exit; one that does not in time is killed.
        processes = list(getattr(pool, "_processes", {}).values())
        manager = getattr(pool, "_executor_manager_thread", None)
        results = getattr(pool, "_result_queue", None)  # shutdown() drops the executor's references
        pool.shutdown(wait=False, cancel_futures=True)
        if manager is not None:
            manager.join(timeout=_GRACE)
        for proc in processes:
            if proc.is_alive():
                proc.terminate()
        for proc in processes:
            proc.join(timeout=5)
        if manager is not None and manager.is_alive():
            # A worker that died while sending its result left half a message in the result pipe, and
            # the executor's thread waits for the rest forever, which would hang the interpreter's exit.
            # Closing this process's write end (the workers' are gone) ends that read with EOFError.
            writer = getattr(results, "_writer", None)
            if writer is not None:
                writer.close()
            manager.join(timeout=5)

    def __enter__(self) -> MappingPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
