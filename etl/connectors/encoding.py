"""connectors.encoding: mapped rows -> what a connector loads, built in the worker processes.

Workers encode a batch's rows into the connector's wire form (COPY text for psycopg, plain values for
sqlite3) so the loader process, the one serial stage of a run, only ships bytes to the database, and
what crosses the process boundary pickles cheaply. Pure Python: no driver is imported here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from etl.plan import Table

Encoder = Callable[[list[tuple]], Any]

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES)


def _copy_bool(value: bool) -> str:
    return "t" if value else "f"


def _copy_datetime(value: dt.datetime) -> str:
    return value.isoformat(" ")


def _copy_format(type_name: str) -> Callable[[Any], str]:
    if type_name in ("varchar", "nvarchar", "text", "uuid"):
        return _copy_text
    if type_name == "bool":
        return _copy_bool
    if type_name == "datetime":
        return _copy_datetime
    if type_name == "date":
        return dt.date.isoformat
    if type_name == "time":
        return dt.time.isoformat
    if type_name == "float":
        return repr
    return str  # int, bigint, smallint, decimal


def copy_text_encoder(table: Table) -> Encoder:
    """Rows -> PostgreSQL COPY text (tab-separated, \\N for NULL), UTF-8 bytes."""
    formats = tuple(_copy_format(c.type.name) for c in table.columns)

    def encode(rows: list[tuple]) -> bytes:
        lines = [
            "\t".join(["\\N" if v is None else f(v) for f, v in zip(formats, row, strict=True)])
            for row in rows
        ]
        lines.append("")
        return "\n".join(lines).encode("utf-8")

    return encode


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def plain_values_encoder(table: Table) -> Encoder:
    """Rows -> tuples of str/int/float/None: what sqlite3 stores, with no adapter calls in the loader."""
    convert = tuple(c.type.name in ("decimal", "date", "datetime", "time") for c in table.columns)

    def encode(rows: list[tuple]) -> list[tuple]:
        return [
            tuple(_plain(v) if c and v is not None else v for c, v in zip(convert, row, strict=True))
            for row in rows
        ]

    return encode


def python_values_encoder(table: Table) -> Encoder:
    """Rows as they are: drivers that bind typed parameters (pyodbc's setinputsizes) want Python objects."""

    def encode(rows: list[tuple]) -> list[tuple]:
        return rows

    return encode


ENCODERS: dict[str, Callable[[Table], Encoder]] = {
    "copy_text": copy_text_encoder,
    "plain_values": plain_values_encoder,
    "python_values": python_values_encoder,
}


def encoders(encoding: str, tables: tuple[Table, ...]) -> dict[str, Encoder]:
    """One encoder per table for a connector's `encoding`."""
    make = ENCODERS[encoding]
    return {t.name: make(t) for t in tables}
