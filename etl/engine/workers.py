"""workers: map documents to rows in worker processes; the plan's mapping compiles once per process."""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from etl.engine.records import Mapped
from etl.plan import Layout

_MAPPER = None  # one per process, built by _init from the pickled layout


def _init(layout: Layout) -> None:
    global _MAPPER
    from etl.mapping import Mapper

    _MAPPER = Mapper(layout)


def map_batch(records: list[tuple[int, str | bytes]]) -> list[Mapped]:
    """Map every record of a batch; a bad record fails alone, with its reasons joined on one line."""
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
        finished = datetime.now(UTC).replace(tzinfo=None)
        out.append(Mapped(app_id, rows, error, started, finished, ms))
    return out


class MappingPool:
    """Maps batches in `workers` processes (or in this one for 0), keeping at most `window` batches in flight.

    The bounded window is what keeps memory flat: extraction never runs ahead of loading by more
    than a few batches, whatever the size of the source.
    """

    def __init__(self, layout: Layout, workers: int):
        self.workers = workers
        self.window = max(2, workers * 2)
        self._pool = None
        if workers > 0:
            ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
            self._pool = ctx.Pool(workers, initializer=_init, initargs=(layout,))
        else:
            _init(layout)

    def map(self, batches: Iterable[list[tuple[int, str | bytes]]]) -> Iterator[list[Mapped]]:
        """Mapped batches in source order, mapping ahead while the caller loads."""
        if self._pool is None:
            for batch in batches:
                yield map_batch(batch)
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
                pending.append(self._pool.apply_async(map_batch, (batch,)))
            if not pending:
                return
            yield pending.popleft().get()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> MappingPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
