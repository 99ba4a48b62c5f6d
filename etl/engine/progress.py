"""progress: a live bar on a terminal, a log line every few seconds otherwise, and the final summary."""

from __future__ import annotations

import logging
import sys
import time

from etl.engine.records import BatchResult

log = logging.getLogger("etl.run")


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """Reports a run's progress: `bar` redraws one terminal line, `log` logs every `every` seconds."""

    def __init__(self, total: int, mode: str = "auto", every: float = 5.0, stream=None):
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if getattr(self.stream, "isatty", lambda: False)() else "log"
        self.mode = mode
        self.total = total
        self.every = every
        self.start = time.monotonic()
        self.last = self.start
        self.done = BatchResult()

    def update(self, result: BatchResult) -> None:
        self.done.add(result)
        self.done.failures.clear()  # the run keeps its own list; keep this one small
        now = time.monotonic()
        if self.mode == "bar" and now - self.last >= 0.2:
            self.last = now
            self._bar(now)
        elif self.mode == "log" and now - self.last >= self.every:
            self.last = now
            log.info("%s", self._line(now))

    def _rate(self, now: float) -> float:
        elapsed = max(now - self.start, 1e-9)
        return self.done.processed / elapsed

    def _line(self, now: float) -> str:
        rate = self._rate(now)
        n, total = self.done.processed, self.total
        pct = f" ({100 * n / total:.0f}%)" if total else ""
        left = max(total - n, 0)
        eta = f", ETA {_duration(left / rate)}" if rate > 0 and total else ""
        return (
            f"Progress: {n}/{total}{pct} records, {self.done.succeeded} ok, {self.done.failed} failed, "
            f"{rate:.0f} rec/s{eta}"
        )

    def _bar(self, now: float) -> None:
        n, total = self.done.processed, max(self.total, 1)
        width = 30
        filled = min(width, int(width * n / total))
        rate = self._rate(now)
        eta = _duration(max(self.total - n, 0) / rate) if rate > 0 else "--:--"
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {n}/{self.total} "
            f"{rate:.0f} rec/s ETA {eta} failed {self.done.failed}  "
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.mode == "bar":
            self._bar(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
