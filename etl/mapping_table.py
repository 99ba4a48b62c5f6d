"""mapping_table: one target table of a mapping, compiled: where its row elements are, how its columns read.

A CompiledTable holds what every path needs: the tag -> probe dispatch tree for rules that name a child
element, a path of child elements or an attribute (`Name`, `Header/Channel/@code`, `@xml:lang`), and a
compiled `etree.XPath` for every other rule. Its own `row()` is the generic path: one pass over the row
element's children fills the probes, then each column's finisher, and any problem becomes a DataError
naming the column, XPath and value. etl.mapping drives it; the generated row functions
(etl.mapping_codegen) and the compiled row builder (etl.mapping_accel) are built from it.
"""

from __future__ import annotations

from operator import call, itemgetter
from typing import Any

from lxml import etree

from etl.convert import ValueProblem, converter
from etl.errors import DataError
from etl.mapping_codegen import generate, generate_tree
from etl.mapping_rules import (
    COALESCE,
    CONST,
    ID,
    NIL_TRUE,
    POSITION,
    STRING,
    VALUE,
    NeedExact,
    Node,
    Rule,
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
from etl.xmlparse import XSI_NIL


class CompiledTable:
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
        self.children: list[CompiledTable] = []
        self.up: CompiledTable | None = None
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
        table: CompiledTable | None = self
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
