"""connectors: open a Connection for a plan; the only package that imports database drivers."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from etl.connectors.base import Connection
from etl.errors import ConnectError

__all__ = ["ENCODINGS", "Connection", "connect"]

_MODULES = {
    "sqlite": "etl.connectors.sqlite",
    "psycopg": "etl.connectors.psycopg",
    "odbc": "etl.connectors.pyodbc",
}
# The form workers encode rows in for each connector's insert_encoded (see connectors.encoding).
ENCODINGS = {"sqlite": "plain_values", "psycopg": "copy_text", "odbc": "python_values"}
_PACKAGES = {"psycopg": "psycopg[binary]", "odbc": "pyodbc"}


def connect(plan: Any) -> Connection:
    """A new connection for the plan's database and connector (use as a context manager: it closes)."""
    name = plan.profile.database.connector
    try:
        module = import_module(_MODULES[name])
    except ImportError as exc:
        raise ConnectError(
            f"connector {name!r} needs the {_PACKAGES.get(name, name)} package: "
            f"pip install {_PACKAGES.get(name, name)} ({exc})"
        ) from exc
    return module.open_connection(plan)
