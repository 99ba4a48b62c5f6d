"""Helpers of the mapping tests: build a Mapper from a mapping written as a dict, compare typed values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from etl.compile import layout
from etl.config import checks
from etl.config.yaml_loader import Document
from etl.errors import ConfigError
from etl.mapping import Mapper
from etl.plan import Layout


def build_layout(data: dict, name: str = "case") -> Layout:
    """A mapping dict (as a YAML file would hold it) -> Layout, through the real checks."""
    spec, findings = checks.build_mapping(Document(path=Path(f"{name}.yaml"), data=data))
    errors = [f for f in findings if f.severity == "error"]
    if errors or spec is None:
        raise ConfigError("invalid test mapping", errors)
    return layout(spec)


def mapper_for(columns: dict, root: str = "r", namespaces: dict | None = None) -> Mapper:
    """One table `t` with these columns, one row per document."""
    data: dict[str, Any] = {"root": root, "tables": {"t": {"columns": columns}}}
    if namespaces:
        data["namespaces"] = namespaces
    return Mapper(build_layout(data))


def same(actual: Any, expected: Any) -> bool:
    """Typed comparison: Decimal/date/time values against their repr, others by type and value."""
    if isinstance(actual, (Decimal, dt.date, dt.time)):
        return repr(actual) == expected
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    return type(actual) is type(expected) and actual == expected
