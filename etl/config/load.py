"""load: profile and mapping files -> validated, frozen specs (extends, ${ENV}, overrides, schema, checks).

Every finding of every file is collected before anything is raised, so one `etl validate` run
reports them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.config import checks, profile_checks, schema
from etl.config.specs import MappingSpec, ProfileSpec
from etl.config.yaml_loader import Document, KeyPath, display_path, format_key_path, load_yaml
from etl.errors import ConfigError, Finding, Location

# CLI flag -> key path in the profile; the seed's flag names.
FLAG_KEYS: dict[str, KeyPath] = {
    "server": ("database", "server"),
    "database": ("database", "database"),
    "workers": ("run", "workers"),
    "batch_size": ("run", "batch_size"),
    "instance_id": ("partition", "instance_id"),
    "instance_count": ("partition", "instance_count"),
    "log_level": ("run", "log_level"),
    "limit": ("run", "limit"),
    "enable_pooling": ("pool", "enabled"),
    "min_pool_size": ("pool", "min_size"),
    "max_pool_size": ("pool", "max_size"),
    "exclude_failed": ("run", "exclude_failed"),
}

ENV_KEYS: dict[str, KeyPath] = {
    "ETL_INSTANCE_ID": ("partition", "instance_id"),
    "ETL_INSTANCE_COUNT": ("partition", "instance_count"),
}


@dataclass
class Origins:
    """Which document wrote each key path of a merged profile, to point errors at the right file."""

    docs: dict[KeyPath, Document | str] = field(default_factory=dict)

    def owner(self, path: KeyPath) -> Document | str | None:
        p = tuple(path)
        while p:
            if p in self.docs:
                return self.docs[p]
            p = p[:-1]
        return self.docs.get(())

    def locate(self, path: KeyPath, *, value: bool = False) -> Location:
        owner = self.owner(path)
        if isinstance(owner, Document):
            # The key may live deeper than what this document wrote (after a merge): walk up in it.
            return owner.location(path, value=value)
        return Location(owner or "<unknown>")

    def base_dir(self, path: KeyPath) -> Path:
        owner = self.owner(path)
        return owner.path.parent if isinstance(owner, Document) else Path.cwd()

    def from_env(self, path: KeyPath) -> bool:
        owner = self.owner(path)
        return not isinstance(owner, Document) or tuple(path) in owner.from_env


def kind_of(data: Any) -> str | None:
    """Tell a mapping from a profile by content."""
    if not isinstance(data, dict):
        return None
    if "tables" in data or "root" in data:
        return "mapping"
    if data.keys() & {"extends", "database", "source", "mapping", "run", "partition", "pool", "target"}:
        return "profile"
    return None


def _merge(base: Any, over: Any, origins: Origins, doc: Document, path: KeyPath) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = (
                _merge(base.get(k), v, origins, doc, (*path, k))
                if k in base
                else _claim(v, origins, doc, (*path, k))
            )
        return out
    return _claim(over, origins, doc, path)


def _claim(value: Any, origins: Origins, doc: Document | str, path: KeyPath) -> Any:
    """Record doc as the writer of path and everything below it."""
    for p in [q for q in origins.docs if q[: len(path)] == path]:
        del origins.docs[p]
    origins.docs[path] = doc
    return value


def read_profile_chain(path: Path, environ: Mapping[str, str]) -> tuple[dict, Origins, Document]:
    """Read a profile and its `extends` chain, deep-merged (the child wins)."""
    chain: list[Document] = []
    seen: list[Path] = []
    current = path
    while True:
        resolved = current.resolve()
        if resolved in seen:
            cycle = " -> ".join(display_path(p) for p in [*seen, resolved])
            doc = chain[-1]
            raise ConfigError.single(
                f"extends cycle: {cycle}", doc.location(("extends",), value=True), "extends"
            )
        seen.append(resolved)
        doc = load_yaml(current, environ)
        if not isinstance(doc.data, dict):
            raise ConfigError.single("a profile must be a mapping of keys", doc.location(()))
        schema.settle_env("profile", doc.data, doc.env_text)
        chain.append(doc)
        ext = doc.data.get("extends")
        if ext is None:
            break
        if not isinstance(ext, str):
            raise ConfigError.single(
                f"expected a string, got {ext!r}", doc.location(("extends",), value=True), "extends"
            )
        nxt = current.parent / ext
        if not nxt.is_file():
            raise ConfigError.single(
                f"base profile '{ext}' not found (looked at {display_path(nxt)})",
                doc.location(("extends",), value=True),
                "extends",
            )
        current = nxt
    origins = Origins()
    merged: Any = {}
    for doc in reversed(chain):
        merged = _merge(merged, doc.data, origins, doc, ())
    origins.docs.setdefault((), chain[0])
    merged.pop("extends", None)
    return merged, origins, chain[0]


def _set(data: dict, path: KeyPath, value: Any) -> None:
    node = data
    for part in path[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[path[-1]] = value


def _get(data: dict, path: KeyPath) -> Any:
    node: Any = data
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def apply_overrides(
    data: dict, origins: Origins, overrides: Mapping[str, Any], environ: Mapping[str, str]
) -> None:
    """Environment beats the file; a CLI flag beats both. JOB_COMPLETION_INDEX fills an unset instance id."""
    for var, key in ENV_KEYS.items():
        if environ.get(var, "") != "":
            _set(data, key, _intish(environ[var]))
            _claim(None, origins, f"${var}", key)
    for name, value in overrides.items():
        if value is None:
            continue
        key = FLAG_KEYS[name]
        _set(data, key, value)
        _claim(None, origins, "--" + name.replace("_", "-"), key)
    key = ENV_KEYS["ETL_INSTANCE_ID"]
    if _get(data, key) is None and environ.get("JOB_COMPLETION_INDEX", "") != "":
        _set(data, key, _intish(environ["JOB_COMPLETION_INDEX"]))
        _claim(None, origins, "$JOB_COMPLETION_INDEX", key)


def _intish(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return text  # the schema check reports it with the variable's name


def load_profile(
    path: str | Path, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> ProfileSpec:
    """Read, merge, override, validate and check a profile and its mapping; ConfigError with all findings."""
    environ = os.environ if environ is None else environ
    data, origins, doc = read_profile_chain(Path(path), environ)
    apply_overrides(data, origins, overrides or {}, environ)
    findings = schema.check("profile", data, origins.locate)
    if findings:
        raise ConfigError(f"{doc.display}: invalid profile", scrub(findings, data))
    spec, findings = profile_checks.build_profile(data, origins, environ)
    if (findings and any(f.severity == "error" for f in findings)) or spec is None:
        raise ConfigError(f"{doc.display}: invalid profile", scrub(findings, data))
    return spec


def scrub(findings: list[Finding], data: Any) -> list[Finding]:
    """Findings with every secret value of the profile (passwords, connection strings) replaced by ***.

    Messages never quote a secret key's value, but a password may also appear inside another value
    (a URL, an ODBC string) that a message quotes; this is the last line of defence.
    """
    secrets = sorted(
        {v for p, v in _leaves(data, ()) if isinstance(v, str) and len(v) >= 3 and schema.is_secret(p)},
        key=len,
        reverse=True,
    )
    if not secrets:
        return findings
    for f in findings:
        for secret in secrets:
            f.message = f.message.replace(secret, "***")
    return findings


def _leaves(data: Any, path: KeyPath):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _leaves(v, (*path, i))
    else:
        yield path, data


def file_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without the run-time overrides: `etl validate` checks files as written."""
    return {k: v for k, v in environ.items() if k not in ENV_KEYS and k != "JOB_COMPLETION_INDEX"}


def load_mapping(path: str | Path, environ: Mapping[str, str] | None = None) -> MappingSpec:
    """Read, validate and check one mapping file; ConfigError with all findings."""
    doc = load_yaml(Path(path), os.environ if environ is None else environ)
    spec, findings = checks.build_mapping(doc)
    errors = [f for f in findings if f.severity == "error"]
    if errors or spec is None:
        raise ConfigError(f"{doc.display}: invalid mapping", findings)
    return spec


def validate_file(path: Path, environ: Mapping[str, str] | None = None) -> list[Finding]:
    """Every finding (errors and warnings) of one file, whether profile or mapping."""
    environ = os.environ if environ is None else environ
    try:
        doc = load_yaml(path, environ)
    except ConfigError as exc:
        return exc.findings
    kind = kind_of(doc.data)
    if kind == "mapping":
        _, findings = checks.build_mapping(doc)
        return findings
    if kind == "profile":
        try:
            data, origins, _ = read_profile_chain(path, environ)
            apply_overrides(data, origins, {}, {})
        except ConfigError as exc:
            return exc.findings
        findings = schema.check("profile", data, origins.locate)
        if not findings:
            _, findings = profile_checks.build_profile(data, origins, environ)
        return scrub(findings, data)
    return [
        Finding(
            "neither a profile (database/source/mapping keys) nor a mapping (root/tables keys)",
            doc.location(()),
        )
    ]


__all__ = [
    "ENV_KEYS",
    "FLAG_KEYS",
    "Origins",
    "file_environ",
    "format_key_path",
    "kind_of",
    "load_mapping",
    "load_profile",
    "scrub",
    "validate_file",
]
