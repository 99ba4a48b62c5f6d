"""connectors.encoding: mapped rows -> what a connector loads, built in the worker processes.

Workers encode a batch's rows into the connector's wire form (COPY text for psycopg, plain values for
sqlite3) so the loader process, the one serial stage of a run, only ships bytes to the database, and
what crosses the process boundary pickles cheaply. Pure Python: no driver is imported here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from etl.plan import Table

Encoder = Callable[[list[tuple]], Any]

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    # isprintable() is False for tab, newline and CR: one fast C pass decides whether to translate.
    if value.isprintable() and "\\" not in value:
        return value
    return value.translate(_COPY_ESCAPES)


# How a column's value is written in COPY text: str() of int, Decimal, float (shortest repr), date,
# datetime (ISO with a space) and time is exactly what PostgreSQL reads back.
_COPY_EXPR = {
    "varchar": "esc({v})",
    "nvarchar": "esc({v})",
    "text": "esc({v})",
    "uuid": "esc({v})",
    "bool": "('t' if {v} else 'f')",
}


def copy_text_encoder(table: Table) -> Encoder:
    """Rows -> PostgreSQL COPY text (tab-separated, \\N for NULL), UTF-8 bytes.

    The row loop is generated per table (one f-string per row): this runs for every row of every
    record, and a generic loop with a call per value cost the workers a fifth of their time.
    """
    names = [f"v{i}" for i in range(len(table.columns))]
    fields = []
    for name, col in zip(names, table.columns, strict=True):
        expr = _COPY_EXPR.get(col.type.name, "{v}").format(v=name)
        nullable = col.nullable or col.spec is not None
        # No backslash inside the f-string's expressions (not allowed before Python 3.12): NULL is a name.
        fields.append("{NULL if " + name + " is None else " + expr + "}" if nullable else "{" + expr + "}")
    line = "\\t".join(fields) + "\\n"
    source = "\n".join(
        [
            "def encode(rows):",
            "    out = []",
            "    append = out.append",
            "    for " + ", ".join(names) + ", in rows:",
            '        append(f"' + line + '")',
            "    return ''.join(out).encode('utf-8')",
        ]
    )
    env = {"esc": _copy_text, "NULL": "\\N"}
    exec(compile(source, f"<etl COPY encoder for table {table.name}>", "exec"), env)
    return env["encode"]


def plain_values_encoder(table: Table) -> Encoder:
    """Rows -> tuples of str/int/float/None: what sqlite3 stores, with no adapter calls in the loader.

    Decimals, dates, datetimes and times become their str() (ISO 8601, a space before the time),
    which sorts and compares as SQLite users expect. Generated per table, as copy_text_encoder.
    """
    names = [f"v{i}" for i in range(len(table.columns))]
    values = [
        f"None if {n} is None else str({n})" if c.type.name in ("decimal", "date", "datetime", "time") else n
        for n, c in zip(names, table.columns, strict=True)
    ]
    if values == names:
        return python_values_encoder(table)
    source = "\n".join(
        [
            "def encode(rows):",
            "    return [(" + ", ".join(values) + ",) for " + ", ".join(names) + ", in rows]",
        ]
    )
    env: dict[str, Any] = {}
    exec(compile(source, f"<etl sqlite encoder for table {table.name}>", "exec"), env)
    return env["encode"]


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
