"""dialects.sqlite: SQLite quoting, type affinities and limits; no schemas."""

from __future__ import annotations

from typing import ClassVar

from etl.dialects.base import Dialect


class SqliteDialect(Dialect):
    name = "sqlite"
    max_params = 32766
    max_rows_per_insert = 10000
    # SQLite has no limit of its own; keep names portable to the other targets.
    max_identifier_length = 128
    has_schemas = False
    # Declared types give SQLite's affinities; the size is kept for readers, SQLite ignores it.
    type_map: ClassVar[dict[str, str]] = {
        "int": "INTEGER",
        "bigint": "INTEGER",
        "smallint": "INTEGER",
        "decimal": "NUMERIC({p},{s})",
        "float": "REAL",
        "bool": "INTEGER",
        "varchar": "TEXT",
        "nvarchar": "TEXT",
        "text": "TEXT",
        "date": "TEXT",
        "datetime": "TEXT",
        "time": "TEXT",
        "uuid": "TEXT",
    }
