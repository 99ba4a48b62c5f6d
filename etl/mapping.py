"""mapping: Layout + one document -> typed rows of every target table, or the record's DataErrors (the hot path).

`Mapper(layout)` compiles once per process. Rules that name a child element, a path of child elements or an
attribute (`Name`, `Header/Channel/@code`, `@xml:lang`) go into a tag -> probe dispatch tree, filled by one
pass over each row element's children; every other rule is a compiled `etree.XPath`. Measured on the credit
application corpus, the one-pass walk beats an XPath per field because the cost is the Python object lxml
makes per touched element, and the walk touches each child once.
"""

from __future__ import annotations

import logging
import math
import re
from operator import call
from typing import Any

from lxml import etree

from etl.config.specs import ColumnSpec
from etl.convert import ValueProblem, converter
from etl.errors import ConfigError, DataError, Finding
from etl.plan import Column, Layout, Table
from etl.xmlparse import EXACT_PARSER, FAST_PARSER, XSI_NIL, DocumentError, parse_bytes, to_bytes

log = logging.getLogger(__name__)

MAX_ERRORS = 20  # per record: enough to fix a document in one go, not a flood
XML_NS = "http://www.w3.org/XML/1998/namespace"
DOCUMENT = "<document>"
_QNAME = re.compile(r"(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)")
_STRING = etree.XPath("string()")
_NIL_TRUE = ("true", "1")

# Column kinds
_VALUE, _COALESCE, _ID, _POSITION, _CONST = range(5)


class _NeedExact(Exception):
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


def _value_of(node: Any, exact: bool) -> str | None:
    """One XPath result item as text: an element's string value, an attribute's or text node's text."""
    if isinstance(node, str):
        return node
    if isinstance(node, etree._Element):
        if len(node):
            if not exact:
                raise _NeedExact
            return _STRING(node)
        return node.text or ""
    if isinstance(node, tuple):  # namespace node: (prefix, uri)
        return str(node[1])
    return str(node)


def _scalar(result: Any) -> str | None:
    """A string/number/boolean XPath result as text (NaN, e.g. number() of nothing, is NULL)."""
    if isinstance(result, bool):
        return "true" if result else "false"
    if isinstance(result, float):
        if math.isnan(result):
            return None
        return str(int(result)) if result.is_integer() else repr(result)
    return str(result)


class _Rule:
    """What mapping one column needs at run time, bound once."""

    __slots__ = ("finish", "first", "kind", "name", "probes", "value", "xpath")

    def __init__(self, name: str, kind: int, xpath: str | None) -> None:
        self.name = name
        self.kind = kind
        self.xpath = xpath
        self.probes: tuple[int, ...] = ()
        self.finish: Any = None
        self.value: Any = None
        self.first = False


def finisher(spec: ColumnSpec, nullable: bool) -> Any:
    """text found by the rule (None when nothing matched) -> typed value, or ValueProblem.

    Order: trim, empty/nullif -> NULL, default, required, map, convert; on_error: null catches the last two.
    """
    conv = converter(spec.type, spec)
    trim = spec.trim
    nulls = frozenset(spec.nullif)
    required = not nullable
    has_default = spec.default is not None
    default = _constant(spec, conv, spec.default, "default") if has_default else None
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


def _constant(spec: ColumnSpec, conv: Any, value: Any, what: str) -> Any:
    """A default or const converted once at compile time; a bad one is a mapping error."""
    try:
        return conv(value.strip() if isinstance(value, str) and spec.trim else value)
    except ValueProblem as exc:
        loc = spec.location
        raise ConfigError(
            f"{loc}: invalid {what}",
            [Finding(f"{what} {value!r} {exc} ({spec.type})", loc, f"columns.{spec.name}.{what}")],
        ) from None


class _CompiledTable:
    """One target table: how to find its row elements and fill each row's columns."""

    def __init__(self, table: Table, layout: Layout, index: dict[str, int], ns: dict[str, str]) -> None:
        self.name = table.name
        self.table = table
        self.parent = index[table.parent] if table.parent else None
        self.has_rows = table.rows is not None
        self.rows_steps: tuple[str, ...] | None = None
        self.rows_xpath: etree.XPath | None = None
        self.risky = False
        if table.rows is not None:
            simple = simple_path(table.rows, ns)
            if simple and simple[1] == "element":
                self.rows_steps = simple[0]
            else:
                self.rows_xpath = etree.XPath(table.rows, namespaces=ns, smart_strings=False)
                self.risky = reads_string_values(table.rows)
        if table.parent:
            parent = layout.table(table.parent)
            names = parent.column_names
            self.inherit = tuple(names.index(n) for n in table.inherited)
        else:
            self.inherit = ()
        self.children: list[_CompiledTable] = []
        self.dispatch: dict[str, Node] = {}
        self.row_attrs: list[tuple[str, int]] = []
        self.self_probes: list[int] = []
        self.text_probes: list[tuple[int, etree.XPath]] = []
        self.xpath_probes: list[tuple[int, etree.XPath]] = []
        own = table.own_columns
        # Probe i is column i for one-XPath columns, so raw values line up with the finishers; the extra
        # probes of coalesce columns come after them.
        self.first: list[bool] = [False] * len(own)
        self.rules = [self._rule(i, c, ns) for i, c in enumerate(own)]
        self.finishers = tuple(r.finish for r in self.rules)
        self.coalesce = tuple((i, r.probes) for i, r in enumerate(self.rules) if r.kind == _COALESCE)
        self.positions = tuple(i for i, r in enumerate(self.rules) if r.kind == _POSITION)
        self.ids = tuple(i for i, r in enumerate(self.rules) if r.kind == _ID)
        self.blank = [None] * len(self.first)

    def _probe(self, expr: str, first: bool, ns: dict[str, str], p: int | None = None) -> int:
        if p is None:
            p = len(self.first)
            self.first.append(first)
        self.first[p] = first
        simple = simple_path(expr, ns)
        if simple is None:
            self.xpath_probes.append((p, etree.XPath(expr, namespaces=ns, smart_strings=False)))
            self.risky = self.risky or reads_string_values(expr)
            return p
        steps, kind, attr = simple
        if kind == "self":
            self.self_probes.append(p)
        elif kind == "text":
            self.text_probes.append((p, etree.XPath(expr, namespaces=ns, smart_strings=False)))
        elif kind == "attr" and not steps:
            self.row_attrs.append((attr, p))
        else:
            node: Node | None = None
            level = self.dispatch
            for tag in steps:
                node = level.get(tag) or level.setdefault(tag, Node())
                level = node.children
            assert node is not None
            if kind == "attr":
                node.attrs.append((attr, p))
            else:
                node.values.append(p)
        return p

    def _rule(self, index: int, col: Column, ns: dict[str, str]) -> _Rule:
        spec = col.spec
        assert spec is not None
        if spec.source in ("id", "position"):
            rule = _Rule(col.name, _ID if spec.source == "id" else _POSITION, None)
            rule.finish = _same
            return rule
        if spec.source == "const":
            rule = _Rule(col.name, _CONST, None)
            conv = converter(spec.type, spec)
            value = None if spec.value is None else _constant(spec, conv, spec.value, "value")
            rule.value = value
            rule.finish = lambda _v: value
            return rule
        rule = _Rule(col.name, _VALUE if len(spec.xpaths) == 1 else _COALESCE, spec.xpath_text)
        if rule.kind == _VALUE:
            rule.probes = (self._probe(spec.xpaths[0], spec.first, ns, index),)
        else:
            rule.probes = tuple(self._probe(x, spec.first, ns) for x in spec.xpaths)
        rule.first = spec.first
        rule.finish = finisher(spec, col.nullable)
        return rule

    def freeze(self) -> None:
        """Nodes -> (values, attrs, children) tuples: the walk unpacks a tuple faster than it reads slots."""
        self.walk = _frozen(self.dispatch)

    def select(self, elem: etree._Element) -> list[etree._Element]:
        """The row elements of this table under its parent's row element (or the root)."""
        steps = self.rows_steps
        if steps is not None:
            if len(steps) == 1:
                return list(elem.iterchildren(steps[0]))
            current = [elem]
            for tag in steps:
                current = [c for e in current for c in e.iterchildren(tag)]
            return current
        if self.rows_xpath is None:
            return [elem]
        found = self.rows_xpath(elem)
        if not isinstance(found, list) or not all(isinstance(x, etree._Element) for x in found):
            raise ValueProblem("the rows XPath must select elements")
        return found

    def fill(self, elem: etree._Element, exact: bool, nil: bool) -> tuple[list, dict]:
        """The text each probe found in this row element (None: no match) and its problems by probe."""
        raw = self.blank[:]
        bad: dict[int, Any] = {}
        if self.walk:
            _walk(elem, self.walk, raw, bad, exact, nil)
        for key, p in self.row_attrs:
            raw[p] = elem.get(key)
        for p in self.self_probes:
            raw[p] = "" if nil and elem.get(XSI_NIL) in _NIL_TRUE else _value_of(elem, exact)
        for p, xp in self.text_probes:
            if not len(elem):
                raw[p] = elem.text
            elif not exact:
                raise _NeedExact
            else:
                found = xp(elem)
                if len(found) > 1:
                    bad[p] = len(found)
                raw[p] = found[0] if found else None
        for p, xp in self.xpath_probes:
            try:
                found = xp(elem)
            except etree.XPathError as exc:
                bad[p] = f"XPath failed: {exc}"
                continue
            if type(found) is list:
                if found:
                    item = found[0]
                    raw[p] = _value_of(item, exact)
                    if nil and isinstance(item, etree._Element) and item.get(XSI_NIL) in _NIL_TRUE:
                        raw[p] = ""
                    if len(found) > 1:
                        bad[p] = len(found)
            else:
                raw[p] = _scalar(found)
        return raw, bad

    def row(
        self,
        elem: etree._Element,
        pos: int,
        app_id: Any,
        key: tuple,
        exact: bool,
        nil: bool,
        errors: list[DataError],
    ) -> tuple:
        """One row tuple in table column order; problems go to `errors`."""
        raw, bad = self.fill(elem, exact, nil)
        for i, probes in self.coalesce:
            for p in probes:
                text = raw[p]
                if text is not None and text.strip():
                    raw[i] = text
                    break
        for i in self.positions:
            raw[i] = pos
        for i in self.ids:
            raw[i] = app_id
        if not bad:
            try:
                return key + tuple(map(call, self.finishers, raw))
            except ValueProblem:
                pass  # map again, column by column, to report every problem of the row
        return key + self._checked(raw, bad, pos, app_id, errors)

    def _checked(self, raw: list, bad: dict, pos: int, app_id: Any, errors: list[DataError]) -> tuple:
        failed = self._multiple(bad, raw, pos, app_id, errors) if bad else set()
        out = []
        for rule, finish, v in zip(self.rules, self.finishers, raw, strict=False):
            if rule.name in failed:
                out.append(None)
                continue
            try:
                out.append(finish(v))
            except ValueProblem as exc:
                out.append(None)
                where = pos if self.has_rows else None
                errors.append(DataError(app_id, self.name, where, rule.name, rule.xpath, v, str(exc)))
        return tuple(out)

    def _multiple(self, bad: dict, raw: list, pos: int, app_id: Any, errors: list[DataError]) -> set[str]:
        """Errors for probes that matched several nodes (unless first: true) or could not be evaluated."""
        failed = set()
        for rule in self.rules:
            for p in rule.probes:
                problem = bad.get(p)
                if problem is None or (isinstance(problem, int) and self.first[p]):
                    continue
                if isinstance(problem, int):
                    problem = (
                        f"matched {problem} nodes; the column takes one value (first: true takes the first)"
                    )
                failed.add(rule.name)
                errors.append(
                    DataError(
                        app_id,
                        self.name,
                        pos if self.has_rows else None,
                        rule.name,
                        rule.xpath,
                        raw[p],
                        problem,
                    )
                )
        return failed


def _same(value: Any) -> Any:
    return value


def _frozen(dispatch: dict[str, Node]) -> dict[str, tuple] | None:
    if not dispatch:
        return None
    return {tag: (tuple(n.values), tuple(n.attrs), _frozen(n.children)) for tag, n in dispatch.items()}


def _walk(elem: etree._Element, dispatch: dict, raw: list, bad: dict, exact: bool, nil: bool) -> None:
    """One pass over elem's children: each child whose tag a rule names fills that rule's probes."""
    get = dispatch.get
    for child in elem:
        node = get(child.tag)
        if node is None:
            continue
        values, attrs, deeper = node
        if values:
            if len(child):
                if not exact:
                    raise _NeedExact
                v = _STRING(child)
            else:
                v = child.text or ""
            if nil and child.get(XSI_NIL) in _NIL_TRUE:
                v = ""
            for p in values:
                if raw[p] is None:
                    raw[p] = v
                else:
                    bad[p] = bad.get(p, 1) + 1
        for key, p in attrs:
            v = child.get(key)
            if v is not None:
                if raw[p] is None:
                    raw[p] = v
                else:
                    bad[p] = bad.get(p, 1) + 1
        if deeper:
            _walk(child, deeper, raw, bad, exact, nil)


class Mapper:
    """A mapping compiled for one process: `map(app_id, document)` -> (rows by table, []) or ({}, errors)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        mapping = layout.mapping
        ns = mapping.nsmap
        self.root_name = mapping.root
        self.root_tag = clark(mapping.root, ns)
        index = {t.name: i for i, t in enumerate(layout.tables)}
        self.tables = [_CompiledTable(t, layout, index, ns) for t in layout.tables]
        for t in self.tables:
            t.freeze()
            if t.parent is not None:
                self.tables[t.parent].children.append(t)
        self.top = [t for t in self.tables if t.parent is None]
        self.names = tuple(t.name for t in self.tables)
        # Without blank text the parse is ~15% faster; only XPath that computes string values inside the
        # expression could see the difference, so such mappings always parse exactly.
        self.fast = not any(t.risky for t in self.tables)

    def __reduce__(self) -> tuple:
        return (Mapper, (self.layout,))  # compiled XPath objects do not pickle; rebuilding takes milliseconds

    def map(self, app_id: int, document: str | bytes) -> tuple[dict[str, list[tuple]], list[DataError]]:
        """Rows of every table for one record, or ({}, its errors). Never raises."""
        try:
            data = to_bytes(document)
            nil = b"XMLSchema-instance" in data
            if self.fast:
                try:
                    return self._map(app_id, data, False, nil)
                except _NeedExact:
                    pass  # a rule reads mixed content: parse again, keeping every text node
            return self._map(app_id, data, True, nil)
        except DocumentError as exc:
            return {}, [DataError(app_id, DOCUMENT, None, None, None, None, str(exc))]
        except Exception as exc:  # a bug must fail its record, not the batch; the log keeps the traceback
            log.exception("mapping app_id=%s failed unexpectedly", app_id)
            return {}, [
                DataError(
                    app_id,
                    DOCUMENT,
                    None,
                    None,
                    None,
                    None,
                    f"internal error while mapping: {type(exc).__name__}: {exc}",
                )
            ]

    def _map(self, app_id: Any, data: bytes, exact: bool, nil: bool) -> tuple[dict, list]:
        root = parse_bytes(data, EXACT_PARSER if exact else FAST_PARSER)
        if root.tag != self.root_tag:
            return {}, [DataError(app_id, DOCUMENT, None, None, None, None, self._root_problem(root))]
        rows: dict[str, list[tuple]] = {name: [] for name in self.names}
        errors: list[DataError] = []
        key = (app_id,)
        for table in self.top:
            self._rows(table, root, key, app_id, exact, nil, rows, errors)
            if len(errors) >= MAX_ERRORS:
                break
        if errors:
            return {}, errors[:MAX_ERRORS]
        return rows, []

    def _rows(
        self,
        table: _CompiledTable,
        parent: etree._Element,
        key: tuple,
        app_id: Any,
        exact: bool,
        nil: bool,
        rows: dict,
        errors: list,
    ) -> None:
        try:
            elements = table.select(parent)
        except (ValueProblem, etree.XPathError) as exc:
            errors.append(DataError(app_id, table.name, None, None, table.table.rows, None, str(exc)))
            return
        out = rows[table.name]
        children = table.children
        for pos, elem in enumerate(elements, 1):
            row = table.row(elem, pos, app_id, key, exact, nil, errors)
            out.append(row)
            for child in children:
                self._rows(
                    child, elem, tuple(row[i] for i in child.inherit), app_id, exact, nil, rows, errors
                )
            if len(errors) >= MAX_ERRORS:
                return

    def _root_problem(self, root: etree._Element) -> str:
        got = root.tag if isinstance(root.tag, str) else str(root.tag)
        text = f"the root element is {got!r}, the mapping expects {self.root_name!r}"
        if got.startswith("{") and got.split("}", 1)[1] == self.root_name.split(":")[-1]:
            uri = got[1:].split("}", 1)[0]
            text += f" (the document's namespace {uri!r} needs a prefix under namespaces, used in root and XPaths)"
        return text
