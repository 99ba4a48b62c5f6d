"""extract: the partition's unprocessed records in keyset batches, fetched ahead on a thread of their own."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from etl.plan import Plan

MIN_ID = -(2**63)  # below every bigint id: the first keyset page


def batches(conn, plan: Plan, bound: dict[str, Any]) -> Iterator[list[tuple]]:
    """Keyset batches: `app_id > last seen ORDER BY app_id`, so each page is an index range scan and
    memory holds one page, however large the source."""
    stmt = plan.statements.extract_batch
    values = dict(bound, last_id=MIN_ID)
    while True:
        rows = conn.query(stmt, values)
        if not rows:
            return
        values["last_id"] = rows[-1][0]
        yield rows


_END = object()


class Prefetch:
    """Iterates `source` on a background thread, at most `depth` items ahead.

    The loader's thread then never waits for the database to produce the next page while it could be
    handing work to the mapping workers; the driver releases the GIL while it waits on the server.
    """

    def __init__(self, source: Iterable, depth: int = 2):
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(iter(source),), name="etl-extract", daemon=True
        )
        self._thread.start()

    def _run(self, source: Iterator) -> None:
        try:
            for item in source:
                if not self._put(item):
                    return
            self._put(_END)
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(exc)

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def __enter__(self) -> Prefetch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
