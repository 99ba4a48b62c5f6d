"""logcontext: which instance and session a log line comes from, added to every line while a run lasts."""

from __future__ import annotations

import logging
from contextvars import ContextVar

_CONTEXT: ContextVar[str] = ContextVar("etl_log_context", default="")


def set_context(text: str) -> None:
    """Prefix every following log line with `text` (e.g. `[instance 0/3 session 20250101_143022]`)."""
    _CONTEXT.set(text)


class ContextFilter(logging.Filter):
    """Gives every record a `context` attribute for the formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = _CONTEXT.get()
        record.context = f"{ctx} " if ctx else ""
        return True
