"""scaffold: sample XML documents -> the YAML text of a draft mapping that passes `etl validate` (`etl scaffold`).

Repeating elements become child tables (keyed by a position column), other elements are flattened into
their table as paths, leaf elements and attributes become columns. Types are inferred from every value
seen in the samples: int/bigint, decimal(p,s), bool, date, datetime, time, uuid, else varchar(n) or
nvarchar(n) sized with headroom. Values with leading zeros (ZIP codes, branch numbers) stay text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from etl.errors import ConfigError, EtlError
from etl.xmlparse import XSI_NS, DocumentError, parse

SCHEMA_LINE = "# yaml-language-server: $schema=../etl/config/schemas/mapping.schema.json"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_SIZES = (10, 20, 50, 100, 200, 500, 1000, 2000, 4000)
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_DEC = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.([0-9]+))?")
_BOOL = {"true", "false", "yes", "no", "y", "n"}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
)
_TIME = re.compile(r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_PLAIN = re.compile(r"[A-Za-z_][\w./()-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "y", "n", "on", "off", "null", "~"}


@dataclass
class _Shape:
    """Everything the samples showed at one element path."""

    tag: str
    children: dict[str, _Shape] = field(default_factory=dict)
    attrs: dict[str, list[str]] = field(default_factory=dict)
    values: list[str] = field(default_factory=list)
    repeats: bool = False
    container: bool = False


def scaffold(xml_paths: list[Path]) -> str:
    """YAML text of a draft mapping for documents like these; EtlError for a missing or malformed file."""
    if not xml_paths:
        raise EtlError("scaffold needs at least one sample XML file")
    roots = []
    for path in xml_paths:
        if not Path(path).is_file():
            raise EtlError(f"{path}: file not found")
        try:
            roots.append(parse(Path(path).read_bytes()))
        except DocumentError as exc:
            raise EtlError(f"{path}: {exc}") from exc
    tags = {r.tag for r in roots}
    if len(tags) > 1:
        raise EtlError(
            f"the samples have different root elements ({', '.join(sorted(tags))}); scaffold one kind at a time"
        )
    prefixes = _prefixes(roots)
    shape = _Shape(roots[0].tag)
    for root in roots:
        _observe(root, shape)
    draft = _Draft(prefixes)
    draft.table(shape, parent=None, rows=None)
    text = draft.render(_qname(shape.tag, prefixes), len(roots))
    _check(text)
    return text


def _prefixes(roots: list[etree._Element]) -> dict[str, str]:
    """Namespace URI -> prefix for XPath: the documents' own prefixes where they have one, else ns, ns2..."""
    out: dict[str, str] = {}
    for root in roots:
        for elem in root.iter(etree.Element):
            names = [(elem.tag, elem.prefix)] + [(a, None) for a in elem.attrib]
            for name, prefix in names:
                if not name.startswith("{"):
                    continue
                uri = name[1:].split("}", 1)[0]
                if uri in out or uri in (XML_NS, XSI_NS):
                    continue
                taken = set(out.values()) | {"xml"}
                if prefix and re.fullmatch(r"[A-Za-z_][\w.-]*", prefix) and prefix not in taken:
                    out[uri] = prefix
                else:
                    n = 1
                    while (candidate := "ns" if n == 1 else f"ns{n}") in taken:
                        n += 1
                    out[uri] = candidate
    return out


def _observe(elem: etree._Element, shape: _Shape) -> None:
    for name, value in elem.attrib.items():
        if not name.startswith(f"{{{XSI_NS}}}"):
            shape.attrs.setdefault(name, []).append(value)
    children = [c for c in elem if isinstance(c.tag, str)]
    if not children:
        shape.values.append((elem.text or "").strip())
        return
    shape.container = True
    seen: dict[str, int] = {}
    for child in children:
        seen[child.tag] = seen.get(child.tag, 0) + 1
        sub = shape.children.setdefault(child.tag, _Shape(child.tag))
        if seen[child.tag] > 1:
            sub.repeats = True
        _observe(child, sub)


def _qname(tag: str, prefixes: dict[str, str]) -> str:
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    return f"{'xml' if uri == XML_NS else prefixes[uri]}:{local}"


def snake(name: str) -> str:
    """`ApplicationNumber` -> `application_number`, a valid SQL identifier."""
    local = name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", local)
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower() or "value"
    return f"c_{text}" if text[0].isdigit() else text[:60]


def infer_type(values: list[str]) -> str:
    """The narrowest type every sample value fits."""
    seen = [v for v in values if v]
    if not seen:
        return "varchar(50)"
    if all(v.lower() in _BOOL for v in seen):
        return "bool"
    if all(_INT.fullmatch(v) for v in seen):
        big = max(abs(int(v)) for v in seen)
        return "int" if big < 2**31 // 100 else "bigint" if big < 2**63 // 100 else "decimal(38,0)"
    if all(_DEC.fullmatch(v) for v in seen):
        scale = max(len(_DEC.fullmatch(v).group(1) or "") for v in seen)
        digits = max(len(v.lstrip("-").split(".")[0]) for v in seen)
        return f"decimal({min(38, digits + scale + 4)},{scale})"
    for pattern, name, parse_one in (
        (_DATE, "date", dt.date.fromisoformat),
        (_DATETIME, "datetime", dt.datetime.fromisoformat),
        (_TIME, "time", dt.time.fromisoformat),
    ):
        if all(pattern.fullmatch(v) for v in seen):
            try:
                for v in seen:
                    parse_one(v)
                return name
            except ValueError:
                break
    if all(_UUID.fullmatch(v) for v in seen):
        return "uuid"
    longest = max(len(v) for v in seen)
    size = next((s for s in _SIZES if s >= 2 * longest), None)
    if size is None:
        return "text"
    return f"{'varchar' if all(v.isascii() for v in seen) else 'nvarchar'}({size})"


def _scalar(text: str) -> str:
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


class _Draft:
    """Tables and columns as they will be written, names made unique."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = prefixes
        self.tables: dict[str, tuple[str | None, str | None, dict[str, tuple[str, str]]]] = {}

    def table(
        self, shape: _Shape, parent: str | None, rows: str | None, keys: tuple[str, ...] = ("app_id",)
    ) -> None:
        name = self._unique_table(snake(shape.tag), parent)
        columns: dict[str, tuple[str, str]] = {}
        reserved = set(keys)
        seq = None
        if rows is not None:
            seq = f"{name}_seq"
            columns[seq] = ("position", "")
            reserved.add(seq)
        self.tables[name] = (parent, rows, columns)
        child_keys = (*keys, seq) if seq else keys
        for attr, values in shape.attrs.items():
            self._column(columns, reserved, [snake(attr)], "@" + _qname(attr, self.prefixes), values)
        if not shape.container:  # a repeating leaf element: its own text is the value
            self._column(columns, reserved, [snake(shape.tag)], ".", shape.values)
        self._flatten(shape, "", [], name, columns, reserved, child_keys)

    def _flatten(
        self,
        shape: _Shape,
        prefix: str,
        trail: list[str],
        table: str,
        columns: dict,
        reserved: set,
        keys: tuple[str, ...],
    ) -> None:
        for child in shape.children.values():
            step = prefix + _qname(child.tag, self.prefixes)
            names = [*trail, snake(child.tag)]
            if child.repeats:
                # Children of the root table hang off the document, like the shipped mappings.
                self.table(child, parent=table if len(keys) > 1 else None, rows=step, keys=keys)
                continue
            for attr, values in child.attrs.items():
                attr_names = [*names, snake(attr)]
                xpath = f"{step}/@{_qname(attr, self.prefixes)}"
                self._column(columns, reserved, attr_names, xpath, values, shortest=2)
            if child.container:
                self._flatten(child, step + "/", names, table, columns, reserved, keys)
            else:
                self._column(columns, reserved, names, step, child.values)

    def _column(
        self, columns: dict, reserved: set, names: list[str], xpath: str, values: list[str], shortest: int = 1
    ) -> None:
        # The shortest unique name: the leaf, then with its parents' names in front.
        for n in range(min(shortest, len(names)), len(names) + 1):
            name = "_".join(names[-n:])[:60]
            if name not in columns and name not in reserved:
                break
        else:
            base, i = "_".join(names)[:56], 2
            while f"{base}_{i}" in columns or f"{base}_{i}" in reserved:
                i += 1
            name = f"{base}_{i}"
        columns[name] = (xpath, infer_type(values))

    def _unique_table(self, name: str, parent: str | None) -> str:
        if name in self.tables and parent:
            name = f"{parent}_{name}"[:60]
        base, i = name, 2
        while name in self.tables:
            name, i = f"{base}_{i}", i + 1
        return name

    def render(self, root: str, samples: int) -> str:
        lines = [
            SCHEMA_LINE,
            f"# Draft written by `etl scaffold` from {samples} sample document(s). Check names, types and sizes,",
            "# mark the values that must be present with required: true, then run `etl validate`.",
            f"root: {_scalar(root)}",
        ]
        if self.prefixes:
            lines.append("namespaces:")
            lines += [f"  {p}: {json.dumps(uri)}" for uri, p in self.prefixes.items()]
        lines.append("")
        lines.append("tables:")
        for name, (parent, rows, columns) in self.tables.items():
            lines.append(f"  {name}:")
            if parent:
                lines.append(f"    parent: {parent}")
            if rows:
                lines.append(f"    rows: {_scalar(rows)}")
            lines.append("    columns:")
            if not columns:
                columns["text_value"] = ("string(.)", "text")
            for cname, (xpath, ctype) in columns.items():
                if xpath == "position":
                    lines.append(f"      {cname}: {{source: position}}")
                else:
                    lines.append(f"      {cname}: {{xpath: {_scalar(xpath)}, type: {_scalar(ctype)}}}")
            lines.append("")
        return "\n".join(lines)


def _check(text: str) -> None:
    """The draft must load and compile as written; a failure here is a bug in scaffold, said plainly."""
    from etl.compile import layout
    from etl.config.load import load_mapping

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "draft.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            layout(load_mapping(path, environ={}))
        except ConfigError as exc:
            raise EtlError(
                f"scaffold wrote a mapping that does not validate (please report):\n{exc}"
            ) from exc
