"""mapping: Layout + one document -> typed rows of every target table, or the record's DataErrors (the hot path).

`Mapper(layout)` compiles once per process: a CompiledTable per table (etl.mapping_table). Measured on the
credit application corpus, what a document costs to map is mostly the Python object lxml makes per touched
element, so rules are read in one pass over each row element's children, not an XPath per field.

Three paths give the same rows: the compiled row builder (etl._accel, via etl.mapping_accel) walks
libxml2's nodes and makes no Python object per element; the generated Python tree and row functions
(etl.mapping_codegen) are the fallback where it is not built; both give up on anything but the plain case,
and the generic path (CompiledTable.row) maps that table again and reports every problem.
"""

from __future__ import annotations

import logging
from typing import Any

from lxml import etree

from etl import mapping_accel
from etl.convert import ValueProblem
from etl.errors import DataError
from etl.mapping_codegen import Slow
from etl.mapping_rules import DOCUMENT, NeedExact, clark, reads_string_values, simple_path
from etl.mapping_table import CompiledTable
from etl.plan import Layout
from etl.xmlparse import (
    EXACT_PARSER,
    FAST_PARSER,
    DocumentError,
    fast_parse_keeps_leaves,
    parse_bytes,
    to_bytes,
)

__all__ = ["DOCUMENT", "MAX_ERRORS", "Mapper", "reads_string_values", "simple_path"]

log = logging.getLogger(__name__)

MAX_ERRORS = 20  # per record: enough to fix a document in one go, not a flood


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
        self.tables = [CompiledTable(t, layout, index, ns) for t in layout.tables]
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
            if self.fast and fast_parse_keeps_leaves(data):
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
        table: CompiledTable,
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
        table: CompiledTable,
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
