"""connectors.sqlite: the standard library's sqlite3; WAL mode, explicit BEGIN IMMEDIATE, one writer."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from etl.connectors.base import Connection, connect_error
from etl.errors import LoadError

# Explicit adapters: the defaults for dates are deprecated, and Decimal/UUID have none.
sqlite3.register_adapter(Decimal, str)
sqlite3.register_adapter(uuid.UUID, str)
sqlite3.register_adapter(dt.date, lambda v: v.isoformat())
sqlite3.register_adapter(dt.datetime, lambda v: v.isoformat(" "))
sqlite3.register_adapter(dt.time, lambda v: v.isoformat())


class SqliteConnection(Connection):
    driver = "sqlite3"
    driver_errors = (sqlite3.Error,)

    def _run(self, sql: str, params: Sequence[Any], fetch: bool) -> tuple[int, list[tuple] | None]:
        cur = self.raw.execute(sql, params)
        try:
            return cur.rowcount, cur.fetchall() if fetch else None
        finally:
            cur.close()

    def _run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.raw.executemany(sql, rows).close()

    def _begin(self) -> None:
        self.raw.execute(self.statements.begin.sql)

    def _commit(self) -> None:
        self.raw.execute(self.statements.commit.sql)

    def _rollback(self) -> None:
        if self.raw.in_transaction:
            self.raw.execute(self.statements.rollback.sql)


def open_connection(plan: Any) -> SqliteConnection:
    db = plan.profile.database
    try:
        # isolation_level=None: no implicit transactions; transaction() issues BEGIN IMMEDIATE itself.
        raw = sqlite3.connect(db.database, timeout=db.timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise connect_error(plan, "sqlite3", str(exc)) from exc
    conn = SqliteConnection(plan, raw)
    deadline = time.monotonic() + db.timeout
    for stmt in plan.statements.session_setup:
        # Switching a new file to WAL takes a lock the busy handler does not wait for: connections
        # opened together (a pool, several instances) retry until the first has switched it.
        while True:
            try:
                conn.query(stmt)
                break
            except LoadError as exc:
                if "locked" not in exc.message or time.monotonic() > deadline:
                    conn.close()
                    raise
                time.sleep(0.01)
    return conn
