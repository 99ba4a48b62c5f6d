"""mapping_accel: a compiled table -> the TablePlan of the C row builder (etl._accel), when it is built.

The extension is optional: `pip install` compiles it where a C compiler is available, and without it
(or with ETL_ACCEL=0 in the environment) the mapper runs the generated Python tree functions, which give
the same rows. This module only translates: the dispatch tree, probes and column rules the mapper
compiled become the flat lists TablePlan takes. Which conversions run inline is
etl.mapping_rules.inline_kind(), as for the generated Python; everything else calls the same Python
converters and finishers.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from typing import Any

from etl.convert import BOOLS, INT_RANGES, converter
from etl.mapping_rules import CONST, ID, POSITION, inline_kind

_MISSING = "the compiled row builder is not built"
try:  # absent in a source checkout that was not built, or without a compiler
    from etl import _accel
except ImportError:  # pragma: no cover - depends on the build
    _accel = None
except Exception as exc:  # pragma: no cover - built against an lxml whose binary layout differs
    _accel = None
    _MISSING = (
        f"the compiled row builder does not load ({type(exc).__name__}: {exc}); reinstall to rebuild it"
    )

# The enums of _accel.pyx (its CONSTANTS; a test compares them)
COL_POSITION, COL_ID, COL_CONST, COL_VALUE = range(4)
CV_STR, CV_VARCHAR, CV_INT, CV_DECIMAL, CV_BOOL, CV_CALL, CV_FINISH = range(7)


def built() -> bool:
    """True when the compiled row builder is importable."""
    return _accel is not None


def enabled() -> bool:
    """True when the compiled row builder is importable and not switched off (ETL_ACCEL=0)."""
    return _accel is not None and os.environ.get("ETL_ACCEL", "1") != "0"


def describe() -> str:
    """Which row builder maps documents, for --version and the run log."""
    if _accel is None:
        return f"generated Python ({_MISSING})"
    if not enabled():
        return "generated Python (ETL_ACCEL=0)"
    return "compiled row builder"


def plan(table: Any, slow: type[Exception]) -> Any:
    """The TablePlan of a top or child CompiledTable and every table below it; None when one of them
    needs the generic path: a rule or a `rows` that is more than a path of element steps."""
    if _accel is None or table.xpath_probes or (table.has_rows and table.rows_path is None):
        return None
    nodes = _nodes(table)
    if len(nodes) > _accel.MAX_DISPATCH:
        return None
    children = [plan(child, slow) for child in table.children]
    if any(c is None for c in children):
        return None
    objects: list[Any] = []

    def ref(value: Any) -> int:
        objects.append(value)
        return len(objects) - 1

    steps = [_split(tag) for tag in table.rows_path] if table.has_rows else []
    return _accel.TablePlan(
        table.name,
        nodes,
        len(table.first),
        list(table.self_probes),
        [p for p, _xp in table.text_probes],
        [_column(rule, ref) for rule in table.rules],
        objects,
        steps,
        tuple(table.inherit),
        children,
        slow,
    )


def _split(clark: str) -> tuple[str, str | None]:
    """'{uri}name' -> ('name', 'uri'); 'name' -> ('name', None)."""
    if clark.startswith("{"):
        uri, name = clark[1:].split("}", 1)
        return name, uri
    return clark, None


def _nodes(table: Any) -> list[tuple]:
    """The dispatch tree breadth-first, so that each node's children are contiguous; node 0 is the row."""
    nodes: list[list] = [["", None, (), [(*_split(a), p) for a, p in table.row_attrs], 0, 0]]
    queue = [(0, table.walk or {})]
    while queue:
        index, level = queue.pop(0)
        nodes[index][4], nodes[index][5] = len(nodes), len(level)
        for tag, (values, attrs, deeper) in level.items():
            name, ns = _split(tag)
            nodes.append([name, ns, tuple(values), [(*_split(a), p) for a, p in attrs], 0, 0])
            queue.append((len(nodes) - 1, deeper or {}))
    return [tuple(n) for n in nodes]


def _column(rule: Any, ref: Any) -> dict[str, Any]:
    col = {
        "kind": COL_VALUE,
        "conv": CV_STR,
        "probes": tuple(rule.probes),
        "trim": False,
        "required": False,
        "has_default": False,
        "truncate": False,
        "max_len": 0,
        "lo": 0,
        "hi": 0,
        "int_digits": 0,
        "scale": 0,
        "obj": 0,
        "fast": 0,
        "default": 0,
    }
    if rule.kind in (POSITION, ID):
        col["kind"] = COL_POSITION if rule.kind == POSITION else COL_ID
        return col
    if rule.kind == CONST:
        col["kind"], col["obj"] = COL_CONST, ref(rule.value)
        return col
    spec = rule.spec
    kind = inline_kind(spec)
    if kind is None:
        col["conv"], col["fast"] = CV_FINISH, ref(rule.finish)
        return col
    col["trim"] = spec.trim
    col["required"] = rule.required
    if rule.has_default:
        col["has_default"], col["default"] = True, ref(rule.default)
    convert = converter(spec.type, spec)
    if kind == "text":
        if spec.type.length:
            col["conv"], col["max_len"] = CV_VARCHAR, spec.type.length
            col["truncate"] = spec.on_overflow == "truncate"
    elif kind == "int":
        col["conv"], col["obj"] = CV_INT, ref(convert)
        col["lo"], col["hi"] = INT_RANGES[spec.type.name]
    elif kind == "decimal":
        p, s = spec.type.precision or 18, spec.type.scale or 0
        col["conv"], col["obj"], col["fast"] = CV_DECIMAL, ref(convert), ref(Decimal)
        col["int_digits"], col["scale"] = max(p - s, 0), s
    elif kind == "bool":
        col["conv"], col["fast"] = CV_BOOL, ref(BOOLS)
    elif kind == "isodate":
        col["conv"], col["fast"] = CV_CALL, ref(dt.date.fromisoformat)
    else:
        col["conv"], col["fast"] = CV_CALL, ref(convert)
    return col
    col["trim"] = spec.trim
    col["required"] = rule.required
    if rule.has_default:
        col["has_default"], col["default"] = True, ref(rule.default)
    kind = spec.type.name
    convert = converter(spec.type, spec)
    if kind in ("varchar", "nvarchar", "text") and spec.trim:
        if spec.type.length:
            col["conv"], col["max_len"] = CV_VARCHAR, spec.type.length
            col["truncate"] = spec.on_overflow == "truncate"
    elif kind in INT_RANGES:
        col["conv"], col["obj"] = CV_INT, ref(convert)
        col["lo"], col["hi"] = INT_RANGES[kind]
    elif kind == "decimal":
        p, s = spec.type.precision or 18, spec.type.scale or 0
        col["conv"], col["obj"], col["fast"] = CV_DECIMAL, ref(convert), ref(Decimal)
        col["int_digits"], col["scale"] = max(p - s, 0), s
    elif kind == "bool":
        col["conv"], col["fast"] = CV_BOOL, ref(BOOLS)
    elif kind == "date" and not spec.format:
        col["conv"], col["fast"] = CV_CALL, ref(dt.date.fromisoformat)
    else:
        col["conv"], col["fast"] = CV_CALL, ref(convert)
    return col
