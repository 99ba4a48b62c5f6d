"""convert: one converter per column TypeSpec, text (or a mapped value) -> the typed value the loaders bind.

A converter takes a non-empty str (already trimmed, nullif and map applied) or a value from a `map`/`const`
(int, float, bool, str) and returns the typed value, or raises ValueProblem with the reason a person
reads in the record's error line. Nothing is rounded or cut silently.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zoneinfo
from collections.abc import Callable
from decimal import Context, Decimal, Inexact, InvalidOperation
from typing import Any

from etl.config.specs import ColumnSpec, TypeSpec

Converter = Callable[[Any], Any]

INT_RANGES = {
    "smallint": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}
BOOLS = {"true": True, "false": False, "1": True, "0": False, "y": True, "n": False, "yes": True, "no": False}

_INT_RE = re.compile(r"[+-]?[0-9]+")
_DEC_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class ValueProblem(ValueError):
    """Why one value does not fit its column; becomes the reason of a DataError."""


def converter(ctype: TypeSpec, column: ColumnSpec | None = None) -> Converter:
    """The converter for a column type; `column` supplies format, timezone and on_overflow."""
    name = ctype.name
    fmt = column.format if column else None
    if name in INT_RANGES:
        return _int(name, *INT_RANGES[name])
    if name == "decimal":
        return _decimal(ctype)
    if name == "float":
        return _float
    if name == "bool":
        return _bool
    if name in ("varchar", "nvarchar"):
        return _varchar(ctype, truncate=bool(column and column.on_overflow == "truncate"))
    if name == "text":
        return _text
    if name == "date":
        return _date(fmt)
    if name == "datetime":
        return _datetime(fmt, column.timezone if column else None)
    if name == "time":
        return _time(fmt)
    if name == "uuid":
        return _uuid
    raise ValueError(f"no converter for type {ctype}")


def _int(name: str, low: int, high: int) -> Converter:
    match = _INT_RE.fullmatch

    def convert(value: Any) -> int:
        if type(value) is str:
            if match(value) is None:
                raise ValueProblem(f"is not an integer ({name})")
            number = int(value)
        elif isinstance(value, bool):
            raise ValueProblem(f"is a boolean, not an integer ({name})")
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        else:
            raise ValueProblem(f"is not an integer ({name})")
        if not low <= number <= high:
            raise ValueProblem(f"is out of range for {name} ({low}..{high})")
        return number

    return convert


def _decimal(ctype: TypeSpec) -> Converter:
    p, s = ctype.precision or 18, ctype.scale or 0
    quantum = Decimal(1).scaleb(-s)
    # Inexact: more fractional digits than the scale (only trailing zeros may go);
    # InvalidOperation: the quantized coefficient needs more than p digits.
    ctx = Context(prec=p, traps=[Inexact, InvalidOperation])
    match = _DEC_RE.fullmatch
    label = f"decimal({p},{s})"

    def convert(value: Any) -> Decimal:
        if type(value) is str:
            if match(value) is None:
                raise ValueProblem(f"is not a decimal number ({label})")
            number = Decimal(value)
        elif isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise ValueProblem(f"is not a decimal number ({label})")
        else:
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            if not number.is_finite():
                raise ValueProblem(f"is not a decimal number ({label})")
        try:
            return number.quantize(quantum, context=ctx)
        except Inexact:
            raise ValueProblem(f"has more than {s} decimal places ({label}); it is not rounded") from None
        except InvalidOperation:
            raise ValueProblem(f"has more than {p - s} digits before the point ({label})") from None

    return convert


def _float(value: Any) -> float:
    if type(value) is str:
        if _FLOAT_RE.fullmatch(value) is None:
            raise ValueProblem("is not a number (float)")
        number = float(value)
        if number in (float("inf"), float("-inf")):
            raise ValueProblem("is out of range for float")
        return number
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueProblem("is not a number (float)")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueProblem("is not a finite number (float)")
    return number


def _bool(value: Any) -> bool:
    if type(value) is str:
        found = BOOLS.get(value.lower())
        if found is None:
            raise ValueProblem("is not a boolean (true/false, 1/0, y/n, yes/no)")
        return found
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    raise ValueProblem("is not a boolean (true/false, 1/0, y/n, yes/no)")


def _as_text(value: Any) -> str:
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _varchar(ctype: TypeSpec, truncate: bool) -> Converter:
    n = ctype.length or 0
    label = str(ctype)

    def convert(value: Any) -> str:
        text = value if type(value) is str else _as_text(value)
        if len(text) > n:  # len() counts characters (code points), which is what (n)varchar(n) counts
            if truncate:
                return text[:n]
            raise ValueProblem(f"is {len(text)} characters, longer than {label}")
        return text

    return convert


def _text(value: Any) -> str:
    return value if type(value) is str else _as_text(value)


def _date(fmt: str | None) -> Converter:
    hint = f"format {fmt}" if fmt else "ISO 8601, e.g. 2025-03-14"

    def convert(value: Any) -> dt.date:
        if type(value) is not str:
            raise ValueProblem(f"is not a date ({hint})")
        try:
            return dt.datetime.strptime(value, fmt).date() if fmt else dt.date.fromisoformat(value)
        except ValueError:
            raise ValueProblem(f"is not a date ({hint})") from None

    return convert


def zone(name: str | None) -> dt.tzinfo:
    """The tzinfo of a column's `timezone` (default UTC)."""
    if name is None or name.upper() == "UTC":
        return dt.UTC
    return zoneinfo.ZoneInfo(name)


def _datetime(fmt: str | None, tz_name: str | None) -> Converter:
    tz = zone(tz_name)
    hint = f"format {fmt}" if fmt else "ISO 8601, e.g. 2025-03-14T10:22:05+01:00"

    def convert(value: Any) -> dt.datetime:
        if type(value) is not str:
            raise ValueProblem(f"is not a datetime ({hint})")
        try:
            stamp = dt.datetime.strptime(value, fmt) if fmt else dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValueProblem(f"is not a datetime ({hint})") from None
        if stamp.tzinfo is not None:
            # Drivers drop offsets silently; store the wall-clock time of the column's zone instead.
            stamp = stamp.astimezone(tz).replace(tzinfo=None)
        return stamp

    return convert


def _time(fmt: str | None) -> Converter:
    hint = f"format {fmt}" if fmt else "ISO 8601, e.g. 10:22:05"

    def convert(value: Any) -> dt.time:
        if type(value) is not str:
            raise ValueProblem(f"is not a time ({hint})")
        try:
            clock = dt.datetime.strptime(value, fmt).timetz() if fmt else dt.time.fromisoformat(value)
        except ValueError:
            raise ValueProblem(f"is not a time ({hint})") from None
        offset = clock.utcoffset()
        if offset is not None:  # a time with an offset is stored as its UTC time, like datetimes
            base = dt.datetime.combine(dt.date(2000, 1, 1), clock.replace(tzinfo=None)) - offset
            clock = base.time()
        return clock

    return convert


def _uuid(value: Any) -> str:
    if type(value) is not str:
        raise ValueProblem("is not a UUID")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueProblem("is not a UUID") from None
