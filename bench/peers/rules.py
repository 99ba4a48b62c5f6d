"""rules: the mapping's column rules written plainly, once, for the Python peers (not etl's code).

The peers must load exactly etl's tables, so they follow the same documented rules: trim, empty -> NULL,
nullif, default, required, map with else, then the type's conversion; an overlong varchar, a decimal with
too many digits, a bad date or bool fails the whole record. Deliberately simple and uncompiled.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

BOOLS = {"true": True, "false": False, "1": True, "0": False, "y": True, "n": False, "yes": True, "no": False}
RANGES = {"smallint": (-(2**15), 2**15 - 1), "int": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


class Problem(ValueError):
    """One value that does not fit its column: the record fails."""


def convert(value: Any, ctype) -> Any:
    """Text (or a map/default value) -> the column's Python value, or Problem."""
    name = ctype.name
    if name in RANGES:
        if isinstance(value, bool):
            raise Problem("bool for int")
        if isinstance(value, str) and not re.fullmatch(r"[+-]?[0-9]+", value):
            raise Problem(f"{value!r} is not an integer")
        number = int(value)
        low, high = RANGES[name]
        if not low <= number <= high:
            raise Problem(f"{value!r} out of range")
        return number
    if name == "decimal":
        text = str(value)
        if not re.fullmatch(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)", text):
            raise Problem(f"{value!r} is not a decimal")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise Problem(f"{value!r} is not a decimal") from None
        quantized = number.quantize(Decimal(1).scaleb(-ctype.scale))
        if quantized != number:
            raise Problem(f"{value!r} has too many decimal places")
        if len(quantized.as_tuple().digits) > ctype.precision and quantized != 0:
            raise Problem(f"{value!r} has too many digits")
        return quantized
    if name == "bool":
        if isinstance(value, bool):
            return value
        found = BOOLS.get(str(value).lower())
        if found is None:
            raise Problem(f"{value!r} is not a boolean")
        return found
    if name in ("varchar", "nvarchar"):
        text = (
            value
            if isinstance(value, str)
            else ("true" if value is True else "false" if value is False else str(value))
        )
        if len(text) > ctype.length:
            raise Problem(f"{text!r} is longer than {ctype}")
        return text
    if name == "text":
        return str(value)
    if name == "date":
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise Problem(f"{value!r} is not a date") from None
    if name == "datetime":
        try:
            stamp = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise Problem(f"{value!r} is not a datetime") from None
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
        return stamp
    if name == "float":
        return float(value)
    raise Problem(f"type {ctype} is not used by the credit application mapping")


def apply(spec, raw: str | None) -> Any:
    """The column's value from the raw text of its match (None when nothing matched).

    Order: trim, empty/nullif -> NULL, default, required, map (no else: an error), convert.
    """
    value = raw
    if value is not None and spec.trim:
        value = value.strip()
    if value is not None and (value == "" or value in spec.nullif):
        value = None
    if value is None:
        if spec.default is not None:
            default = spec.default.strip() if isinstance(spec.default, str) and spec.trim else spec.default
            return convert(default, spec.type)
        if spec.required:
            raise Problem(f"{spec.name} is required")
        return None
    if spec.map is not None:
        table = dict(spec.map.values)
        if value in table:
            value = table[value]
        elif spec.map.has_else:
            value = spec.map.else_value
        else:
            raise Problem(f"{value!r} is not mapped")
        if value is None:
            if spec.required:
                raise Problem(f"{spec.name} is mapped to NULL")
            return None
    return convert(value, spec.type)


def item_text(item: Any) -> str:
    """One XPath result as text: an element's text (its string value when it has children), or a string."""
    if isinstance(item, str):
        return str(item)
    if len(item):
        return item.xpath("string()")
    return item.text or ""
