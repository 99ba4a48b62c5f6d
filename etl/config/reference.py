"""reference: JSON Schemas -> the Markdown key reference of the README (one source, no second copy).

`python -m etl.config.reference --write README.md` refreshes the README's generated sections;
`--check README.md` exits 1 when they are stale.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from etl.config.schema import KINDS, schema

# What a name stands for where the schema allows any key (additionalProperties with a schema).
_PLACEHOLDERS = {
    "tables": "<table>",
    "columns": "<column>",
    "namespaces": "<prefix>",
    "options": "<option>",
    "values": "<text>",
}


def markdown(kind: str) -> str:
    """The key reference of `mapping` or `profile` files: key path, type, default, description."""
    root = schema(kind)
    lines = [
        f"{_cell(root.get('description', ''))}",
        "",
        "| Key | Type | Default | Description |",
        "| --- | --- | --- | --- |",
    ]
    for path, node, required in _walk(root, root, ()):
        name = "`" + ".".join(path) + "`" + (" (required)" if required else "")
        default = f"`{json.dumps(node['default'])}`" if "default" in node else ""
        lines.append(
            f"| {name} | {_type_of(root, node)} | {default} | {_cell(node.get('description', ''))} |"
        )
    return "\n".join(lines) + "\n"


def _walk(root: dict, node: dict, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict, bool]]:
    node = _deref(root, node)
    required = set(node.get("required", ()))
    for key, child in node.get("properties", {}).items():
        child = _deref(root, child)
        yield (*path, key), child, key in required
        yield from _walk(root, child, (*path, key))
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        placeholder = _PLACEHOLDERS.get(path[-1] if path else "", "<key>")
        child = _deref(root, extra)
        if child.get("properties") or child.get("description"):
            yield (*path, placeholder), child, False
        yield from _walk(root, child, (*path, placeholder))


def _deref(root: dict, node: dict) -> dict:
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _type_of(root: dict, node: dict) -> str:
    if "enum" in node:
        return " \\| ".join(f"`{v}`" for v in node["enum"])
    if "oneOf" in node:
        return " or ".join(_type_of(root, _deref(root, o)) for o in node["oneOf"])
    types = node.get("type")
    if types is None:
        return ""
    names = [types] if isinstance(types, str) else list(types)
    words = []
    for t in names:
        if t == "array" and isinstance(node.get("items"), dict):
            words.append(f"list of {_type_of(root, _deref(root, node['items']))}")
        elif t == "object":
            words.append("mapping")
        else:
            words.append(t)
    return " or ".join(words)


def _cell(text: str) -> str:
    """Schema text as one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _markers(kind: str) -> tuple[str, str]:
    return f"<!-- BEGIN GENERATED: {kind} -->", f"<!-- END GENERATED: {kind} -->"


def generated_sections(text: str) -> dict[str, str]:
    """The generated part of each kind found between its markers in a document."""
    out = {}
    for kind in KINDS:
        begin, end = _markers(kind)
        m = re.search(re.escape(begin) + r"\n(.*?)" + re.escape(end), text, re.DOTALL)
        if m:
            out[kind] = m.group(1)
    return out


def refresh(text: str) -> str:
    """The document with every generated section replaced by the current reference."""
    for kind in KINDS:
        begin, end = _markers(kind)
        pattern = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), re.DOTALL)
        text = pattern.sub(lambda _m, k=kind, b=begin, e=end: f"{b}\n{markdown(k)}{e}", text)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    """Write or check the generated sections of a Markdown file."""
    parser = argparse.ArgumentParser(
        prog="python -m etl.config.reference", description=__doc__.splitlines()[0]
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", metavar="FILE", type=Path, help="refresh the generated sections in place")
    action.add_argument("--check", metavar="FILE", type=Path, help="exit 1 when they differ from the schemas")
    action.add_argument("--print", choices=KINDS, dest="kind", help="print one reference")
    args = parser.parse_args(argv)
    if args.kind:
        sys.stdout.write(markdown(args.kind))
        return 0
    path: Path = args.write or args.check
    text = path.read_text(encoding="utf-8")
    missing = [k for k in KINDS if k not in generated_sections(text)]
    if missing:
        print(f"{path}: no {' / '.join(_markers(missing[0]))} markers", file=sys.stderr)
        return 1
    new = refresh(text)
    if args.write:
        if new != text:
            path.write_text(new, encoding="utf-8")
        print(f"{path}: {'refreshed' if new != text else 'already up to date'}", file=sys.stderr)
        return 0
    if new != text:
        print(
            f"{path}: the key reference is stale; run python -m etl.config.reference --write {path}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
