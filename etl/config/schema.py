"""schema: the JSON Schemas of profiles and mappings, and jsonschema errors turned into findings."""

from __future__ import annotations

import difflib
import json
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


@cache
def _validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(kind))


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
                hint = "inside { } a comma splits the value: quote it, e.g. type: \"decimal(12,2)\""
            if not allowed:
                hint = "no keys are allowed here"
            out.append(Finding(f"unknown key '{key}' ({hint})", locate((*path, key)), format_key_path((*path, key))))
        if out:
            return out
    loc: Location = locate(path, value=True)
    key = format_key_path(path) or None
    if v == "type":
        msg = f"expected {_expected(error.validator_value)}, got {short_repr(error.instance)}"
    elif v == "enum":
        allowed = ", ".join(str(x) for x in error.validator_value)
        msg = f"expected one of {allowed}, got {short_repr(error.instance)}"
    elif v == "minimum":
        msg = f"must be >= {error.validator_value}, got {short_repr(error.instance)}"
    elif v == "maximum":
        msg = f"must be <= {error.validator_value}, got {short_repr(error.instance)}"
    elif v == "required":
        missing = [k for k in error.validator_value if k not in error.instance]
        msg = f"missing required key {', '.join(repr(m) for m in missing)}"
    elif v in ("minLength", "minItems", "minProperties"):
        msg = "must not be empty"
    elif v == "oneOf" and error.schema.get("oneOf"):
        types = [s.get("type") for s in error.schema["oneOf"] if "type" in s]
        msg = f"expected {' or '.join(_expected(t) for t in types)}, got {short_repr(error.instance)}"
    elif v == "pattern":
        msg = f"{short_repr(error.instance)} is not allowed here (must match {error.validator_value})"
    else:
        msg = error.message
    return [Finding(msg, loc, key)]
