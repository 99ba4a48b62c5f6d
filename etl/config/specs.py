"""specs: the typed, frozen result of reading a profile or a mapping. No YAML, no database here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.errors import Location

TYPE_NAMES = (
    "int",
    "bigint",
    "smallint",
    "decimal(p,s)",
    "float",
    "bool",
    "varchar(n)",
    "nvarchar(n)",
    "text",
    "date",
    "datetime",
    "time",
    "uuid",
)
_TYPE_RE = re.compile(
    r"^\s*(?P<name>int|integer|bigint|smallint|float|double|bool|boolean|text|date|datetime|time|uuid"
    r"|varchar|nvarchar|decimal|numeric)\s*(?:\(\s*(?P<a>\d+)\s*(?:,\s*(?P<b>\d+)\s*)?\))?\s*$",
    re.IGNORECASE,
)
_ALIASES = {"integer": "int", "double": "float", "boolean": "bool", "numeric": "decimal"}


@dataclass(frozen=True)
class TypeSpec:
    """A column's logical type; each dialect maps it to its own SQL type."""

    name: str  # int bigint smallint decimal float bool varchar nvarchar text date datetime time uuid
    length: int | None = None  # varchar(n) / nvarchar(n): characters
    precision: int | None = None  # decimal(p,s)
    scale: int | None = None

    def __str__(self) -> str:
        if self.length is not None:
            return f"{self.name}({self.length})"
        if self.precision is not None:
            return f"{self.name}({self.precision},{self.scale})"
        return self.name

    @classmethod
    def parse(cls, text: str) -> TypeSpec:
        """Parse `decimal(12,2)`, `varchar(40)`, `date`...; ValueError with the allowed names otherwise."""
        m = _TYPE_RE.match(text or "")
        if not m:
            raise ValueError(f"unknown column type {text!r} (allowed: {', '.join(TYPE_NAMES)})")
        name = _ALIASES.get(m["name"].lower(), m["name"].lower())
        a, b = m["a"], m["b"]
        if name in ("varchar", "nvarchar"):
            if a is None or b is not None:
                raise ValueError(f"{name} needs a length in characters, e.g. {name}(50)")
            if int(a) < 1:
                raise ValueError(f"{name} length must be at least 1")
            return cls(name, length=int(a))
        if name == "decimal":
            if a is None:
                raise ValueError("decimal needs a precision and scale, e.g. decimal(12,2)")
            p, s = int(a), int(b or 0)
            if not 1 <= p <= 38 or s > p:
                raise ValueError(f"decimal({p},{s}) needs 1 <= precision <= 38 and 0 <= scale <= precision")
            return cls(name, precision=p, scale=s)
        if a is not None:
            raise ValueError(f"{name} takes no size (allowed: {', '.join(TYPE_NAMES)})")
        return cls(name)


@dataclass(frozen=True)
class MapSpec:
    values: tuple[tuple[str, Any], ...]
    has_else: bool = False
    else_value: Any = None


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: TypeSpec
    source: str = "xpath"  # xpath | id | position | const
    xpaths: tuple[str, ...] = ()  # one for `xpath`, several for `coalesce`
    value: Any = None
    required: bool = False
    default: Any = None
    trim: bool = True
    nullif: tuple[str, ...] = ()
    map: MapSpec | None = None
    format: str | None = None
    timezone: str | None = None
    on_overflow: str = "error"
    on_error: str = "fail"
    first: bool = False
    location: Location | None = field(default=None, compare=False)
    key: str = field(default="", compare=False)  # where it is written: tables.<table>.columns.<name>

    @property
    def xpath_text(self) -> str:
        return " | ".join(self.xpaths)


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[ColumnSpec, ...]
    rows: str | None = None
    parent: str | None = None
    key: tuple[str, ...] | None = None  # explicit key as written; None = derived
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True)
class MappingSpec:
    path: Path
    root: str
    tables: tuple[TableSpec, ...]
    namespaces: tuple[tuple[str, str], ...] = ()
    id_column: str = "app_id"
    description: str | None = None

    def table(self, name: str) -> TableSpec:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    @property
    def nsmap(self) -> dict[str, str]:
        return dict(self.namespaces)


@dataclass(frozen=True)
class DatabaseSpec:
    dialect: str
    connector: str
    server: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    trusted_connection: bool = False
    driver: str | None = None
    odbc_connect: str | None = field(default=None, repr=False)
    url: str | None = field(default=None, repr=False)
    options: tuple[tuple[str, Any], ...] = ()
    timeout: int = 15


@dataclass(frozen=True)
class SourceSpec:
    table: str
    id_column: str = "app_id"
    xml_column: str = "app_xml"
    filter: str | None = None


@dataclass(frozen=True)
class TargetSpec:
    schema: str | None = None
    log_table: str = "processing_log"


@dataclass(frozen=True)
class RunSpec:
    workers: int = 4
    batch_size: int = 50
    limit: int | None = None
    exclude_failed: bool = True
    log_level: str = "INFO"
    progress: str = "auto"


@dataclass(frozen=True)
class PartitionSpec:
    instance_id: int = 0
    instance_count: int = 1


@dataclass(frozen=True)
class PoolSpec:
    enabled: bool = False
    min_size: int = 4
    max_size: int = 20


@dataclass(frozen=True)
class ProfileSpec:
    path: Path
    database: DatabaseSpec
    source: SourceSpec
    target: TargetSpec
    mapping: MappingSpec
    run: RunSpec = RunSpec()
    partition: PartitionSpec = PartitionSpec()
    pool: PoolSpec = PoolSpec()
    templates: Path | None = None
