"""dialects.base: SQL-text differences as data (quoting, types, limits); subclasses override what differs."""

from __future__ import annotations

from typing import Any, ClassVar

from etl.config.specs import TypeSpec
from etl.errors import Finding
from etl.plan import Layout


class Dialect:
    """One database's SQL conventions. Templates and connectors ask it instead of branching on names."""

    name: ClassVar[str] = "default"
    quote_open: ClassVar[str] = '"'
    quote_close: ClassVar[str] = '"'
    max_params: ClassVar[int] = 32766
    max_rows_per_insert: ClassVar[int] = 10000
    max_identifier_length: ClassVar[int] = 128
    has_schemas: ClassVar[bool] = True
    # Bulk loading through COPY ... FROM STDIN (psycopg only asks when the dialect has it).
    supports_copy: ClassVar[bool] = False
    odbc_default_driver: ClassVar[str | None] = None
    # ODBC: the driver accepts size 0 ((n)varchar(max), streamed) in setinputsizes for fast_executemany.
    odbc_streams_max: ClassVar[bool] = False
    type_map: ClassVar[dict[str, str]] = {}

    def odbc_values_rows(self, columns: int) -> int:
        """Rows per multi-row INSERT over ODBC; 0 keeps fast_executemany's parameter arrays."""
        return 0

    def quote(self, ident: str) -> str:
        """Quote one validated identifier; the closing quote is doubled so any name stays one token."""
        text = str(ident)
        return f"{self.quote_open}{text.replace(self.quote_close, self.quote_close * 2)}{self.quote_close}"

    def qualify(self, schema: str | None, name: str) -> str:
        """`schema.name`, quoted; the schema is left out when None or when the database has no schemas."""
        if schema and self.has_schemas:
            return f"{self.quote(schema)}.{self.quote(name)}"
        return self.quote(name)

    def qualify_dotted(self, dotted: str) -> str:
        """A name as the user wrote it (`dbo.app_xml`), each part quoted."""
        return ".".join(self.quote(part) for part in str(dotted).split("."))

    def sqltype(self, spec: TypeSpec) -> str:
        """The column type for a logical TypeSpec."""
        template = self.type_map[spec.name]
        return template.format(n=spec.length, p=spec.precision, s=spec.scale)

    def odbc_address(self, server: str | None, port: int | None) -> list[tuple[str, Any]]:
        """ODBC keywords naming the server (drivers differ on how a port is given)."""
        pairs: list[tuple[str, Any]] = []
        if server:
            pairs.append(("Server", server))
        if port:
            pairs.append(("Port", port))
        return pairs

    def identifiers(self, layout: Layout, profile: Any) -> list[tuple[str, str, Any]]:
        """Every identifier the rendered SQL will use: (key path, name, location)."""
        out: list[tuple[str, str, Any]] = []
        for table in layout.tables:
            loc = table.spec.location
            out.append((f"tables.{table.name}", table.name, loc))
            out.append((f"tables.{table.name}", f"pk_{table.name}", loc))
            for col in table.columns:
                where = col.spec.location if col.spec is not None and col.spec.location else loc
                out.append((f"tables.{table.name}.columns.{col.name}", col.name, where))
        log = profile.target.log_table
        out.append(("target.log_table", log, None))
        out.append(("target.log_table", f"ix_{log}_batch_id", None))
        if profile.target.schema:
            out.append(("target.schema", profile.target.schema, None))
        return out

    def check_layout(self, layout: Layout, profile: Any) -> list[Finding]:
        """Problems this database would reject at `etl init` or `etl run`, reported before either runs."""
        from etl.errors import Location

        findings: list[Finding] = []
        seen: set[str] = set()
        for key, ident, loc in self.identifiers(layout, profile):
            if len(ident) > self.max_identifier_length and ident not in seen:
                seen.add(ident)
                where = loc if loc is not None else Location(str(profile.path))
                findings.append(
                    Finding(
                        f"identifier {ident!r} is {len(ident)} characters; {self.name} allows at most "
                        f"{self.max_identifier_length}",
                        where,
                        key,
                    )
                )
        for table in layout.tables:
            if len(table.columns) > self.max_params:
                findings.append(
                    Finding(
                        f"table '{table.name}' has {len(table.columns)} columns; one {self.name} statement takes "
                        f"at most {self.max_params} parameters",
                        table.spec.location,
                        f"tables.{table.name}",
                    )
                )
        return findings
