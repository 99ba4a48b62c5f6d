"""Packaging: the wheel builds with and without a C compiler (the row builder is optional)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _wheel(tmp_path: Path, **env: str) -> zipfile.ZipFile:
    out = tmp_path / "wheel"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = out.glob("xml_etl-*.whl")
    return zipfile.ZipFile(wheel)


def test_without_a_compiler_the_wheel_builds_in_pure_python(tmp_path: Path) -> None:
    names = _wheel(tmp_path, CC="/bin/false").namelist()
    assert "etl/mapping.py" in names
    assert not [n for n in names if n.startswith("etl/_accel") and n.endswith((".so", ".pyd"))]
    assert "etl/_accel.c" not in names


def test_with_a_compiler_the_wheel_carries_the_row_builder(tmp_path: Path) -> None:
    names = _wheel(tmp_path).namelist()
    assert [n for n in names if n.startswith("etl/_accel") and n.endswith(".so")], names
    assert "etl/_accel.c" not in names
