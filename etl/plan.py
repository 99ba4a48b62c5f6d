"""plan: the frozen, hashable shape of a run: target tables and their columns, derived from the specs."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

from etl.config.specs import ColumnSpec, MappingSpec, TableSpec, TypeSpec


@dataclass(frozen=True)
class Column:
    """A target column. `spec` is None for key columns copied from the parent row."""

    name: str
    type: TypeSpec
    nullable: bool
    spec: ColumnSpec | None = None


@dataclass(frozen=True)
class Table:
    """A target table: columns in table order, its primary key, and how it nests.

    `inherited` names the leading columns whose values come from the parent row (the parent's key);
    the first of them is always the record-id column.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    inherited: tuple[str, ...]
    parent: str | None
    rows: str | None
    depth: int
    spec: TableSpec

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def own_columns(self) -> tuple[Column, ...]:
        return self.columns[len(self.inherited) :]


@dataclass(frozen=True)
class Layout:
    """All target tables of a mapping, parents before children, and the mapping's hash."""

    mapping: MappingSpec
    tables: tuple[Table, ...]
    mapping_hash: str

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    def children(self, name: str | None) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if t.parent == name)


def canonical(value: Any) -> Any:
    """A JSON-able form of specs without locations or file paths: the same mapping always hashes the same."""
    if is_dataclass(value):
        return {
            f.name: canonical(getattr(value, f.name))
            for f in fields(value)
            if f.name not in ("location", "path")
        }
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def mapping_hash(mapping: MappingSpec) -> str:
    text = json.dumps(canonical(mapping), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Plan:
    """Everything a run needs, decided before any database is touched.

    `statements` is the etl.sql.Statements rendered for this profile's dialect and connector;
    `dialect` the etl.dialects.Dialect; `hash` identifies the mapping that produced a record's rows.
    """

    profile: Any  # ProfileSpec
    layout: Layout
    dialect: Any
    statements: Any

    @property
    def hash(self) -> str:
        return self.layout.mapping_hash
