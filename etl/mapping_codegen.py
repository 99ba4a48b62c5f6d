"""mapping_codegen: one compiled table -> a generated Python row function for the common, error-free case.

The generic path in etl.mapping interprets a dispatch tree and calls a finisher per column; per field that
is several Python calls. Here the same plan is written out as straight-line code (the tag -> slot dispatch
stays a dict lookup, the trim/length checks are inlined), compiled once per process with exec.

The generated function returns the row tuples of one parent's row elements, or raises Slow (or a
ValueError/ArithmeticError) whenever anything is not the plain case: a rule matched several nodes, a value
fails its type, a required value is missing. The caller then maps those rows again on the generic path,
which reports every problem. Tables with general
XPath rules keep the generic path. generate_tree() writes a second variant that also maps the tables below
(one call per top table and document); on failure the Mapper clears what it appended and goes per table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Context, Decimal, Inexact, InvalidOperation
from typing import Any

from etl.convert import _DEC_RE, _INT_RE, BOOLS, INT_RANGES, converter
from etl.mapping_rules import COALESCE, CONST, ID, POSITION, inline_kind


class Slow(Exception):
    """The row needs the generic path (an error to report or a case the generated code does not handle)."""


def generate(table: Any, string_value: Callable, nil_attr: str, nil_true: tuple[str, ...]) -> Callable | None:
    """rows(elements, app_id, key, exact, nil) -> [row tuple] for a CompiledTable; None when it needs XPath."""
    if table.xpath_probes:
        return None
    gen = _Writer(table, string_value, nil_attr, nil_true)
    return gen.build()


def generate_tree(
    table: Any, string_value: Callable, nil_attr: str, nil_true: tuple[str, ...]
) -> Callable | None:
    """rows(elements, app_id, key, exact, nil, sink): the table's rows and, row by row, those of every
    table below it, appended to sink[name]. One call per document instead of one per parent row and table,
    each with its select and key tuple; None unless every table below has a generated rows function and
    selects elements by a path of element steps (their tree functions must exist already)."""
    if table.fast_rows is None or (table.has_rows and table.rows_steps is None and not table.rows_elements):
        return None
    if any(c.tree is None for c in table.children):
        return None
    return _Writer(table, string_value, nil_attr, nil_true).build(table.children)


class _Writer:
    def __init__(self, table: Any, string_value: Callable, nil_attr: str, nil_true: tuple[str, ...]) -> None:
        self.table = table
        self.lines: list[str] = []
        self.env: dict[str, Any] = {"Slow": Slow, "sv": string_value, "NIL": nil_attr, "NIL_TRUE": nil_true}
        self.uid = 0

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def bind(self, value: Any) -> str:
        self.uid += 1
        name = f"k{self.uid}"
        self.env[name] = value
        return name

    def build(self, children: list | None = None) -> Callable:
        """The rows function; with `children`, the tree function that also maps their rows (see generate_tree)."""
        t = self.table
        probes = len(t.first)
        if probes:
            self.emit(1, " = ".join(f"r{p}" for p in range(probes)) + " = None")
        if t.walk:
            self.walk(t.walk, "elem", 1)
        for attr, p in t.row_attrs:
            self.emit(1, f"r{p} = elem.get({attr!r})")
        for p in t.self_probes:
            self.value(f"r{p}", "elem", 1)
        for p, _xp in t.text_probes:
            self.emit(1, "if len(elem):")
            self.emit(2, "raise Slow")
            self.emit(1, f"r{p} = elem.text")
        names = []
        for i, rule in enumerate(t.rules):
            names.append(self.column(i, rule))
        row = f"key + ({', '.join(names)},)"
        if children is None:
            self.emit(1, f"append({row})")
            # All rows of one parent in one call: a Python call per row costs as much as a column.
            head = ["def rows(elements, app_id, key, exact, nil):", "    out = []"]
            tail = ["    return out"]
        else:
            self.emit(1, f"row = {row}")
            self.emit(1, "append(row)")
            for child in children:
                self.child(child)
            head = ["def rows(elements, app_id, key, exact, nil, sink):", f"    out = sink[{t.name!r}]"]
            tail = []
        head += ["    append = out.append", "    for pos, elem in enumerate(elements, 1):"]
        source = "\n".join([*head, *("    " + line for line in self.lines), *tail])
        code = compile(source, f"<etl rows function for table {t.name}>", "exec")
        exec(code, self.env)
        return self.env["rows"]

    def child(self, child: Any) -> None:
        """A child table's rows under this row element, mapped by its own tree function."""
        key = ", ".join(f"row[{i}]" for i in child.inherit) + ","
        if child.rows_steps is not None and len(child.rows_steps) == 1:
            select = f"list(elem.iterchildren({child.rows_steps[0]!r}))"
        elif child.rows_xpath is not None:
            select = f"{self.bind(child.rows_xpath)}(elem)"
        else:
            select = "[elem]"
        self.emit(1, f"sub = {select}")
        self.emit(1, "if sub:")
        self.emit(2, f"{self.bind(child.tree)}(sub, app_id, ({key}), exact, nil, sink)")

    def value(self, target: str, elem: str, depth: int) -> None:
        """target = the element's text (its string value when it has children), '' (NULL) for xsi:nil."""
        # Never None once read ('' for an empty element): the walk tells a second match by it.
        self.emit(depth, f"{target} = sv({elem}, exact) if len({elem}) else ({elem}.text or '')")
        self.emit(depth, f"if nil and {elem}.get(NIL) in NIL_TRUE:")
        self.emit(depth + 1, f"{target} = ''")

    def convert(self, out: str, spec: Any, kind: str) -> None:
        """The plain conversions inline (kind: etl.mapping_rules.inline_kind); a failure raises and the
        generic path reports it."""
        if kind == "int":
            low, high = INT_RANGES[spec.type.name]
            self.emit(2, f"if {self.bind(_INT_RE.fullmatch)}({out}) is None:")
            self.emit(3, "raise Slow")
            self.emit(2, f"{out} = int({out})")
            self.emit(2, f"if not {low} <= {out} <= {high}:")
            self.emit(3, "raise Slow")
        elif kind == "decimal":
            # Same checks as etl.convert: plain notation; Inexact/InvalidOperation trap rounding and overflow.
            p, s = spec.type.precision or 18, spec.type.scale or 0
            ctx = Context(prec=p, traps=[Inexact, InvalidOperation])
            dec = self.bind(Decimal)
            depth = 2
            if p > s:
                # Plain notation with exactly `s` decimals and at most p - s integer digits is already what
                # the quantize below returns (same digits, same exponent): Decimal(text) alone, ~3x cheaper.
                canonical = rf"[+-]?[0-9]{{1,{p - s}}}" + (rf"\.[0-9]{{{s}}}" if s else "")
                self.emit(2, f"if {self.bind(re.compile(canonical).fullmatch)}({out}) is not None:")
                self.emit(3, f"{out} = {dec}({out})")
                self.emit(2, "else:")
                depth = 3
            self.emit(depth, f"if {self.bind(_DEC_RE.fullmatch)}({out}) is None:")
            self.emit(depth + 1, "raise Slow")
            quantum = self.bind(Decimal(1).scaleb(-s))
            self.emit(depth, f"{out} = {dec}({out}).quantize({quantum}, context={self.bind(ctx)})")
        elif kind == "bool":
            self.emit(2, f"{out} = {self.bind(BOOLS)}.get({out}.lower())")
            self.emit(2, f"if {out} is None:")
            self.emit(3, "raise Slow")
        elif kind == "isodate":
            self.emit(2, f"{out} = {self.bind(dt.date.fromisoformat)}({out})")
        else:
            self.emit(2, f"{out} = {self.bind(converter(spec.type, spec))}({out})")

    def walk(self, tree: dict, parent: str, depth: int) -> None:
        """One pass over parent's children, each value read where its tag matches; a tag seen twice -> Slow.

        An if-chain on the tag string beats a tag -> slot dict plus a second pass over the slots (measured
        ~35% less time per row): no slot list per row, and each element is read while its proxy is at hand.
        """
        self.uid += 1
        n = self.uid
        child = f"x{n}"  # c<i> are the column values
        flags = []
        for k, (values, _attrs, _deeper) in enumerate(tree.values()):
            if not values:  # nothing that is set on every match to detect a second one with
                flags.append(f"f{n}_{k}")
        if flags:
            self.emit(depth, " = ".join(flags) + " = False")
        self.emit(depth, f"for {child} in {parent}:")
        self.emit(depth + 1, f"t{n} = {child}.tag")
        keyword = "if"
        for k, (tag, (values, attrs, deeper)) in enumerate(tree.items()):
            self.emit(depth + 1, f"{keyword} t{n} == {tag!r}:")
            keyword = "elif"
            inner = depth + 2
            seen = f"r{values[0]}" if values else f"f{n}_{k}"
            self.emit(inner, f"if {seen}{' is not None' if values else ''}:")
            self.emit(inner + 1, "raise Slow")
            if values:
                self.value(f"r{values[0]}", child, inner)
                for p in values[1:]:
                    self.emit(inner, f"r{p} = r{values[0]}")
            else:
                self.emit(inner, f"{seen} = True")
            for attr, p in attrs:
                self.emit(inner, f"r{p} = {child}.get({attr!r})")
            if deeper:
                self.walk(deeper, child, inner)

    def column(self, i: int, rule: Any) -> str:
        out = f"c{i}"
        if rule.kind == POSITION:
            return "pos"
        if rule.kind == ID:
            return "app_id"
        if rule.kind == CONST:
            return self.bind(rule.value)
        source = f"r{rule.probes[0]}"
        if rule.kind == COALESCE:
            self.emit(1, f"{out} = None")
            for p in rule.probes:
                self.emit(1, f"if {out} is None and r{p} is not None and r{p}.strip():")
                self.emit(2, f"{out} = r{p}")
            source = out
        spec = rule.spec
        kind = inline_kind(spec)
        if kind is None:
            self.emit(1, f"{out} = {self.bind(rule.finish)}({source})")
            return out
        self.emit(1, f"{out} = {source} and {source}.strip()" if spec.trim else f"{out} = {source}")
        self.emit(1, f"if {out}:")
        if kind == "text":
            limit = spec.type.length
            if limit:
                self.emit(2, f"if len({out}) > {limit}:")
                self.emit(3, f"{out} = {out}[:{limit}]" if spec.on_overflow == "truncate" else "raise Slow")
            else:
                self.emit(2, "pass")
        else:
            self.convert(out, spec, kind)
        self.emit(1, "else:")
        if rule.has_default:
            self.emit(2, f"{out} = {self.bind(rule.default)}")
        elif rule.required:
            self.emit(2, "raise Slow")
        else:
            self.emit(2, f"{out} = None")
        return out
