"""mapping: Layout + one document -> typed rows of every target table, or the record's DataErrors (the hot path).

`Mapper(layout)` compiles once per process. Rules that name a child element, a path of child elements or an
attribute (`Name`, `Header/Channel/@code`, `@xml:lang`) go into a tag -> probe dispatch tree, filled by one
pass over each row element's children; every other rule is a compiled `etree.XPath`. Measured on the credit
application corpus, the one-pass walk beats an XPath per field because the cost is the Python object lxml
makes per touched element, and the walk touches each child once.

Three paths give the same rows: the compiled row builder (etl._accel, via etl.mapping_accel) walks
libxml2's nodes and makes no Python object per element; the generated Python tree and row functions
(etl.mapping_codegen) are the fallback where it is not built; both give up on anything but the plain case,
and the generic path here maps that table again and reports every problem.
"""

from __future__ import annotations

import logging
from operator import call, itemgetter
from typing import Any

from lxml import etree

from etl import mapping_accel
from etl.convert import ValueProblem, converter
from etl.errors import DataError
from etl.mapping_codegen import Slow, generate, generate_tree
from etl.mapping_rules import (
    COALESCE,
    CONST,
    DOCUMENT,
    ID,
    NIL_TRUE,
    POSITION,
    STRING,
    VALUE,
    NeedExact,
    Node,
    Rule,
    clark,
    constant,
    finisher,
    frozen,
    reads_string_values,
    same,
    scalar,
    simple_path,
    value_of,
)
from etl.plan import Column, Layout, Table
from etl.xmlparse import EXACT_PARSER, FAST_PARSER, XSI_NIL, DocumentError, parse_bytes, to_bytes

__all__ = ["DOCUMENT", "MAX_ERRORS", "Mapper", "reads_string_values", "simple_path"]

log = logging.getLogger(__name__)

MAX_ERRORS = 20  # per record: enough to fix a document in one go, not a flood


class _CompiledTable:
    """One target table: how to find its row elements and fill each row's columns."""

    def __init__(self, table: Table, layout: Layout, index: dict[str, int], ns: dict[str, str]) -> None:
        self.name = table.name
        self.table = table
        self.parent = index[table.parent] if table.parent else None
        self.has_rows = table.rows is not None
        self.rows_steps: tuple[str, ...] | None = None
        self.rows_xpath: etree.XPath | None = None
        self.rows_elements = False
        self.rows_path: tuple[str, ...] | None = None  # every step of a path of element steps
        self.risky = False
        if table.rows is not None:
            simple = simple_path(table.rows, ns)
            if simple and simple[1] == "element":
                self.rows_path = simple[0]
            if simple and simple[1] == "element" and len(simple[0]) == 1:
                self.rows_steps = simple[0]  # iterchildren beats XPath for one step, not for two (measured)
            else:
                self.rows_xpath = etree.XPath(table.rows, namespaces=ns, smart_strings=False)
                self.risky = reads_string_values(table.rows)
                # A path of element steps selects elements only: no per-row type check needed.
                self.rows_elements = bool(simple and simple[1] == "element")
        if table.parent:
            parent = layout.table(table.parent)
            names = parent.column_names
            self.inherit = tuple(names.index(n) for n in table.inherited)
        else:
            self.inherit = ()
        self.children: list[_CompiledTable] = []
        self.up: _CompiledTable | None = None
        self.tree: Any = None
        self.accel: Any = None  # the compiled row builder's plan (top tables, see etl.mapping_accel)
        self._fast_rows: Any = None
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
        self.coalesce = tuple((i, r.probes) for i, r in enumerate(self.rules) if r.kind == COALESCE)
        self.positions = tuple(i for i, r in enumerate(self.rules) if r.kind == POSITION)
        self.ids = tuple(i for i, r in enumerate(self.rules) if r.kind == ID)
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

    def _rule(self, index: int, col: Column, ns: dict[str, str]) -> Rule:
        spec = col.spec
        assert spec is not None
        if spec.source in ("id", "position"):
            rule = Rule(col.name, ID if spec.source == "id" else POSITION, None)
            rule.finish = same
            return rule
        if spec.source == "const":
            rule = Rule(col.name, CONST, None)
            conv = converter(spec.type, spec)
            value = None if spec.value is None else constant(spec, conv, spec.value, "value")
            rule.value = value
            rule.finish = lambda _v: value
            return rule
        rule = Rule(col.name, VALUE if len(spec.xpaths) == 1 else COALESCE, spec.xpath_text, spec)
        if rule.kind == VALUE:
            rule.probes = (self._probe(spec.xpaths[0], spec.first, ns, index),)
        else:
            rule.probes = tuple(self._probe(x, spec.first, ns) for x in spec.xpaths)
        rule.first = spec.first
        rule.finish = finisher(spec, col.nullable)
        rule.required = not col.nullable
        rule.has_default = spec.default is not None
        if rule.has_default:
            rule.default = constant(spec, converter(spec.type, spec), spec.default, "default")
        return rule

    def freeze(self) -> None:
        """Nodes -> (values, attrs, children) tuples: the walk unpacks a tuple faster than it reads slots."""
        self.walk = frozen(self.dispatch)
        self.fast_rows = generate(self, _string_value, XSI_NIL, NIL_TRUE)
        if len(self.inherit) == 1:
            only = self.inherit[0]
            self.key_of = lambda row: (row[only],)
        else:
            self.key_of = itemgetter(*self.inherit) if self.inherit else None

    @property
    def fast_rows(self) -> Any:
        """The generated rows function, None for the generic path (tests set None to compare the two)."""
        return self._fast_rows

    @fast_rows.setter
    def fast_rows(self, value: Any) -> None:
        self._fast_rows = value
        table: _CompiledTable | None = self
        while table is not None:  # a tree function inlines the rows functions of every table below it
            table.tree = table.accel = None
            table = table.up

    def build_trees(self) -> None:
        """Tree functions bottom-up: a table's needs those of its children."""
        for child in self.children:
            child.build_trees()
        self.tree = generate_tree(self, _string_value, XSI_NIL, NIL_TRUE)
        self.subtree: tuple[str, ...] = (self.name, *(n for c in self.children for n in c.subtree))

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
        if self.rows_elements:
            return found
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
            raw[p] = value_of(elem, exact)  # first: children need the exact parse, nil or not (as in _walk)
            if nil and elem.get(XSI_NIL) in NIL_TRUE:
                raw[p] = ""
        for p, xp in self.text_probes:
            if not len(elem):
                raw[p] = elem.text
            elif not exact:
                raise NeedExact
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
                    raw[p] = value_of(item, exact)
                    if nil and isinstance(item, etree._Element) and item.get(XSI_NIL) in NIL_TRUE:
                        raw[p] = ""
                    if len(found) > 1:
                        bad[p] = len(found)
            else:
                raw[p] = scalar(found)
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


def _string_value(elem: etree._Element, exact: bool) -> str:
    if not exact:
        raise NeedExact
    return STRING(elem)


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
                    raise NeedExact
                v = STRING(child)
            else:
                v = child.text or ""
            if nil and child.get(XSI_NIL) in NIL_TRUE:
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

    def __init__(self, layout: Layout, accelerate: bool | None = None) -> None:
        """accelerate: use the compiled row builder (default: when built and ETL_ACCEL is not 0)."""
        self.layout = layout
        self.accelerate = (
            mapping_accel.enabled() if accelerate is None else accelerate and mapping_accel.built()
        )
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
                t.up = self.tables[t.parent]
        self.top = [t for t in self.tables if t.parent is None]
        for t in self.top:
            t.build_trees()
            if self.accelerate:
                t.accel = mapping_accel.plan(t, Slow)
        self.names = tuple(t.name for t in self.tables)
        # Without blank text the parse is ~15% faster; only XPath that computes string values inside the
        # expression could see the difference, so such mappings always parse exactly.
        self.fast = not any(t.risky for t in self.tables)

    def __reduce__(self) -> tuple:
        return (
            Mapper,
            (self.layout, self.accelerate),
        )  # compiled XPath objects do not pickle; rebuilding takes milliseconds

    def map(self, app_id: int, document: str | bytes) -> tuple[dict[str, list[tuple]], list[DataError]]:
        """Rows of every table for one record, or ({}, its errors). Never raises."""
        try:
            data = to_bytes(document)
            nil = b"XMLSchema-instance" in data
            # The fast parser drops the blank before a CDATA section at the start of a leaf (see xmlparse).
            if self.fast and b"<![CDATA[" not in data:
                try:
                    return self._map(app_id, data, False, nil)
                except NeedExact:
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
            if self._fast(table, root, app_id, key, exact, nil, rows):
                continue
            self._rows(table, root, key, app_id, exact, nil, rows, errors)
            if len(errors) >= MAX_ERRORS:
                break
        if errors:
            return {}, errors[:MAX_ERRORS]
        return rows, []

    @staticmethod
    def _fast(
        table: _CompiledTable,
        root: etree._Element,
        app_id: Any,
        key: tuple,
        exact: bool,
        nil: bool,
        rows: dict,
    ) -> bool:
        """A top table's rows, and those of the tables below it, by the compiled row builder or the generated
        tree function; False (with nothing of theirs left in rows) when the generic path must map them."""
        try:
            if table.accel is not None:
                table.accel.run(root, app_id, key, nil, rows)
            elif table.tree is not None:
                table.tree(table.select(root), app_id, key, exact, nil, rows)
            else:
                return False
            return True
        except (Slow, ValueError, ArithmeticError, etree.XPathError):
            for name in table.subtree:  # an error to report, or a case only the generic path handles
                rows[name].clear()
            return False

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
        built = None
        fast = table.fast_rows
        if fast is not None:
            try:
                built = fast(elements, app_id, key, exact, nil)
            except (Slow, ValueError, ArithmeticError):  # ValueProblem is a ValueError; Decimal traps too
                built = None  # an error to report, or a case only the generic path handles
        if built is None:
            built = []
            for pos, elem in enumerate(elements, 1):
                built.append(table.row(elem, pos, app_id, key, exact, nil, errors))
                if len(errors) >= MAX_ERRORS:
                    return
        rows[table.name].extend(built)
        for child in table.children:
            key_of = child.key_of
            for elem, row in zip(elements, built, strict=True):
                self._rows(child, elem, key_of(row), app_id, exact, nil, rows, errors)
                if len(errors) >= MAX_ERRORS:
                    return

    def _root_problem(self, root: etree._Element) -> str:
        got = root.tag if isinstance(root.tag, str) else str(root.tag)
        text = f"the root element is {got!r}, the mapping expects {self.root_name!r}"
        if got.startswith("{") and got.split("}", 1)[1] == self.root_name.split(":")[-1]:
            uri = got[1:].split("}", 1)[0]
            text += f" (the document's namespace {uri!r} needs a prefix under namespaces, used in root and XPaths)"
        return text
