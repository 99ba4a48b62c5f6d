"""The command line: every command is listed and documented, the seed's flags exist, exit codes hold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from etl import __version__, mapping_accel
from etl.config.schema import schema

REPO = Path(__file__).resolve().parents[2]
COMMANDS = [
    "validate",
    "schema",
    "run",
    "status",
    "failures",
    "render",
    "init",
    "sample",
    "preview",
    "scaffold",
]
SEED_FLAGS = [
    "--server", "--database", "--workers", "--batch-size", "--instance-id", "--instance-count", "--log-level",
    "--limit", "--enable-pooling", "--min-pool-size", "--max-pool-size",
]  # fmt: skip
OVERRIDES = ["--server", "--database", "--instance-id", "--instance-count", "--log-level"]


def test_help_lists_every_command(cli) -> None:
    result = cli("--help")
    assert result.code == 0
    listed = [line.split()[0] for line in result.out.splitlines() if line.startswith("    ")]
    assert listed == COMMANDS


def test_no_command_prints_help_and_exits_2(cli) -> None:
    result = cli()
    assert result.code == 2
    assert "validate" in result.out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, cli) -> None:
    result = cli(command, "--help")
    assert result.code == 0
    assert result.out.startswith(f"usage: etl {command} ")


def test_run_takes_the_seeds_flags_and_the_run_modes(cli) -> None:
    out = cli("run", "--help").out
    for flag in [*SEED_FLAGS, "--retry-failed", "--reprocess", "--reprocess-all", "--sample"]:
        assert f"[{flag}" in out, flag


@pytest.mark.parametrize("command", ["status", "failures", "render", "init", "sample"])
def test_profile_commands_take_the_overrides(command: str, cli) -> None:
    out = cli(command, "--help").out
    for flag in OVERRIDES:
        assert f"[{flag}" in out, flag


def test_version(cli) -> None:
    result = cli("--version")
    mapping = mapping_accel.describe()
    assert (result.code, result.out) == (0, f"etl {__version__} (mapping: {mapping})\n")


@pytest.mark.parametrize("kind", ["mapping", "profile"])
def test_schema_prints_the_shipped_json_schema(kind: str, cli) -> None:
    result = cli("schema", kind)
    assert result.code == 0
    assert json.loads(result.out) == json.loads(
        (REPO / "etl/config/schemas" / f"{kind}.schema.json").read_text()
    )
    assert json.loads(result.out) == schema(kind)


def test_python_dash_m_etl_is_the_cli() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "--help"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert "validate" in proc.stdout and "scaffold" in proc.stdout


def test_profile_command_on_a_broken_profile_is_one_line_exit_1(cli, in_repo) -> None:
    result = cli("render", "tests/data/broken/instance_out_of_range.yaml")
    assert result.code == 1
    assert result.err == (
        "tests/data/broken/instance_out_of_range.yaml:10:16: error: partition.instance_id: "
        "Invalid instance configuration: instance_id=3 must be < instance_count=3 and >= 0\n"
    )
    assert result.out == ""


def test_profile_command_flag_makes_the_partition_invalid(cli, in_repo) -> None:
    result = cli("render", "configs/example.yaml", "--instance-id", "3", "--instance-count", "3")
    assert result.code == 1
    assert result.err == (
        "--instance-id: error: partition.instance_id: "
        "Invalid instance configuration: instance_id=3 must be < instance_count=3 and >= 0\n"
    )


def test_missing_profile_is_exit_1(cli, in_repo) -> None:
    result = cli("render", "configs/nope.yaml")
    assert (result.code, result.err) == (1, "configs/nope.yaml: error: file not found\n")
