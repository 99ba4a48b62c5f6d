"""Converters per TypeSpec, called directly: boundaries and values from map/const (not only text)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from etl.config.specs import ColumnSpec, TypeSpec
from etl.convert import ValueProblem, converter


def conv(type_text: str, **kw):
    ctype = TypeSpec.parse(type_text)
    return converter(ctype, ColumnSpec(name="c", type=ctype, **kw))


@pytest.mark.parametrize(
    ("type_text", "value", "expected"),
    [
        ("smallint", "-32768", -32768),
        ("smallint", 32767, 32767),
        ("int", "007", 7),
        ("int", 5.0, 5),
        ("bigint", "-9223372036854775808", -(2**63)),
        ("decimal(38,0)", "9" * 38, Decimal("9" * 38)),
        ("decimal(3,3)", ".5", Decimal("0.500")),
        ("decimal(4,1)", 2, Decimal("2.0")),
        ("decimal(4,2)", 1.25, Decimal("1.25")),
        ("decimal(6,2)", "-0", Decimal("0.00")),
        ("float", "1E-3", 0.001),
        ("float", 3, 3.0),
        ("bool", "yEs", True),
        ("bool", "N", False),
        ("bool", 1, True),
        ("bool", False, False),
        ("varchar(4)", "ÄÖÜß", "ÄÖÜß"),
        ("varchar(5)", True, "true"),
        ("varchar(5)", 12.0, "12"),
        ("text", 7, "7"),
        ("date", "2024-02-29", dt.date(2024, 2, 29)),
        ("datetime", "2025-01-01T00:30:00+01:00", dt.datetime(2024, 12, 31, 23, 30)),
        ("time", "23:59:59.999999", dt.time(23, 59, 59, 999999)),
        ("uuid", "urn:uuid:6FA459EA-EE8A-3CA4-894E-DB77E160355E", "6fa459ea-ee8a-3ca4-894e-db77e160355e"),
    ],
)
def test_converts(type_text: str, value, expected) -> None:
    got = conv(type_text)(value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    ("type_text", "value", "reason"),
    [
        ("smallint", "-32769", "out of range for smallint"),
        ("int", True, "is a boolean"),
        ("int", "١٢", "not an integer"),
        ("int", 1.5, "not an integer"),
        ("bigint", str(2**63), "out of range for bigint"),
        ("decimal(38,0)", "9" * 39, "more than 38 digits"),
        ("decimal(3,3)", "1", "more than 0 digits"),
        ("decimal(4,2)", "0.001", "more than 2 decimal places"),
        ("decimal(4,2)", "1_0", "not a decimal"),
        ("decimal(4,2)", float("nan"), "not a decimal"),
        ("float", "nan", "not a number"),
        ("float", "1e999", "out of range"),
        ("bool", "2", "not a boolean"),
        ("bool", "", "not a boolean"),
        ("varchar(3)", "abcd", "4 characters, longer than varchar(3)"),
        ("nvarchar(1)", "日本", "2 characters, longer than nvarchar(1)"),
        ("date", "2023-02-29", "not a date"),
        ("date", 20230101, "not a date"),
        ("datetime", "2025-13-01T00:00:00", "not a datetime"),
        ("time", "25:00", "not a time"),
        ("uuid", "1234", "not a UUID"),
    ],
)
def test_rejects(type_text: str, value, reason: str) -> None:
    with pytest.raises(ValueProblem, match=re.escape(reason)):
        conv(type_text)(value)


def test_varchar_truncate_counts_characters() -> None:
    assert conv("nvarchar(2)", on_overflow="truncate")("日本語") == "日本"


def test_datetime_timezone_and_format() -> None:
    to_paris = conv("datetime", timezone="Europe/Paris", format="%Y%m%d%H%M%z")
    assert to_paris("202501011200+0000") == dt.datetime(2025, 1, 1, 13, 0)
    assert conv("datetime", timezone="Europe/Paris")("2025-07-01T12:00:00") == dt.datetime(2025, 7, 1, 12, 0)
    with pytest.raises(ValueProblem, match=r"not a datetime \(format %Y%m%d%H%M%z\)"):
        to_paris("2025-01-01")
