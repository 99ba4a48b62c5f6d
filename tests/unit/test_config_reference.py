"""The README's key reference is generated from the JSON Schemas, and the schemas describe every key."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from etl.config import reference
from etl.config.schema import KINDS, schema
from etl.config.specs import DatabaseSpec, PartitionSpec, PoolSpec, RunSpec, SourceSpec, TargetSpec

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"


@pytest.mark.parametrize("kind", KINDS)
def test_readme_reference_is_generated_from_the_schema(kind: str) -> None:
    sections = reference.generated_sections(README.read_text(encoding="utf-8"))
    assert kind in sections, f"README.md lacks the <!-- BEGIN GENERATED: {kind} --> markers"
    assert sections[kind] == reference.markdown(kind), (
        "README.md's key reference is stale: python -m etl.config.reference --write README.md"
    )


def test_check_and_write_commands(tmp_path: Path) -> None:
    copy = tmp_path / "README.md"
    shutil.copy(README, copy)
    check = [sys.executable, "-m", "etl.config.reference", "--check", str(copy)]
    assert subprocess.run(check, capture_output=True, timeout=60).returncode == 0
    generated = reference.markdown("profile")
    copy.write_text(copy.read_text().replace(generated, generated.replace("`run.workers`", "`run.workerz`")))
    stale = subprocess.run(check, capture_output=True, text=True, timeout=60)
    assert stale.returncode == 1 and "--write" in stale.stderr
    write = [sys.executable, "-m", "etl.config.reference", "--write", str(copy)]
    assert subprocess.run(write, capture_output=True, timeout=60).returncode == 0
    assert copy.read_text() == README.read_text()


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft_2020_12(kind: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(kind))


def _objects(node: Any, path: str = "") -> list[tuple[str, dict]]:
    out = []
    if isinstance(node, dict):
        if node.get("type") == "object" or "properties" in node:
            out.append((path, node))
        for key, child in node.items():
            out.extend(_objects(child, f"{path}/{key}"))
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_every_key_is_described_and_closed(kind: str) -> None:
    for path, node in _objects(schema(kind)):
        if "properties" in node:
            assert node.get("additionalProperties") is False, f"{path} must set additionalProperties: false"
            for key, child in node["properties"].items():
                assert child.get("description"), f"{path}/{key} has no description"


@pytest.mark.parametrize(
    ("section", "spec"),
    [("run", RunSpec), ("partition", PartitionSpec), ("pool", PoolSpec), ("source", SourceSpec),
     ("target", TargetSpec), ("database", DatabaseSpec)],
)  # fmt: skip
def test_schema_defaults_are_the_specs_defaults(section: str, spec: type) -> None:
    props = schema("profile")["properties"][section]["properties"]
    defaults = {f.name: f.default for f in dataclasses.fields(spec) if f.default is not dataclasses.MISSING}
    documented = {k: v["default"] for k, v in props.items() if "default" in v}
    assert documented, section
    for key, value in documented.items():
        assert defaults[key] == value, f"{section}.{key}"


def test_every_shipped_yaml_names_its_schema() -> None:
    files = [
        *REPO.glob("configs/*.yaml"),
        *REPO.glob("mappings/*.yaml"),
        *REPO.glob("tests/data/broken/*.yaml"),
    ]
    assert files
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target.is_file() and target.parent == REPO / "etl/config/schemas", path


def test_markdown_lists_every_profile_key() -> None:
    text = reference.markdown("profile")
    for section, node in schema("profile")["properties"].items():
        assert f"| `{section}` |" in text
        for key in node.get("properties", {}):
            assert f"| `{section}.{key}` |" in text


def test_schema_markdown_command_prints_the_reference(cli) -> None:
    result = cli("schema", "mapping", "--format", "markdown")
    assert (result.code, result.out) == (0, reference.markdown("mapping") + "\n")
