"""connectors.pool: a bounded pool of connections, pinged before reuse and replaced when broken."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from etl.connectors import connect
from etl.connectors.base import Connection
from etl.errors import ConnectError


class Pool:
    """Keeps between `min_size` and `max_size` connections; `acquire()` lends one for a `with` block.

    A connection returned while still inside a transaction, or closed, is discarded rather than reused.
    """

    def __init__(self, plan: Any, min_size: int = 1, max_size: int = 4, timeout: float | None = None):
        if not 0 <= min_size <= max_size or max_size < 1:
            raise ValueError(
                f"pool sizes need 0 <= min_size <= max_size and max_size >= 1 (got {min_size}, {max_size})"
            )
        self.plan = plan
        self.min_size = min_size
        self.max_size = max_size
        self.timeout = float(timeout if timeout is not None else plan.profile.database.timeout)
        self._idle: list[Connection] = []
        self._open = 0  # idle + lent
        self._lock = threading.Condition()
        self._closed = False
        self.replaced = 0  # connections found broken and replaced (for logs and tests)
        for _ in range(min_size):
            self._idle.append(self._new())

    def _new(self) -> Connection:
        conn = connect(self.plan)
        with self._lock:
            self._open += 1
        return conn

    def _discard(self, conn: Connection) -> None:
        conn.close()
        with self._lock:
            self._open -= 1
            self._lock.notify()

    def _take(self) -> Connection | None:
        """An idle connection, or None when a new one may be opened; waits while the pool is exhausted."""
        deadline = time.monotonic() + self.timeout
        with self._lock:
            while True:
                if self._closed:
                    raise ConnectError("the connection pool is closed")
                if self._idle:
                    return self._idle.pop()
                if self._open < self.max_size:
                    self._open += 1  # reserve the slot before connecting outside the lock
                    return None
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ConnectError(
                        f"no pooled connection free within {self.timeout:g}s (max_size={self.max_size})"
                    )
                self._lock.wait(left)

    @contextmanager
    def acquire(self) -> Iterator[Connection]:
        """Lend a working connection for the block; it goes back to the pool afterwards."""
        while True:
            conn = self._take()
            if conn is None:
                conn = self._open_reserved()
                break
            if conn.ping():
                break
            self.replaced += 1
            self._discard(conn)
        try:
            yield conn
        finally:
            self._release(conn)

    def _open_reserved(self) -> Connection:
        try:
            return connect(self.plan)
        except BaseException:
            with self._lock:
                self._open -= 1
                self._lock.notify()
            raise

    def _release(self, conn: Connection) -> None:
        if conn.closed or conn.in_transaction or self._closed:
            self._discard(conn)
            return
        with self._lock:
            self._idle.append(conn)
            self._lock.notify()

    @property
    def size(self) -> int:
        """Connections open now, idle or lent."""
        return self._open

    def close(self) -> None:
        """Close every idle connection; lent ones close when they come back."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            self._discard(conn)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
