"""mapping_rules: one column rule -> what the mapper binds: path analysis, XPath result text, finishers.

No document is touched at import or compile time; everything here runs once per Mapper, except the small
helpers the row paths call (`value_of`, `scalar`, the finishers).
"""

from __future__ import annotations

import math
import re
from typing import Any

from lxml import etree

from etl.config.specs import ColumnSpec
from etl.convert import INT_RANGES, ValueProblem, converter
from etl.errors import ConfigError, Finding

XML_NS = "http://www.w3.org/XML/1998/namespace"
DOCUMENT = "<document>"
_QNAME = re.compile(r"(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)")
STRING = etree.XPath("string()")
NIL_TRUE = ("true", "1")

# Rule kinds
VALUE, COALESCE, ID, POSITION, CONST = range(5)


class NeedExact(Exception):
    """A rule read the string value of an element with children from a tree parsed without blank text."""


class Node:
    """One step of the dispatch tree: probes taking this element's value, its attributes, deeper steps."""

    __slots__ = ("attrs", "children", "values")

    def __init__(self) -> None:
        self.values: list[int] = []
        self.attrs: list[tuple[str, int]] = []
        self.children: dict[str, Node] = {}


def clark(qname: str, namespaces: dict[str, str], *, attribute: bool = False) -> str | None:
    """`p:Name` -> `{uri}Name` with the mapping's prefixes (`xml` is predefined); None when it is no QName."""
    m = _QNAME.fullmatch(qname)
    if not m:
        return None
    prefix, local = m.groups()
    if prefix is None:
        return local  # XPath 1.0: an unprefixed name is in no namespace, for elements and attributes alike
    uri = XML_NS if prefix == "xml" else namespaces.get(prefix)
    return None if uri is None else f"{{{uri}}}{local}"


def simple_path(expr: str, namespaces: dict[str, str]) -> tuple[tuple[str, ...], str, str | None] | None:
    """(element steps, kind, attribute) for `A/B`, `A/@b`, `@b`, `.`, `text()`; None when it needs XPath.

    kind is 'element' (the last step's value), 'attr', 'self' or 'text'.
    """
    text = expr.strip()
    while text.startswith("./"):
        text = text[2:]
    if text == ".":
        return (), "self", None
    if text == "text()":
        return (), "text", None
    parts = text.split("/")
    last = parts[-1]
    steps = []
    for part in parts[:-1]:
        tag = clark(part, namespaces)
        if tag is None:
            return None
        steps.append(tag)
    if last.startswith("@"):
        key = clark(last[1:], namespaces, attribute=True)
        return None if key is None else (tuple(steps), "attr", key)
    tag = clark(last, namespaces)
    return None if tag is None else ((*steps, tag), "element", None)


_LITERAL = re.compile(r"\"[^\"]*\"|'[^']*'")
_FUNCTION = re.compile(r"([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)\s*\(")
_COMPARE = re.compile(r"([^\s=!<>\[]+)\s*(?:!=|<=|>=|=|<|>)\s*([^\s=!<>\])]+)")
_SAFE_FUNCTIONS = {
    "text",
    "node",
    "comment",
    "processing-instruction",
    "position",
    "last",
    "count",
    "not",
    "true",
    "false",
    "name",
    "local-name",
    "namespace-uri",
    "lang",
    "boolean",
}
_SAFE_OPERAND = re.compile(r"@[\w:.*-]+|L|[0-9]+(?:\.[0-9]*)?|\.[0-9]+|position\(\)|last\(\)|count\([^=]*\)")


def reads_string_values(expr: str) -> bool:
    """Whether an XPath may compute the string value of an element inside the expression (functions,
    comparisons, arithmetic), where a tree without blank text could give another answer."""
    text = _LITERAL.sub("L", expr)
    if any(m.group(1) not in _SAFE_FUNCTIONS for m in _FUNCTION.finditer(text)):
        return True
    for left, right in _COMPARE.findall(text):
        if not (_SAFE_OPERAND.fullmatch(left) and _SAFE_OPERAND.fullmatch(right)):
            return True
    return bool(re.search(r"\+|\sdiv\s|\smod\s|\s-\s|[\w)\]]\s*\*\s", text))


def value_of(node: Any, exact: bool) -> str | None:
    """One XPath result item as text: an element's string value, an attribute's or text node's text."""
    if isinstance(node, str):
        return node
    if isinstance(node, etree._Element):
        if len(node):
            if not exact:
                raise NeedExact
            return STRING(node)
        return node.text or ""
    if isinstance(node, tuple):  # namespace node: (prefix, uri)
        return str(node[1])
    return str(node)


def scalar(result: Any) -> str | None:
    """A string/number/boolean XPath result as text (NaN, e.g. number() of nothing, is NULL)."""
    if isinstance(result, bool):
        return "true" if result else "false"
    if isinstance(result, float):
        if math.isnan(result):
            return None
        return str(int(result)) if result.is_integer() else repr(result)
    return str(result)


class Rule:
    """What mapping one column needs at run time, bound once."""

    __slots__ = (
        "default",
        "finish",
        "first",
        "has_default",
        "kind",
        "name",
        "probes",
        "required",
        "spec",
        "value",
        "xpath",
    )

    def __init__(self, name: str, kind: int, xpath: str | None, spec: ColumnSpec | None = None) -> None:
        self.name = name
        self.kind = kind
        self.xpath = xpath
        self.spec = spec
        self.probes: tuple[int, ...] = ()
        self.finish: Any = None
        self.value: Any = None
        self.first = False
        self.required = False
        self.has_default = False
        self.default: Any = None


def finisher(spec: ColumnSpec, nullable: bool) -> Any:
    """text found by the rule (None when nothing matched) -> typed value, or ValueProblem.

    Order: trim, empty/nullif -> NULL, default, required, map, convert; on_error: null catches the last two.
    """
    conv = converter(spec.type, spec)
    trim = spec.trim
    nulls = frozenset(spec.nullif)
    required = not nullable
    has_default = spec.default is not None
    default = constant(spec, conv, spec.default, "default") if has_default else None
    to_null = spec.on_error == "null"
    table = dict(spec.map.values) if spec.map else None
    has_else = bool(spec.map and spec.map.has_else)
    else_value = spec.map.else_value if spec.map else None
    allowed = ", ".join(repr(k) for k in table)[:200] if table else ""

    if (
        table is None
        and not nulls
        and not to_null
        and trim
        and spec.type.name in ("varchar", "nvarchar", "text")
    ):
        # The most common column, with its length check inlined: one call per field instead of two.
        limit = spec.type.length or 0
        cut = spec.on_overflow == "truncate"
        label = str(spec.type)

        def finish_text(v: str | None) -> Any:
            if v is not None:
                v = v.strip()
                if v:
                    if limit and len(v) > limit:  # characters, not bytes
                        if cut:
                            return v[:limit]
                        raise ValueProblem(f"is {len(v)} characters, longer than {label}")
                    return v
            if has_default:
                return default
            if required:
                raise ValueProblem("is required but missing or empty")
            return None

        return finish_text

    if table is None and not nulls and not to_null:

        def finish(v: str | None) -> Any:
            if v is not None:
                if trim:
                    v = v.strip()
                if v:
                    return conv(v)
            if has_default:
                return default
            if required:
                raise ValueProblem("is required but missing or empty")
            return None

        return finish

    def finish_full(v: str | None) -> Any:
        if v is not None:
            if trim:
                v = v.strip()
            if not v or v in nulls:
                v = None
        if v is None:
            if has_default:
                return default
            if required:
                raise ValueProblem("is required but missing or empty")
            return None
        try:
            if table is not None:
                if v in table:
                    v = table[v]
                elif has_else:
                    v = else_value
                else:
                    raise ValueProblem(f"is not one of the mapped values ({allowed}) and the map has no else")
                if v is None:
                    if required:
                        raise ValueProblem("is mapped to NULL but the column is required")
                    return None
            return conv(v)
        except ValueProblem:
            if to_null and not required:
                return None
            raise

    return finish_full


def constant(spec: ColumnSpec, conv: Any, value: Any, what: str) -> Any:
    """A default or const converted once at compile time; a bad one is a mapping error."""
    try:
        return conv(value.strip() if isinstance(value, str) and spec.trim else value)
    except ValueProblem as exc:
        loc = spec.location
        raise ConfigError(
            f"{loc}: invalid {what}",
            [Finding(f"{what} {value!r} {exc}", loc, f"{spec.key or 'columns.' + spec.name}.{what}")],
        ) from None


def inline_kind(spec: ColumnSpec) -> str | None:
    """How the fast paths (generated Python, compiled row builder) convert a column's trimmed text.

    None: the column's finisher runs whole (map, nullif, on_error: null). Otherwise 'text' (a trimmed
    string type: at most a length check), 'int', 'decimal', 'bool', 'isodate' (date.fromisoformat) or
    'call' (the column's converter, e.g. an untrimmed varchar, a datetime, a date with a format).
    """
    if spec.map is not None or spec.nullif or spec.on_error == "null":
        return None
    name = spec.type.name
    if name in ("varchar", "nvarchar", "text"):
        return "text" if spec.trim else "call"
    if name in INT_RANGES:
        return "int"
    if name in ("decimal", "bool"):
        return name
    if name == "date" and not spec.format:
        return "isodate"
    return "call"


def same(value: Any) -> Any:
    return value


def frozen(dispatch: dict[str, Node]) -> dict[str, tuple] | None:
    if not dispatch:
        return None
    return {tag: (tuple(n.values), tuple(n.attrs), frozen(n.children)) for tag, n in dispatch.items()}
