"""dialects: the SQL-text differences between databases, looked up by name."""

from __future__ import annotations

from etl.dialects.base import Dialect
from etl.dialects.mssql import MssqlDialect
from etl.dialects.postgresql import PostgresqlDialect
from etl.dialects.sqlite import SqliteDialect

DIALECTS: dict[str, type[Dialect]] = {
    "mssql": MssqlDialect,
    "postgresql": PostgresqlDialect,
    "sqlite": SqliteDialect,
}

__all__ = ["DIALECTS", "Dialect", "get_dialect"]


def get_dialect(name: str) -> Dialect:
    """The dialect object for `mssql`, `postgresql` or `sqlite`."""
    try:
        return DIALECTS[name]()
    except KeyError:
        raise ValueError(f"unknown dialect {name!r} (allowed: {', '.join(DIALECTS)})") from None
