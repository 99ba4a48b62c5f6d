"""preview: a mapping + one XML file -> the rows every table gets, then a coverage report (`etl preview`).

The inner loop of a person writing a mapping: what lands where, which elements and attributes of the
document no rule reads, and which rules matched nothing. Not on the hot path; clarity over speed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from etl.compile import layout as compile_layout
from etl.config.load import load_mapping
from etl.errors import EtlError
from etl.mapping import Mapper
from etl.plan import Layout
from etl.xmlparse import XSI_NS, DocumentError, parse

FORMATS = ("table", "json", "csv")


@dataclass
class Coverage:
    """Document paths no rule reads (with how often they occur) and rules that matched nothing."""

    unread: list[tuple[str, int]] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def preview(mapping_path: str | Path, xml_path: str | Path, fmt: str = "table", app_id: int = 1) -> str:
    """Map one XML file with a mapping; the rows and coverage as text (table), JSON or CSV.

    EtlError when a file is missing or the document fails the mapping (the errors, then the coverage).
    """
    if fmt not in FORMATS:
        raise EtlError(f"unknown preview format {fmt!r} (allowed: {', '.join(FORMATS)})")
    lay = compile_layout(load_mapping(mapping_path))
    path = Path(xml_path)
    if not path.is_file():
        raise EtlError(f"{xml_path}: file not found")
    document = path.read_bytes()
    mapper = Mapper(lay)
    rows, errors = mapper.map(app_id, document)
    try:
        cover = coverage(mapper, document)
    except DocumentError:
        cover = None
    if errors:
        lines = [f"{xml_path}: the document fails the mapping ({len(errors)} error(s)):"]
        lines += [f"  {e}" for e in errors]
        if cover is not None:
            lines += ["", *_coverage_lines(cover)]
        raise EtlError("\n".join(lines))
    assert cover is not None
    if fmt == "json":
        return _json(lay, rows, cover)
    if fmt == "csv":
        return _csv(lay, rows, cover)
    return _table(lay, rows, cover)


def coverage(mapper: Mapper, document: bytes | str) -> Coverage:
    """What of the document the mapping reads: every rule evaluated as plain XPath on every row element."""
    root = parse(document)
    ns = mapper.layout.mapping.nsmap
    prefixes = {uri: p for p, uri in ns.items()}
    read: set[etree._Element] = set()  # elements read whole (their text and all descendants' text)
    attrs: set[tuple[etree._Element, str]] = set()
    touched: set[etree._Element] = {root}  # row elements and the ancestors of anything read
    cover = Coverage()
    row_elems: dict[str, list[etree._Element]] = {}
    for table in mapper.tables:
        parents = [root] if table.parent is None else row_elems.get(mapper.tables[table.parent].name, [])
        elems = [e for p in parents for e in table.select(p)]
        row_elems[table.name] = elems
        for e in elems:
            touched.update(e.iterancestors())
            touched.add(e)
        if table.has_rows and not elems:
            cover.unmatched.append(f"{table.name}: rows {table.table.rows!r} matched nothing")
            continue
        for col in table.table.own_columns:
            spec = col.spec
            for expr in spec.xpaths if spec else ():
                xpath = etree.XPath(expr, namespaces=ns)
                hits = 0
                for e in elems:
                    hits += _mark(xpath(e), read, attrs, touched)
                if elems and not hits:
                    cover.unmatched.append(
                        f"{table.name}.{col.name}: {expr!r} matched nothing in {len(elems)} row(s)"
                    )
    unread: Counter[str] = Counter()
    for elem in root.iter(etree.Element):
        inside = elem in read or any(a in read for a in elem.iterancestors())
        if not inside and elem not in touched:
            parent = elem.getparent()
            if parent is None or parent in touched:  # report the topmost unread element only
                unread[_path(elem, prefixes)] += 1
            continue
        for name in elem.attrib:
            if name.startswith(f"{{{XSI_NS}}}") or (elem, name) in attrs:
                continue
            unread[f"{_path(elem, prefixes)}/@{_name(name, prefixes)}"] += 1
    cover.unread = sorted(unread.items())
    return cover


def _mark(result: Any, read: set, attrs: set, touched: set) -> int:
    """Record what one XPath result read; 1 when it matched something."""
    if not isinstance(result, list):
        if isinstance(result, float):
            return 0 if result != result else 1
        return 1 if result not in ("", False) else 0
    for item in result:
        if isinstance(item, etree._Element):
            read.add(item)
            touched.update(item.iterancestors())
        elif isinstance(item, str) and hasattr(item, "getparent") and item.getparent() is not None:
            parent = item.getparent()
            if item.is_attribute:
                attrs.add((parent, item.attrname))
            else:
                read.add(parent)
            touched.add(parent)
            touched.update(parent.iterancestors())
    return 1 if result else 0


def _name(tag: str, prefixes: dict[str, str]) -> str:
    if tag.startswith("{"):
        uri, local = tag[1:].split("}", 1)
        if uri == "http://www.w3.org/XML/1998/namespace":
            return f"xml:{local}"
        return f"{prefixes[uri]}:{local}" if uri in prefixes else tag
    return tag


def _path(elem: etree._Element, prefixes: dict[str, str]) -> str:
    steps = [_name(e.tag, prefixes) for e in (*reversed(list(elem.iterancestors())), elem)]
    return "/" + "/".join(steps)


def cell(value: Any) -> str:
    """How a value shows in the table and CSV formats."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact, as the database gets it
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value


def _coverage_lines(cover: Coverage) -> list[str]:
    lines = ["coverage:"]
    if cover.unread:
        lines.append("  not read by any rule:")
        lines += [f"    {path}" + (f" ({n}x)" if n > 1 else "") for path, n in cover.unread]
    else:
        lines.append("  every element and attribute is read by a rule")
    if cover.unmatched:
        lines.append("  rules that matched nothing:")
        lines += [f"    {text}" for text in cover.unmatched]
    else:
        lines.append("  every rule matched something")
    return lines


def _table(lay: Layout, rows: dict[str, list[tuple]], cover: Coverage) -> str:
    out: list[str] = []
    for table in lay.tables:
        data = rows.get(table.name, [])
        out.append(f"{table.name}: {len(data)} row{'' if len(data) == 1 else 's'}")
        grid = [list(table.column_names)] + [[cell(v) for v in row] for row in data]
        widths = [max(len(r[i]) for r in grid) for i in range(len(grid[0]))]
        for n, line in enumerate(grid):
            out.append("  " + " | ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())
            if n == 0:
                out.append("  " + "-+-".join("-" * w for w in widths))
        out.append("")
    out += _coverage_lines(cover)
    return "\n".join(out) + "\n"


def _json(lay: Layout, rows: dict[str, list[tuple]], cover: Coverage) -> str:
    tables = {
        t.name: [
            dict(zip(t.column_names, map(_json_value, row), strict=True)) for row in rows.get(t.name, [])
        ]
        for t in lay.tables
    }
    body = {
        "tables": tables,
        "coverage": {
            "unread": [{"path": p, "count": n} for p, n in cover.unread],
            "unmatched": cover.unmatched,
        },
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def _csv(lay: Layout, rows: dict[str, list[tuple]], cover: Coverage) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for table in lay.tables:
        buf.write(f"# {table.name}\n")
        writer.writerow(table.column_names)
        for row in rows.get(table.name, []):
            writer.writerow(["" if v is None else cell(v) for v in row])
        buf.write("\n")
    for line in _coverage_lines(cover):
        buf.write(f"# {line}\n")
    return buf.getvalue()
