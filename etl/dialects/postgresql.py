"""dialects.postgresql: PostgreSQL quoting, types and limits."""

from __future__ import annotations

from typing import ClassVar

from etl.dialects.base import Dialect


class PostgresqlDialect(Dialect):
    name = "postgresql"
    max_params = 65535
    max_rows_per_insert = 10000
    max_identifier_length = 63
    supports_copy = True
    odbc_default_driver = "PostgreSQL Unicode"
    type_map: ClassVar[dict[str, str]] = {
        "int": "integer",
        "bigint": "bigint",
        "smallint": "smallint",
        "decimal": "numeric({p},{s})",
        "float": "double precision",
        "bool": "boolean",
        "varchar": "varchar({n})",
        "nvarchar": "varchar({n})",
        "text": "text",
        "date": "date",
        "datetime": "timestamp",
        "time": "time",
        "uuid": "uuid",
    }
