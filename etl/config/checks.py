"""checks: schema-valid data -> frozen specs, with the semantic checks JSON Schema cannot express."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lxml import etree

from etl.config.specs import (
    ColumnSpec,
    DatabaseSpec,
    MappingSpec,
    MapSpec,
    PartitionSpec,
    PoolSpec,
    ProfileSpec,
    RunSpec,
    SourceSpec,
    TableSpec,
    TargetSpec,
    TypeSpec,
)
from etl.config.yaml_loader import Document, KeyPath, display_path, format_key_path
from etl.errors import ConfigError, Finding

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QNAME = re.compile(r"^(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)$")
DEFAULT_CONNECTOR = {"mssql": "odbc", "postgresql": "psycopg", "sqlite": "sqlite"}
CONNECTORS = {"mssql": ("odbc",), "postgresql": ("psycopg", "odbc"), "sqlite": ("sqlite",)}


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


class _Collector:
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
    c = _Collector(doc.location)
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


def _links(c: _Collector, tables: dict, id_column: str) -> None:
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


def _table(c: _Collector, name: str, data: dict, ns: dict, names: list[str], id_column: str) -> TableSpec:
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


def _column(c: _Collector, path: KeyPath, name: str, d: dict, ns: dict, has_rows: bool) -> ColumnSpec | None:
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
    )


# --- profile -------------------------------------------------------------------------------------


def build_profile(
    data: dict, origins, environ: Mapping[str, str]
) -> tuple[ProfileSpec | None, list[Finding]]:
    """Semantic checks of a merged, schema-valid profile; loads its mapping too."""
    from etl.config.load import load_mapping

    c = _Collector(origins.locate)
    for key in ("database", "source", "mapping"):
        if key not in data:
            c.error((), f"missing required key '{key}' (in this profile or the one it extends)", value=False)
    if c.findings:
        return None, c.findings
    db = _database(c, data["database"], origins)
    src = data["source"]
    if "table" not in src:
        c.error(("source",), "missing required key 'table'", value=False)
    else:
        for i, part in enumerate(str(src["table"]).split(".")):
            problem = identifier_problem(part)
            if problem or i > 2:
                c.error(("source", "table"), problem or f"{src['table']!r} has too many dotted parts")
    for key in ("id_column", "xml_column"):
        if key in src:
            c.ident(("source", key), src[key])
    target = data.get("target", {})
    for key in ("schema", "log_table"):
        if key in target:
            c.ident(("target", key), target[key])
    part = data.get("partition", {})
    pspec = PartitionSpec(part.get("instance_id", 0), part.get("instance_count", 1))
    problem = partition_problem(pspec.instance_id, pspec.instance_count)
    if problem:
        c.error(("partition", "instance_id"), problem)
    pool = data.get("pool", {})
    pool_spec = PoolSpec(bool(pool.get("enabled", False)), pool.get("min_size", 4), pool.get("max_size", 20))
    if pool_spec.min_size > pool_spec.max_size:
        c.error(
            ("pool", "min_size"), f"min_size={pool_spec.min_size} must be <= max_size={pool_spec.max_size}"
        )
    templates = None
    if "templates" in data:
        templates = origins.base_dir(("templates",)) / data["templates"]
        if not templates.is_dir():
            c.error(("templates",), f"templates folder not found: {display_path(templates)}")
    mapping_path = origins.base_dir(("mapping",)) / data["mapping"]
    mapping = None
    if not mapping_path.is_file():
        c.error(("mapping",), f"mapping file not found: {display_path(mapping_path)}")
    else:
        try:
            mapping = load_mapping(mapping_path, environ)
        except ConfigError as exc:
            c.findings.extend(exc.findings)
    run = data.get("run", {})
    run_spec = RunSpec(
        workers=run.get("workers", 4),
        batch_size=run.get("batch_size", 50),
        limit=run.get("limit"),
        exclude_failed=bool(run.get("exclude_failed", True)),
        log_level=run.get("log_level", "INFO"),
        progress=run.get("progress", "auto"),
    )
    if any(f.severity == "error" for f in c.findings) or db is None or mapping is None:
        return None, c.findings
    spec = ProfileSpec(
        path=Path(origins.locate(()).file),
        database=db,
        source=SourceSpec(
            table=src["table"],
            id_column=src.get("id_column", "app_id"),
            xml_column=src.get("xml_column", "app_xml"),
            filter=src.get("filter"),
        ),
        target=TargetSpec(schema=target.get("schema"), log_table=target.get("log_table", "processing_log")),
        mapping=mapping,
        run=run_spec,
        partition=pspec,
        pool=pool_spec,
        templates=templates,
    )
    return spec, c.findings


def _database(c: _Collector, d: dict, origins) -> DatabaseSpec | None:
    path: KeyPath = ("database",)
    dialect = d.get("dialect")
    if dialect is None:
        c.error(path, "missing required key 'dialect' (mssql, postgresql or sqlite)", value=False)
        return None
    connector = d.get("connector", DEFAULT_CONNECTOR[dialect])
    if connector not in CONNECTORS[dialect]:
        c.error(
            (*path, "connector"),
            f"connector {connector!r} cannot reach {dialect} (allowed: {', '.join(CONNECTORS[dialect])})",
        )
    for secret in ("password",):
        if secret in d and not origins.from_env((*path, secret)):
            c.error(
                (*path, secret),
                "passwords come only from the environment: write ${ETL_DB_PASSWORD} "
                "(or another variable) instead of the password itself",
            )
    given = "url" if d.get("url") else "odbc_connect" if d.get("odbc_connect") else None
    for flag in ("server", "database"):
        if given and origins.owner((*path, flag)) == f"--{flag}":
            c.error(
                (*path, flag),
                f"--{flag} cannot apply: the profile connects with database.{given}, "
                "which names the server and database itself",
            )
    database = d.get("database")
    if dialect == "sqlite":
        if not database:
            c.error(path, "sqlite needs database: the database file", value=False)
        elif database != ":memory:":
            database = str((origins.base_dir((*path, "database")) / database).resolve())
    elif dialect == "mssql" and not (d.get("odbc_connect") or d.get("server")):
        c.error(path, "mssql needs server (and database) or odbc_connect", value=False)
    return DatabaseSpec(
        dialect=dialect,
        connector=connector,
        server=d.get("server"),
        port=d.get("port"),
        database=database,
        user=d.get("user"),
        password=d.get("password"),
        trusted_connection=bool(d.get("trusted_connection", False)),
        driver=d.get("driver"),
        odbc_connect=d.get("odbc_connect"),
        url=d.get("url"),
        options=tuple(sorted((d.get("options") or {}).items())),
        timeout=d.get("timeout", 15),
    )
