"""dialects.mssql: SQL Server (T-SQL) quoting, types and limits."""

from __future__ import annotations

from typing import Any, ClassVar

from etl.config.specs import TypeSpec
from etl.dialects.base import Dialect


class MssqlDialect(Dialect):
    name = "mssql"
    quote_open = "["
    quote_close = "]"
    max_params = 2100
    max_rows_per_insert = 1000
    max_identifier_length = 128
    odbc_default_driver = "ODBC Driver 18 for SQL Server"
    odbc_streams_max = True
    type_map: ClassVar[dict[str, str]] = {
        "int": "int",
        "bigint": "bigint",
        "smallint": "smallint",
        "decimal": "decimal({p},{s})",
        "float": "float",
        "bool": "bit",
        "varchar": "varchar({n})",
        "nvarchar": "nvarchar({n})",
        "text": "nvarchar(max)",
        "date": "date",
        "datetime": "datetime2",
        "time": "time",
        "uuid": "uniqueidentifier",
    }

    def sqltype(self, spec: TypeSpec) -> str:
        # Beyond 8,000 bytes a (n)varchar column must be declared max.
        if spec.name == "varchar" and (spec.length or 0) > 8000:
            return "varchar(max)"
        if spec.name == "nvarchar" and (spec.length or 0) > 4000:
            return "nvarchar(max)"
        return super().sqltype(spec)

    def odbc_address(self, server: str | None, port: int | None) -> list[tuple[str, Any]]:
        # SQL Server drivers take the port after a comma in SERVER, not as a keyword.
        if not server:
            return []
        return [("Server", f"{server},{port}" if port else server)]
