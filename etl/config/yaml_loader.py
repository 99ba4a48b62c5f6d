"""yaml_loader: YAML text -> plain Python values plus a line:col for every key path.

The only module that knows PyYAML. Duplicate keys are errors, `${VAR}` and `${VAR:-default}` are
expanded from the environment, and every value remembers where it was written so later stages
(JSON Schema, semantic checks) can point at the exact line and column.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from etl.errors import ConfigError, Finding, Location

KeyPath = tuple[str | int, ...]

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class Document:
    """A parsed YAML file: its data, the position of every key path, and which values came from ${VAR}."""

    path: Path
    data: Any
    marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    value_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    from_env: set[KeyPath] = field(default_factory=set)
    # The text a ${VAR} value expanded to, before YAML typing: a password "0123" must stay "0123".
    env_text: dict[KeyPath, str] = field(default_factory=dict)

    @property
    def display(self) -> str:
        return display_path(self.path)

    def location(self, key_path: KeyPath, *, value: bool = False) -> Location:
        """The closest recorded position for key_path (walking up to a parent when needed).

        value=True points at the value rather than its key: where a wrong type was written.
        """
        marks = self.value_marks if value else self.marks
        path = tuple(key_path)
        while path not in marks and path:
            path = path[:-1]
        line, col = marks.get(path, (1, 1))
        return Location(self.display, line, col)


def display_path(path: Path) -> str:
    """The path as the user would type it: relative to the current directory when below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return os.path.normpath(path)


def format_key_path(key_path: KeyPath) -> str:
    out = ""
    for part in key_path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# Aliases can make a few lines expand into billions of values ("billion laughs"); no real profile or
# mapping comes near this many.
MAX_VALUES = 200_000


class _AliasError(Exception):
    def __init__(self, message: str, node: yaml.Node):
        super().__init__(message)
        self.node = node


class _Builder:
    def __init__(self, doc: Document, environ: Mapping[str, str]):
        self.doc = doc
        self.environ = environ
        self.loader = yaml.SafeLoader("")
        self.findings: list[Finding] = []
        self.count = 0
        self.open: set[int] = set()  # nodes being built: meeting one again means a recursive alias

    def mark(self, path: KeyPath, node: yaml.Node) -> None:
        pos = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.doc.value_marks[path] = pos
        self.doc.marks.setdefault(path, pos)

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.mark(path, node)
        self.count += 1
        if self.count > MAX_VALUES:
            raise _AliasError(f"more than {MAX_VALUES} values once aliases are expanded", node)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if id(node) in self.open:
            raise _AliasError("an alias refers to a node that contains it", node)
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict:
        self.loader.flatten_mapping(node)  # resolves YAML merge keys (<<)
        out: dict = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            child = (*path, key)
            if key in out:
                loc = Location(self.doc.display, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                self.findings.append(
                    Finding(
                        f"duplicate key '{key}' (first written at line {self.doc.marks[child][0]})",
                        loc,
                        format_key_path(child),
                    )
                )
                continue
            self.doc.marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self.build(value_node, child)
        return out

    def _scalar(self, node: yaml.ScalarNode, path: KeyPath) -> Any:
        if node.tag == "tag:yaml.org,2002:str" and "${" in node.value:
            text = self._expand(node, path)
            if text is None:
                return None
            self.doc.from_env.add(path)
            self.doc.env_text[path] = text
            if node.style is None:  # a plain scalar: "${N:-4}" becomes the int 4, as if written so
                tag = self.loader.resolve(yaml.ScalarNode, text, (True, False))
                return self.loader.construct_object(yaml.ScalarNode(tag, text), deep=True)
            return text
        return self.loader.construct_object(node, deep=True)

    def _expand(self, node: yaml.ScalarNode, path: KeyPath) -> str | None:
        missing: list[str] = []

        def repl(m: re.Match) -> str:
            name, default = m.group(1), m.group(2)
            value = self.environ.get(name)
            if value is None or (value == "" and default is not None):
                if default is None:
                    missing.append(name)
                    return ""
                return default
            return value

        text = _ENV_REF.sub(repl, node.value)
        for name in missing:
            loc = Location(self.doc.display, node.start_mark.line + 1, node.start_mark.column + 1)
            self.findings.append(
                Finding(
                    f"environment variable {name} is not set (write ${{{name}:-default}} to give a default)",
                    loc,
                    format_key_path(path),
                )
            )
        return None if missing else text


def load_yaml(path: Path, environ: Mapping[str, str] | None = None) -> Document:
    """Parse one YAML file into a Document; raise ConfigError with file:line:col on any problem."""
    doc = Document(path=path, data=None)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError.single("file not found", Location(doc.display)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError.single(f"cannot read file: {exc}", Location(doc.display)) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise ConfigError.single(_syntax_message(exc, text), _mark_location(doc, exc)) from None
    except yaml.YAMLError as exc:
        raise ConfigError.single(f"YAML syntax error: {exc}", Location(doc.display)) from None
    except RecursionError:
        raise ConfigError.single("YAML error: nested too deeply", Location(doc.display)) from None
    if node is None:
        doc.data = {}
        return doc
    builder = _Builder(doc, os.environ if environ is None else environ)
    try:
        doc.data = builder.build(node, ())
    except _AliasError as exc:
        mark = exc.node.start_mark
        raise ConfigError.single(
            f"YAML error: {exc}", Location(doc.display, mark.line + 1, mark.column + 1)
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise ConfigError.single(f"YAML error: {exc.problem or exc}", _mark_location(doc, exc)) from None
    except RecursionError:
        raise ConfigError.single("YAML error: nested too deeply", Location(doc.display)) from None
    if builder.findings:
        raise ConfigError("invalid YAML", builder.findings)
    return doc


def _mark_location(doc: Document, exc: yaml.MarkedYAMLError) -> Location:
    mark = exc.problem_mark or exc.context_mark
    return Location(doc.display, mark.line + 1, mark.column + 1) if mark else Location(doc.display)


def _syntax_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    """PyYAML's problem, plus where the construct it was inside began (often the real mistake)."""
    message = f"YAML syntax error: {exc.problem or exc.context or 'invalid YAML'}"
    ctx = exc.context_mark
    if exc.context and exc.problem and ctx is not None:
        started = re.sub(r"^while (?:parsing|scanning) (?:an? )?", "", exc.context)
        if exc.problem_mark is None or ctx.line != exc.problem_mark.line:
            message += f" (in the {started} started at line {ctx.line + 1}, column {ctx.column + 1})"
    mark = exc.problem_mark
    if mark is not None:
        line = text.splitlines()[mark.line] if mark.line < len(text.splitlines()) else ""
        if "${" in line and "{" in line.split("${")[0]:
            message += '; inside { } quote values holding ${VAR}, e.g. password: "${DB_PASSWORD}"'
    return message
