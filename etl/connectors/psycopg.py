"""connectors.psycopg: PostgreSQL through psycopg 3; autocommit outside transactions, COPY for bulk rows."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from etl.connectors.base import Connection, connect_error, one_line


class PsycopgConnection(Connection):
    driver = "psycopg"
    driver_errors = (psycopg.Error,)

    def __init__(self, plan: Any, raw: Any):
        super().__init__(plan, raw)
        self._tx: Any = None

    def _run(self, sql: str, params: Sequence[Any], fetch: bool) -> tuple[int, list[tuple] | None]:
        # Always pass a parameter tuple, even empty: only then does psycopg turn the rendered `%%` into `%`.
        with self.raw.cursor() as cur:
            cur.execute(sql, tuple(params))
            return cur.rowcount, cur.fetchall() if fetch else None

    def _run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.raw.cursor() as cur:
            cur.executemany(sql, rows)

    def insert_rows(self, table: Any, rows: list[tuple]) -> None:
        stmt = self.statements.copy_rows.get(table.name)
        if not stmt:
            return super().insert_rows(table, rows)
        if not rows:
            return None
        with self.errors(stmt.name), self.raw.cursor() as cur, cur.copy(stmt.sql) as copy:
            for row in rows:
                copy.write_row(row)
        return None

    def insert_encoded(self, table: Any, payload: bytes) -> None:
        if not payload:
            return
        stmt = self.statements.copy_rows[table.name]
        with self.errors(stmt.name), self.raw.cursor() as cur, cur.copy(stmt.sql) as copy:
            copy.write(payload)

    def _begin(self) -> None:
        self._tx = self.raw.transaction()
        self._tx.__enter__()

    def _commit(self) -> None:
        tx, self._tx = self._tx, None
        tx.__exit__(None, None, None)

    def _rollback(self) -> None:
        tx, self._tx = self._tx, None
        if tx is not None:
            # Leaving the transaction block with an exception makes psycopg roll back without re-raising ours.
            with contextlib.suppress(RuntimeError):
                tx.__exit__(RuntimeError, RuntimeError("rollback"), None)

    def reason(self, exc: BaseException) -> str:
        diag = getattr(exc, "diag", None)
        primary = getattr(diag, "message_primary", None) if diag is not None else None
        return one_line(primary or str(exc))

    @property
    def broken(self) -> bool:
        return bool(self.raw.closed or self.raw.broken)

    def ping(self) -> bool:
        return not self.broken and super().ping()


def conninfo(db: Any) -> str:
    """The libpq connection string of a DatabaseSpec: its url, or server/port/database/user/password/options."""
    extra = {k: v for k, v in db.options}
    return make_conninfo(
        db.url or "",
        host=db.server,
        port=db.port,
        dbname=db.database,
        user=db.user,
        password=db.password or None,
        connect_timeout=db.timeout,
        **extra,
    )


def open_connection(plan: Any) -> PsycopgConnection:
    try:
        raw = psycopg.connect(conninfo(plan.profile.database), autocommit=True)
    except psycopg.Error as exc:
        raise connect_error(plan, f"psycopg {psycopg.__version__}", str(exc)) from exc
    return PsycopgConnection(plan, raw)
