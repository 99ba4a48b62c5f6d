"""checks: schema-valid mapping data -> MappingSpec, with the semantic checks JSON Schema cannot express."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

from lxml import etree

from etl.config.specs import (
    ColumnSpec,
    MappingSpec,
    MapSpec,
    TableSpec,
    TypeSpec,
)
from etl.config.yaml_loader import Document, KeyPath, format_key_path
from etl.errors import Finding

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QNAME = re.compile(r"^(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)$")


def identifier_problem(name: Any) -> str | None:
    """Why `name` cannot be a table, column or schema name, or None. Reserved words are fine: they get quoted."""
    if not isinstance(name, str) or not _IDENT.match(name):
        return (
            f"{name!r} is not a valid SQL identifier (letters, digits and _, not starting with a digit; "
            "reserved words such as order are fine)"
        )
    if len(name) > 128:
        return f"{name!r} is longer than 128 characters"
    return None


def partition_problem(instance_id: int, instance_count: int) -> str | None:
    """The seed's message for an impossible partition, or None."""
    if instance_count < 1 or not 0 <= instance_id < instance_count:
        return (
            f"Invalid instance configuration: instance_id={instance_id} must be < "
            f"instance_count={instance_count} and >= 0"
        )
    return None


class Collector:
    def __init__(self, locate):
        self.locate = locate
        self.findings: list[Finding] = []

    def error(self, path: KeyPath, message: str, *, value: bool = True) -> None:
        self.findings.append(Finding(message, self.locate(path, value=value), format_key_path(path) or None))

    def warn(self, path: KeyPath, message: str) -> None:
        self.findings.append(
            Finding(message, self.locate(path, value=True), format_key_path(path) or None, severity="warning")
        )

    def ident(self, path: KeyPath, name: Any, *, value: bool = True) -> None:
        """value=False when the name is the key itself (a table or column), so the editor lands on it."""
        problem = identifier_problem(name)
        if problem:
            self.error(path, problem, value=value)


# --- mapping -------------------------------------------------------------------------------------


def build_mapping(doc: Document) -> tuple[MappingSpec | None, list[Finding]]:
    """Schema + semantic checks of a mapping document; the spec when there is no error."""
    from etl.config import schema

    schema.settle_env("mapping", doc.data, doc.env_text)
    findings = schema.check("mapping", doc.data, doc.location)
    if findings:
        return None, findings
    c = Collector(doc.location)
    data = doc.data
    ns = {str(k): str(v) for k, v in (data.get("namespaces") or {}).items()}
    root = data["root"]
    m = _QNAME.match(root)
    if not m:
        c.error(("root",), f"{root!r} is not an element name")
    elif m.group(1) and m.group(1) not in ns:
        c.error(("root",), f"namespace prefix '{m.group(1)}' is not declared in namespaces")
    id_column = data.get("id_column", "app_id")
    c.ident(("id_column",), id_column)
    tables = []
    names = list(data["tables"])
    for tname, tdata in data["tables"].items():
        tables.append(_table(c, tname, tdata, ns, names, id_column))
    _links(c, data["tables"], id_column)
    spec = MappingSpec(
        path=doc.path,
        root=root,
        tables=tuple(tables),
        namespaces=tuple(ns.items()),
        id_column=id_column,
        description=data.get("description"),
    )
    if any(f.severity == "error" for f in c.findings):
        return None, c.findings
    return spec, c.findings


def _parent_line(tables: dict, name: str) -> tuple[list[str], list[str]]:
    """(ancestors of name, nearest first; the cycle they run into, or [])."""
    walk = [name]
    parent = tables[name].get("parent")
    while parent in tables:
        if parent in walk:
            return walk[1:], walk[walk.index(parent) :]
        walk.append(parent)
        parent = tables[parent].get("parent")
    return walk[1:], []


def _links(c: Collector, tables: dict, id_column: str) -> None:
    """Parent cycles and key columns no table in the line defines, located at the value written."""
    reported: set[str] = set()
    for name, data in tables.items():
        ancestors, cycle = _parent_line(tables, name)
        if cycle:
            # Once per cycle, at its first table in written order; a table that is its own parent
            # is reported by _table already.
            if name in cycle and len(cycle) > 1 and not reported & set(cycle):
                reported.update(cycle)
                c.error(("tables", name, "parent"), f"parent cycle: {' -> '.join([*cycle, name])}")
            continue
        known = {id_column, *data["columns"]}
        for ancestor in ancestors:
            known.update(tables[ancestor]["columns"])
        for i, key in enumerate(data.get("key", ())):
            if key not in known:
                columns = ", ".join(dict.fromkeys([id_column, *data["columns"]]))
                c.error(
                    ("tables", name, "key", i),
                    f"key column {key!r} is not a column of table '{name}' (columns: {columns})",
                )


def compile_xpath(expr: str, ns: Mapping[str, str]) -> str | None:
    """Why expr is not a usable XPath 1.0 expression with these prefixes, or None."""
    # libxml2 resolves prefixes, functions and variables only when a step runs, so compiling alone
    # accepts `x:Name` with x undeclared; scan the prefixes, then run it once on an empty element.
    undeclared = sorted({p for p in _PREFIX.findall(_STRINGS.sub("''", expr)) if p not in ns and p != "xml"})
    if undeclared:
        return (
            f"invalid XPath {expr!r}: undefined namespace prefix {', '.join(undeclared)} "
            "(declare it under namespaces)"
        )
    try:
        etree.XPath(expr, namespaces=dict(ns))(_PROBE)
    except etree.XPathError as exc:
        reason = str(exc) or type(exc).__name__
        if "Undefined namespace prefix" in reason:
            return f"invalid XPath {expr!r}: undefined namespace prefix (declare it under namespaces)"
        return f"invalid XPath {expr!r}: {reason.lower()}"
    return None


_PROBE = etree.Element("probe")
_STRINGS = re.compile(r"'[^']*'|\"[^\"]*\"")
# prefix:name or prefix:* (not the axis separator ::, not inside a string literal)
_PREFIX = re.compile(r"(?<![\w.-])(?<![^:]:)([A-Za-z_][\w.-]*):(?=[A-Za-z_*])")


def _table(c: Collector, name: str, data: dict, ns: dict, names: list[str], id_column: str) -> TableSpec:
    path: KeyPath = ("tables", name)
    c.ident(path, name, value=False)
    rows = data.get("rows")
    if rows is not None:
        problem = compile_xpath(rows, ns)
        if problem:
            c.error((*path, "rows"), problem)
    parent = data.get("parent")
    if parent is not None and parent not in names:
        c.error((*path, "parent"), f"parent table '{parent}' is not defined (tables: {', '.join(names)})")
    elif parent == name:
        c.error((*path, "parent"), "a table cannot be its own parent")
    columns = []
    for cname, cdata in data["columns"].items():
        col = _column(c, (*path, "columns", cname), cname, cdata, ns, rows is not None)
        if col is not None:
            columns.append(col)
    key = tuple(data["key"]) if "key" in data else None
    return TableSpec(
        name=name,
        columns=tuple(columns),
        rows=rows,
        parent=parent,
        key=key,
        location=c.locate(path, value=False),
    )


def _column(c: Collector, path: KeyPath, name: str, d: dict, ns: dict, has_rows: bool) -> ColumnSpec | None:
    c.ident(path, name, value=False)
    source = d.get("source", "xpath")
    xpaths: tuple[str, ...] = ()
    if "xpath" in d and "coalesce" in d:
        c.error(path, "give either xpath or coalesce, not both", value=False)
    if source == "xpath":
        xpaths = tuple(d["coalesce"]) if "coalesce" in d else ((d["xpath"],) if "xpath" in d else ())
        if not xpaths:
            c.error(path, "needs an xpath (or coalesce, or source: id | position | const)", value=False)
        for i, expr in enumerate(xpaths):
            key = (*path, "coalesce", i) if "coalesce" in d else (*path, "xpath")
            problem = compile_xpath(expr, ns)
            if problem:
                c.error(key, problem)
            elif has_rows and expr.lstrip("(").startswith("//"):
                c.warn(
                    key,
                    f"{expr!r} searches the whole document, not this row's element: did you mean '.{expr}'?",
                )
    elif "xpath" in d or "coalesce" in d:
        c.error(path, f"source: {source} takes no xpath", value=False)
    if source == "const" and "value" not in d:
        c.error(path, "source: const needs a value", value=False)
    if source == "position" and not has_rows:
        c.error((*path, "source"), "source: position needs a table with rows (one row per matched element)")
    default_type = {"id": "bigint", "position": "int"}.get(source)
    type_text = d.get("type", default_type)
    if type_text is None:
        c.error(
            path,
            "missing type (int, bigint, smallint, decimal(p,s), float, bool, varchar(n), nvarchar(n), "
            "text, date, datetime, time, uuid)",
            value=False,
        )
        return None
    try:
        ctype = TypeSpec.parse(type_text)
    except ValueError as exc:
        c.error((*path, "type"), str(exc))
        return None
    if "format" in d and ctype.name not in ("date", "datetime", "time"):
        c.error((*path, "format"), f"format applies to date, datetime and time columns, not {ctype}")
    tz = d.get("timezone")
    if tz is not None:
        if ctype.name != "datetime":
            c.error((*path, "timezone"), f"timezone applies to datetime columns, not {ctype}")
        elif tz.upper() != "UTC":
            try:
                zoneinfo.ZoneInfo(tz)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                c.error(
                    (*path, "timezone"),
                    f"unknown time zone {tz!r} (an IANA name such as Europe/Paris, or UTC)",
                )
    if d.get("on_overflow") == "truncate" and ctype.name not in ("varchar", "nvarchar"):
        c.error(
            (*path, "on_overflow"), f"truncate applies to varchar(n) and nvarchar(n) columns, not {ctype}"
        )
    nullif = d.get("nullif", ())
    mapping = None
    if "map" in d:
        mp = d["map"]
        mapping = MapSpec(
            values=tuple((str(k), v) for k, v in mp["values"].items()),
            has_else="else" in mp,
            else_value=mp.get("else"),
        )
    return ColumnSpec(
        name=name,
        type=ctype,
        source=source,
        xpaths=xpaths,
        value=d.get("value"),
        required=bool(d.get("required", False)),
        default=d.get("default"),
        trim=bool(d.get("trim", True)),
        nullif=(nullif,) if isinstance(nullif, str) else tuple(nullif),
        map=mapping,
        format=d.get("format"),
        timezone=tz,
        on_overflow=d.get("on_overflow", "error"),
        on_error=d.get("on_error", "fail"),
        first=bool(d.get("first", False)),
        location=c.locate(path, value=False),
        key=format_key_path(path),
    )
