"""schema: the JSON Schemas of profiles and mappings, and jsonschema errors turned into findings."""

from __future__ import annotations

import difflib
import json
import re
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from etl.config.yaml_loader import KeyPath, format_key_path
from etl.errors import Finding, Location, short_repr

KINDS = ("mapping", "profile")

_TYPE_WORDS = {
    "integer": "an integer",
    "string": "a string",
    "boolean": "true or false",
    "object": "a mapping (key: value)",
    "array": "a list",
    "number": "a number",
    "null": "null",
}


@cache
def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of `mapping` or `profile` files."""
    text = resources.files("etl.config").joinpath("schemas", f"{kind}.schema.json").read_text("utf-8")
    return json.loads(text)


def _is_integer(checker: Any, instance: Any) -> bool:
    # JSON Schema counts 50.0 as an integer; a batch size of 50.0 would reach range() and slicing.
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@cache
def _validator(kind: str) -> jsonschema.protocols.Validator:
    return _Validator(schema(kind))


# Values under these keys are never repeated in a message: passwords, and strings that may embed one.
_SECRET_KEY = re.compile(r"pass|pwd|secret|token|odbc_connect|^url$", re.IGNORECASE)


def is_secret(key_path: KeyPath) -> bool:
    """Whether the value at key_path may be a password (or carry one) and must not be printed."""
    return any(isinstance(part, str) and _SECRET_KEY.search(part) for part in key_path)


def subschema(kind: str, key_path: KeyPath) -> dict[str, Any] | None:
    """The schema that governs the value at key_path, or None when the path is not described."""
    root = schema(kind)
    node: Any = root
    for part in key_path:
        node = _deref(root, node)
        if isinstance(part, int):
            node = node.get("items")
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        else:
            node = node.get("additionalProperties")
        if not isinstance(node, dict):
            return None
    return _deref(root, node)


def _deref(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def types_at(kind: str, key_path: KeyPath) -> set[str] | None:
    """The JSON types the schema accepts at key_path (from type, enum or oneOf), or None when unconstrained."""
    node = subschema(kind, key_path)
    if node is None:
        return None
    if "type" in node:
        t = node["type"]
        return {t} if isinstance(t, str) else set(t)
    if "enum" in node:
        return {_json_type(v) for v in node["enum"]}
    if "oneOf" in node:
        found: set[str] = set()
        for option in node["oneOf"]:
            found |= {option["type"]} if isinstance(option.get("type"), str) else set(option.get("type", ()))
        return found or None
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "string")


def settle_env(kind: str, data: Any, env_text: dict[KeyPath, str]) -> None:
    """Give each ${VAR} value the type its key takes: `${N:-4}` stays the int 4 under run.workers, but a
    password read as "0123" or "yes" stays that text rather than becoming 83 or true."""
    for path, text in env_text.items():
        types = types_at(kind, path)
        if not path or types is None or "string" not in types:
            continue
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        # `password: ${PW:-}` means no password; any other text is kept as written, even "null".
        parent[path[-1]] = None if text == "" and "null" in types else text


def _expected(types: Any) -> str:
    if isinstance(types, str):
        types = [types]
    return " or ".join(_TYPE_WORDS.get(t, t) for t in types)


def check(kind: str, data: Any, locate) -> list[Finding]:
    """All schema violations of `data`, each located with locate(key_path, value=bool) -> Location."""
    findings: list[Finding] = []
    for error in _validator(kind).iter_errors(data):
        findings.extend(_to_findings(error, locate))
    return findings


def _to_findings(error: jsonschema.ValidationError, locate) -> list[Finding]:
    path: KeyPath = tuple(error.absolute_path)
    v = error.validator
    if v == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        out = []
        for key in error.instance:
            if key in allowed:
                continue
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}"
            if str(key).rstrip().endswith(")"):
                # `{type: decimal(12,2)}` in a flow mapping splits at the comma.
                hint = 'inside { } a comma splits the value: quote it, e.g. type: "decimal(12,2)"'
            if not allowed:
                hint = "no keys are allowed here"
            out.append(
                Finding(f"unknown key '{key}' ({hint})", locate((*path, key)), format_key_path((*path, key)))
            )
        if out:
            return out
    loc: Location = locate(path, value=True)
    key = format_key_path(path) or None
    got = f"a hidden {_json_type(error.instance)} value" if is_secret(path) else short_repr(error.instance)
    if v == "type":
        msg = f"expected {_expected(error.validator_value)}, got {got}"
    elif v == "enum":
        allowed = ", ".join(str(x) for x in error.validator_value)
        msg = f"expected one of {allowed}, got {got}"
    elif v == "minimum":
        msg = f"must be >= {error.validator_value}, got {got}"
    elif v == "maximum":
        msg = f"must be <= {error.validator_value}, got {got}"
    elif v == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        msg = f"missing required key {', '.join(repr(m) for m in missing)}"
    elif v in ("minLength", "minItems", "minProperties"):
        msg = "must not be empty"
    elif v == "oneOf" and error.schema.get("oneOf"):
        types = [s.get("type") for s in error.schema["oneOf"] if "type" in s]
        msg = f"expected {' or '.join(_expected(t) for t in types)}, got {got}"
    elif v == "pattern":
        msg = f"{got} is not allowed here (must match {error.validator_value})"
    elif is_secret(path):
        msg = f"invalid value ({v}); the value is hidden"
    else:
        msg = error.message
    return [Finding(msg, loc, key)]
