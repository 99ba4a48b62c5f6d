"""Helpers for run tests: real subprocesses of the CLI, and table checksums read straight from the database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def etl(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `python -m etl ARGS` as a user would; output captured as text."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=full_env,
        timeout=timeout,
    )


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "etl", *args],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


TABLES = ("application", "applicant", "address", "employment", "income", "liability", "decision_reason")


def pg_checksums(dsn: str, schema: str) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent md5 of every target table's rows."""
    import psycopg

    out = {}
    with psycopg.connect(dsn) as conn:
        for t in TABLES:
            n, digest = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(md5(x::text), '' ORDER BY md5(x::text)), '')) "
                f'FROM "{schema}"."{t}" x'
            ).fetchone()
            out[t] = (n, digest)
    return out


def pg_log(dsn: str, schema: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        return conn.execute(
            f'SELECT app_id, status, instance_id, attempts FROM "{schema}".processing_log ORDER BY app_id'
        ).fetchall()


def sqlite_rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def processes_running(profile: str) -> list[int]:
    """PIDs of live processes whose command line ends with this profile path (runs and their workers)."""
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:
                continue
            if cmd.endswith(profile):
                out.append(int(proc.name))
    return out
