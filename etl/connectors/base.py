"""connectors.base: the Connection every driver offers the engine; driver errors become LoadError here."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any, ClassVar

from etl.errors import ConnectError, LoadError
from etl.masking import mask
from etl.sql import Statement


def one_line(text: str, limit: int = 400) -> str:
    """A driver message on one line, cut to `limit` characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def connect_error(plan: Any, driver: str, reason: str) -> ConnectError:
    """The one-line connection failure: host, database, driver and the server's reason, password masked."""
    db = plan.profile.database
    host = db.server or (
        "(from url)" if db.url else "(from odbc_connect)" if db.odbc_connect else "localhost"
    )
    if db.port:
        host = f"{host}:{db.port}"
    where = f"database {db.database!r}" if db.database else "the default database"
    message = f"cannot connect to {db.dialect} at {host}, {where}, with {driver}: {one_line(reason)}"
    return ConnectError(mask(message, db.password))


class Connection:
    """One database session. Outside `transaction()` every statement commits on its own; inside, nothing
    commits until the block ends (and everything rolls back if it raises)."""

    driver: ClassVar[str] = "?"
    driver_errors: ClassVar[tuple[type[BaseException], ...]] = ()

    def __init__(self, plan: Any, raw: Any):
        self.plan = plan
        self.dialect = plan.dialect
        self.statements = plan.statements
        self.raw = raw
        self.in_transaction = False
        self.closed = False

    # --- what each driver implements -----------------------------------------------------------------

    def _run(self, sql: str, params: Sequence[Any], fetch: bool) -> tuple[int, list[tuple] | None]:
        raise NotImplementedError

    def _run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def _begin(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def _after_autocommit(self) -> None:
        """Called after each statement outside a transaction: drivers without autocommit commit here."""

    def _close(self) -> None:
        self.raw.close()

    def reason(self, exc: BaseException) -> str:
        """The server's reason, without driver prefixes."""
        return one_line(str(exc))

    # --- the engine's API ----------------------------------------------------------------------------

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        """Turn driver errors raised inside the block into LoadError naming `what`."""
        try:
            yield
        except self.driver_errors as exc:
            raise LoadError(f"{what}: {self.reason(exc)}") from exc

    @contextmanager
    def statement(self, what: str) -> Iterator[None]:
        """Driver errors become LoadError naming `what`; outside transaction() the work inside the block
        commits on its own (or rolls back), so no implicit transaction stays open."""
        with self.errors(what):
            try:
                yield
            except BaseException:
                if not self.in_transaction:
                    self._safe_rollback()
                raise
            if not self.in_transaction:
                self._after_autocommit()

    def _statement(
        self, stmt: Statement, params: Sequence[Any], fetch: bool
    ) -> tuple[int, list[tuple] | None]:
        with self.statement(stmt.name):
            result = self._run(stmt.sql, params, fetch)
        return result

    def execute(self, stmt: Statement, values: Mapping[str, Any] | None = None) -> int:
        """Run one statement; the number of rows it changed (-1 when the driver cannot tell)."""
        if not stmt:
            return 0
        count, _ = self._statement(stmt, stmt.bind(values), fetch=False)
        return count

    def query(self, stmt: Statement, values: Mapping[str, Any] | None = None) -> list[tuple]:
        """Run one statement and return all its rows as tuples."""
        _, rows = self._statement(stmt, stmt.bind(values), fetch=True)
        return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows or ()]

    def executemany(self, stmt: Statement, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row (positional, in `stmt.params` order)."""
        if not rows:
            return
        with self.statement(stmt.name):
            self._run_many(stmt.sql, rows)

    def insert_rows(self, table: Any, rows: list[tuple]) -> None:
        """Bulk-insert mapped rows (in table.columns order) into a target table, the driver's fastest way."""
        self.executemany(self.statements.insert_rows[table.name], rows)

    def insert_encoded(self, table: Any, payload: Any) -> None:
        """Bulk-insert rows already encoded (in a worker) in this connector's form: connectors.ENCODINGS."""
        self.insert_rows(table, payload)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """BEGIN .. COMMIT; ROLLBACK when the block raises. Not nestable: a nested call is a bug."""
        if self.in_transaction:
            raise RuntimeError("transaction() is already open on this connection")
        with self.errors("begin"):
            self._begin()
        self.in_transaction = True
        try:
            yield self
        except BaseException:
            self.in_transaction = False
            self._safe_rollback()
            raise
        self.in_transaction = False
        with self.errors("commit"):
            self._commit()

    def _safe_rollback(self) -> None:
        with suppress(self.driver_errors):  # the connection is gone; the original error says why
            self._rollback()

    def ping(self) -> bool:
        """A cheap round trip: False when the connection no longer works."""
        if self.closed or self.in_transaction:
            return False
        try:
            self.query(self.statements.ping)
        except LoadError:
            return False
        return True

    def close(self) -> None:
        """Close the session (rolling back anything uncommitted); safe to call twice."""
        if self.closed:
            return
        self.closed = True
        with suppress(self.driver_errors):
            self._close()
