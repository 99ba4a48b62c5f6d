"""harness: what every bench part shares: paths, connections, profiles, table checksums, timed subprocesses."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
MAPPING = ROOT / "mappings" / "credit_application.yaml"
PG = {
    "host": os.environ.get("BENCH_PG_HOST", "127.0.0.1"),
    "port": int(os.environ.get("BENCH_PG_PORT", "5432")),
    "dbname": os.environ.get("BENCH_PG_DATABASE", "test"),
    "user": os.environ.get("BENCH_PG_USER", "root"),
}
SOURCE_SCHEMA = "bench"
SOURCE_TABLE = f"{SOURCE_SCHEMA}.app_xml"
# Both ODBC paths (etl's connector and the seed peer) get the options TRAPS.md measured: without them
# psqlODBC wraps each statement in a savepoint and re-prepares.
ODBC_OPTIONS = {"UseServerSidePrepare": 0, "Protocol": "7.4-1"}


def pg_connect(autocommit: bool = True):
    """A psycopg connection to the bench database."""
    import psycopg

    return psycopg.connect(autocommit=autocommit, **PG)


def odbc_connection_string() -> str:
    """The psqlODBC connection string the seed peer uses (same server and options as etl's odbc profile)."""
    parts = {
        "DRIVER": "{PostgreSQL Unicode}",
        "SERVER": PG["host"],
        "PORT": PG["port"],
        "DATABASE": PG["dbname"],
        "UID": PG["user"],
        **ODBC_OPTIONS,
    }
    return ";".join(f"{k}={v}" for k, v in parts.items())


def layout():
    """The target tables of the credit application mapping, parents first."""
    from etl.compile import layout as derive
    from etl.config.load import load_mapping

    return derive(load_mapping(str(MAPPING)))


def write_profile(
    name: str,
    *,
    dialect: str,
    target_schema: str | None = None,
    sqlite_file: Path | None = None,
    connector: str | None = None,
    workers: int = 2,
    batch_size: int = 200,
    source_table: str = SOURCE_TABLE,
) -> Path:
    """A profile for one approach and round under bench/out/profiles (JSON is YAML)."""
    if dialect == "sqlite":
        database: dict[str, Any] = {"dialect": "sqlite", "database": str(sqlite_file)}
        source = {"table": "app_xml", "id_column": "app_id", "xml_column": "app_xml"}
    else:
        database = {
            "dialect": "postgresql",
            "server": PG["host"],
            "port": PG["port"],
            "database": PG["dbname"],
            "user": PG["user"],
        }
        if connector == "odbc":
            database.update(connector="odbc", driver="PostgreSQL Unicode", options=dict(ODBC_OPTIONS))
        source = {"table": source_table, "id_column": "app_id", "xml_column": "app_xml"}
    profile: dict[str, Any] = {
        "database": database,
        "source": source,
        "mapping": str(MAPPING),
        "run": {"workers": workers, "batch_size": batch_size},
    }
    if target_schema:
        profile["target"] = {"schema": target_schema}
    path = OUT / "profiles" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(profile, indent=2) + "\n")
    return path


def etl_command(*args: str) -> list[str]:
    """The real CLI, as a user runs it."""
    return [sys.executable, "-m", "etl", *args]


def etl(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run an etl command (not timed); raise with its output when it fails."""
    done = subprocess.run(etl_command(*args), cwd=ROOT, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"etl {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done


def drop_schema(schema: str) -> None:
    with pg_connect() as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def pg_checksums(schema: str, tables: list[str], max_id: int | None = None) -> dict[str, tuple[int, str]]:
    """Per table: row count and md5 over the sorted md5 of each row's text (order-independent)."""
    out = {}
    where = "" if max_id is None else f"WHERE t.app_id <= {int(max_id)}"
    with pg_connect() as conn:
        for table in tables:
            row = conn.execute(
                f"SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '') FROM "
                f'(SELECT md5(t::text) AS h FROM "{schema}"."{table}" t {where}) s'
            ).fetchone()
            out[table] = (int(row[0]), row[1])
    return out


def canonical(value: Any) -> str:
    """One value as text that PostgreSQL and SQLite rows share (SQLite keeps bools as 0/1, dates as text)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, Decimal, float)):
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":
        text = text[:10] + " " + text[11:]
    return text


def python_checksums(rows_by_table: dict[str, Any]) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent digest of canonical rows, for comparing across databases."""
    out = {}
    for table, rows in rows_by_table.items():
        digests = sorted(
            hashlib.md5("\t".join(canonical(v) for v in row).encode()).hexdigest() for row in rows
        )
        out[table] = (len(digests), hashlib.md5("".join(digests).encode()).hexdigest())
    return out


def fetch_tables(conn, tables: list[str], schema: str | None = None, max_id: int | None = None) -> dict:
    """All rows of each table (PostgreSQL with a schema, SQLite without)."""
    out = {}
    for table in tables:
        name = f'"{schema}"."{table}"' if schema else f'"{table}"'
        where = "" if max_id is None else f" WHERE app_id <= {int(max_id)}"
        out[table] = list(conn.execute(f"SELECT * FROM {name}{where}").fetchall())
    return out


@dataclass
class Timed:
    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def _tree_rss(proc) -> int:
    import psutil

    total = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in members:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_timed(cmd: list[str], interval: float = 0.05, env: dict | None = None) -> Timed:
    """Wall time of the whole process and the peak RSS of its process tree, polled with psutil."""
    import psutil

    OUT.mkdir(parents=True, exist_ok=True)
    out_path, err_path = OUT / "last.stdout", OUT / "last.stderr"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err, env=env)
        watched = psutil.Process(proc.pid)
        peak = 0
        done = threading.Event()

        def poll() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss(watched))
                done.wait(interval)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        code = proc.wait()
        seconds = time.perf_counter() - started
        done.set()
        poller.join()
    return Timed(seconds, peak / 2**20, code, out_path.read_text(), err_path.read_text())


def machine() -> dict[str, str]:
    """nproc, CPU model, memory, PostgreSQL and Python versions, for RESULTS.md."""
    import platform

    import psutil

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with pg_connect() as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    import lxml.etree

    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "postgresql": pg_version,
        "python": platform.python_version(),
        "lxml": ".".join(map(str, lxml.etree.LXML_VERSION)),
        "os": platform.platform(),
    }
