"""Row encoders: the COPY text and plain values that workers hand to the loader."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from etl.config.specs import TypeSpec
from etl.connectors.encoding import copy_text_encoder, plain_values_encoder
from etl.plan import Column, Table


def _table(*types: str) -> Table:
    cols = tuple(Column(f"c{i}", TypeSpec.parse(t), nullable=True) for i, t in enumerate(types))
    return Table("t", cols, key=("c0",), inherited=("c0",), parent=None, rows=None, depth=0, spec=None)


def test_copy_text_escapes_and_formats_every_type():
    table = _table(
        "bigint", "nvarchar(20)", "decimal(8,2)", "bool", "date", "datetime", "time", "float", "text"
    )
    row = (
        7,
        "a\tb\nc\\d\re",
        Decimal("12.50"),
        False,
        dt.date(2025, 3, 14),
        dt.datetime(2025, 3, 14, 9, 5, 1),
        dt.time(23, 59),
        0.1,
        None,
    )
    out = copy_text_encoder(table)([row, (8, *([None] * 8))]).decode()
    assert out == (
        "7\ta\\tb\\nc\\\\d\\re\t12.50\tf\t2025-03-14\t2025-03-14 09:05:01\t23:59:00\t0.1\t\\N\n"
        "8\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n"
    )


def test_copy_text_keeps_non_ascii_text():
    out = copy_text_encoder(_table("bigint", "nvarchar(30)"))([(1, "González-Ruiz Ó Briain Nguyễn")])
    assert out.decode("utf-8") == "1\tGonzález-Ruiz Ó Briain Nguyễn\n"


def test_plain_values_turn_decimals_and_dates_into_text():
    table = _table("bigint", "decimal(8,2)", "date", "datetime", "bool", "varchar(5)")
    rows = plain_values_encoder(table)(
        [(1, Decimal("1.10"), dt.date(2024, 2, 29), dt.datetime(2024, 1, 1, 0, 0), True, None)]
    )
    assert rows == [(1, "1.10", "2024-02-29", "2024-01-01 00:00:00", True, None)]
