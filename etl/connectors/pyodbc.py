"""connectors.pyodbc: SQL Server (and PostgreSQL through psqlODBC) over ODBC; fast_executemany, no autocommit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pyodbc

from etl.connectors.base import Connection, connect_error, one_line
from etl.sql import Statement

# "[08001] [unixODBC][FreeTDS][SQL Server]Unable to connect (20009) (SQLDriverConnect)" -> "Unable to connect"
_PREFIX = re.compile(r"^(\[[^\]]*\]\s*)+")
_SUFFIX = re.compile(r"(\s*\(\d+\))?(\s*\(SQL\w+\))+\s*$")


def _clean(message: str) -> str:
    return _SUFFIX.sub("", _PREFIX.sub("", message.strip())).strip()


def _reason(exc: BaseException) -> str:
    # pyodbc gives (sqlstate, message), or (message, sqlstate) for its own errors: the message is the longer.
    args = [a for a in getattr(exc, "args", ()) if isinstance(a, str)]
    text = max(args, key=len) if args else str(exc)
    # Several diagnostic records arrive joined by "; ": keep them, without their prefixes.
    return one_line("; ".join(_clean(part) for part in text.split("; ") if _clean(part)))


def input_sizes(table: Any, streams_max: bool) -> list[tuple[int, int, int] | None] | None:
    """setinputsizes per column: exact sizes for (n)varchar, decimal and datetime2, so fast_executemany
    neither truncates nor allocates (n)varchar(max) buffers; None for a column lets pyodbc decide.

    Returns None (no fast path) when the table has an unbounded text column and the driver cannot stream
    it as size 0 (psqlODBC crashes on that).
    """
    sizes: list[tuple[int, int, int] | None] = []
    for col in table.columns:
        t = col.type
        if t.name in ("nvarchar", "varchar", "text"):
            limit = 4000 if t.name == "nvarchar" else 8000
            size = t.length if t.length is not None and t.length <= limit else 0
            if size == 0 and not streams_max:
                return None
            # 0 = (max): streamed at execution, not preallocated per row
            sizes.append((pyodbc.SQL_VARCHAR if t.name == "varchar" else pyodbc.SQL_WVARCHAR, size, 0))
        elif t.name == "decimal":
            sizes.append((pyodbc.SQL_DECIMAL, t.precision, t.scale))
        elif t.name == "datetime":
            sizes.append((pyodbc.SQL_TYPE_TIMESTAMP, 27, 7))
        else:
            sizes.append(None)
    return sizes


class OdbcConnection(Connection):
    driver = "pyodbc"
    driver_errors = (pyodbc.Error,)

    def _run(self, sql: str, params: Sequence[Any], fetch: bool) -> tuple[int, list[tuple] | None]:
        cur = self.raw.cursor()
        try:
            cur.execute(sql, *params) if params else cur.execute(sql)
            rows = [tuple(r) for r in cur.fetchall()] if fetch else None
            return cur.rowcount, rows
        finally:
            cur.close()

    def _run_many(self, sql: str, rows: Sequence[Sequence[Any]], sizes: list | None = None) -> None:
        cur = self.raw.cursor()
        try:
            # fast_executemany sizes its buffers from the parameters' described types, which truncates long
            # text unless we know the columns (insert_rows); other statements go row by row.
            cur.fast_executemany = sizes is not None
            if sizes is not None:
                cur.setinputsizes(sizes)
            cur.executemany(sql, rows)
        finally:
            cur.close()

    def insert_rows(self, table: Any, rows: list[tuple]) -> None:
        if not rows:
            return
        stmt = self.statements.insert_rows[table.name]
        rows = self._execute_values(self.statements.insert_values.get(table.name), stmt, rows)
        sizes = input_sizes(table, self.dialect.odbc_streams_max)
        # Keep each parameter array under the server's limits and memory modest.
        chunk = max(1, min(self.dialect.max_rows_per_insert, self.dialect.max_params // len(table.columns)))
        with self.statement(stmt.name):
            for start in range(0, len(rows), chunk):
                self._run_many(stmt.sql, rows[start : start + chunk], sizes)

    def executemany(self, stmt: Statement, rows: Sequence[Sequence[Any]]) -> None:
        if stmt.name == "claim":
            rows = self._execute_values(self.statements.claim_values, stmt, rows)
        super().executemany(stmt, rows)

    def _execute_values(self, many: Statement | None, one: Statement, rows: Sequence[Sequence[Any]]):
        """Run the whole multiples of a multi-row statement's row count; return the rows left over."""
        per = len(many.params) // len(one.params) if many else 0
        full = len(rows) - len(rows) % per if per else 0
        if full:
            with self.statement(many.name):
                cur = self.raw.cursor()
                try:
                    for start in range(0, full, per):
                        cur.execute(many.sql, [v for row in rows[start : start + per] for v in row])
                finally:
                    cur.close()
        return rows[full:]

    # autocommit is off: a transaction is whatever ran since the last commit, so outside transaction()
    # every statement commits at once and no implicit transaction stays open.
    def _begin(self) -> None:
        pass

    def _commit(self) -> None:
        self.raw.commit()

    def _rollback(self) -> None:
        self.raw.rollback()

    def _after_autocommit(self) -> None:
        self.raw.commit()

    def reason(self, exc: BaseException) -> str:
        return _reason(exc)


def _odbc_value(value: Any) -> str:
    text = "yes" if value is True else "no" if value is False else str(value)
    if re.search(r"[;{}=\s]", text) or text != text.strip():
        return "{" + text.replace("}", "}}") + "}"
    return text


def connection_string(db: Any, dialect: Any) -> str:
    """The ODBC connection string of a DatabaseSpec: odbc_connect as given, or built from its fields."""
    if db.odbc_connect:
        return db.odbc_connect
    pairs: list[tuple[str, Any]] = [("Driver", db.driver or dialect.odbc_default_driver)]
    pairs += dialect.odbc_address(db.server, db.port)
    if db.database:
        pairs.append(("Database", db.database))
    if db.trusted_connection:
        pairs.append(("Trusted_Connection", "yes"))
    else:
        if db.user:
            pairs.append(("UID", db.user))
        if db.password:
            pairs.append(("PWD", db.password))
    pairs += list(db.options)
    return ";".join(f"{k}={_odbc_value(v)}" for k, v in pairs if v is not None)


def open_connection(plan: Any) -> OdbcConnection:
    db = plan.profile.database
    driver = db.driver or plan.dialect.odbc_default_driver
    try:
        raw = pyodbc.connect(connection_string(db, plan.dialect), autocommit=False, timeout=db.timeout)
    except pyodbc.Error as exc:
        raise connect_error(plan, f"pyodbc ({driver})", _reason(exc)) from exc
    return OdbcConnection(plan, raw)
