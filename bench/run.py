"""run: the benchmark's single entry point: corpus, every approach in interleaved rounds, checks, RESULTS.md.

    python bench/run.py [--n 20000] [--rounds 3] [--quick] [--profile]

Every approach loads a fresh target each round; its tables are compared with a reference `etl run`
(row count and order-independent checksum per table) and a difference stops the benchmark.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import corpus as corpus_mod
from bench import report
from bench.harness import (
    OUT,
    drop_schema,
    etl,
    etl_command,
    fetch_tables,
    layout,
    pg_checksums,
    pg_connect,
    python_checksums,
    run_timed,
    write_profile,
)

RSS_TABLE = "bench.app_xml_rss"


@dataclass
class Approach:
    name: str
    kind: str  # etl | peer | bound
    records: int
    note: str = ""
    rates: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    # how to run it
    dialect: str = "postgresql"
    connector: str | None = None
    workers: int = 0
    command: str = ""  # peer module or bound kind

    def slug(self) -> str:
        return "".join(ch if ch.isalnum() else "_" for ch in self.name.lower()).strip("_")[:40]


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.tables = [t.name for t in layout().tables]
        self.corpus: corpus_mod.Corpus | None = None
        self._ref_pg: dict[int, dict] = {}
        self._ref_py: dict | None = None

    def log(self, text: str) -> None:
        print(text, flush=True)

    # --- the reference: an untimed etl run, before any timing ---------------------------------------------
    def reference(self) -> None:
        drop_schema("bench_ref")
        profile = write_profile(
            "ref", dialect="postgresql", target_schema="bench_ref", workers=2, batch_size=self.args.batch_size
        )
        self.log("reference: etl run (psycopg, 2 workers) into bench_ref, untimed ...")
        done = run_timed(etl_command("run", str(profile), "--progress", "off"))
        if done.returncode not in (0, 1):
            raise SystemExit(f"reference etl run failed ({done.returncode}):\n{done.stderr[-3000:]}")
        ref = self.ref_pg(self.corpus.max_id())
        self.log("reference: " + ", ".join(f"{t} {n}" for t, (n, _) in ref.items()))

    def ref_pg(self, max_id: int) -> dict:
        if max_id not in self._ref_pg:
            self._ref_pg[max_id] = pg_checksums("bench_ref", self.tables, max_id)
        return self._ref_pg[max_id]

    def ref_py(self) -> dict:
        if self._ref_py is None:
            with pg_connect() as conn:
                self._ref_py = python_checksums(fetch_tables(conn, self.tables, "bench_ref"))
        return self._ref_py

    def same(self, name: str, got: dict, want: dict) -> None:
        """A peer that loads other tables than etl is a bug to fix, not a row to print."""
        bad = [f"{t}: {got.get(t)} != {want[t]}" for t in want if got.get(t) != want[t]]
        if bad:
            raise SystemExit(f"{name}: tables differ from etl run's:\n  " + "\n  ".join(bad))

    # --- one timed run of one approach --------------------------------------------------------------------
    def once(self, a: Approach, round_no: int) -> None:
        c = self.corpus
        max_id = c.max_id(a.records)
        schema = f"bench_r{round_no}_{a.slug()}"
        if a.kind == "etl":
            if a.dialect == "sqlite":
                target = OUT / f"run_{a.slug()}.db"
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{target}{suffix}").unlink(missing_ok=True)
                shutil.copyfile(c.sqlite_file, target)
                profile = write_profile(
                    a.slug(),
                    dialect="sqlite",
                    sqlite_file=target,
                    workers=a.workers,
                    batch_size=self.args.batch_size,
                )
            else:
                drop_schema(schema)
                profile = write_profile(
                    a.slug(),
                    dialect="postgresql",
                    target_schema=schema,
                    connector=a.connector,
                    workers=a.workers,
                    batch_size=self.args.batch_size,
                )
            done = run_timed(etl_command("run", str(profile), "--progress", "off"))
            if done.returncode not in (0, 1):
                raise SystemExit(f"{a.name}: etl run exited {done.returncode}:\n{done.stderr[-3000:]}")
            seconds = done.seconds
            if a.dialect == "sqlite":
                import sqlite3

                with sqlite3.connect(target) as conn:
                    got = python_checksums(fetch_tables(conn, self.tables))
                self.same(a.name, got, self.ref_py())
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{target}{suffix}").unlink(missing_ok=True)
            else:
                self.same(a.name, pg_checksums(schema, self.tables), self.ref_pg(max_id))
                drop_schema(schema)
        elif a.kind == "peer":
            drop_schema(schema)
            etl("init", str(write_profile(a.slug(), dialect="postgresql", target_schema=schema)))
            cmd = [sys.executable, "-m", a.command, "--schema", schema, "--max-id", str(max_id)]
            if a.connector:
                cmd += ["--connector", a.connector]
            done = run_timed(cmd)
            if done.returncode != 0:
                raise SystemExit(f"{a.name}: exited {done.returncode}:\n{done.stderr[-3000:]}")
            seconds = done.seconds
            self.same(a.name, pg_checksums(schema, self.tables), self.ref_pg(max_id))
            drop_schema(schema)
        else:
            import json

            cmd = [
                sys.executable,
                "-m",
                "bench.bounds",
                a.command,
                "--max-id",
                str(max_id),
                "--batch-size",
                str(self.args.batch_size),
            ]
            if a.command == "copy":
                drop_schema(schema)
                etl("init", str(write_profile(a.slug(), dialect="postgresql", target_schema=schema)))
                cmd += ["--schema", schema]
            done = run_timed(cmd)
            if done.returncode != 0:
                raise SystemExit(f"{a.name}: exited {done.returncode}:\n{done.stderr[-3000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            seconds = result["seconds"]
            if result["records"] != a.records:
                raise SystemExit(f"{a.name}: saw {result['records']} records, expected {a.records}")
            if a.command == "map":
                want = {t: n for t, (n, _) in self.ref_pg(max_id).items()}
                self.same(a.name, result["rows"], want)
            if a.command == "copy":
                self.same(a.name, pg_checksums(schema, self.tables), self.ref_pg(max_id))
                drop_schema(schema)
        a.rates.append(a.records / seconds)
        a.rss.append(done.peak_rss_mb)
        self.log(
            f"  round {round_no}: {a.name:<34} {a.records:>6} records {seconds:7.2f} s "
            f"{a.records / seconds:8.0f} rec/s  peak RSS {done.peak_rss_mb:6.0f} MB"
        )

    # --- peak RSS of etl run at N and 4N --------------------------------------------------------------------
    def rss_scaling(self, n: int) -> dict[int, float]:
        corpus_mod.ensure_pg(4 * n, self.args.seed, RSS_TABLE, self.log)
        out = {}
        for count, limit in ((n, ["--limit", str(n)]), (4 * n, [])):
            drop_schema("bench_rss")
            profile = write_profile(
                "rss",
                dialect="postgresql",
                target_schema="bench_rss",
                workers=2,
                batch_size=self.args.batch_size,
                source_table=RSS_TABLE,
            )
            done = run_timed(etl_command("run", str(profile), "--progress", "off", *limit))
            if done.returncode not in (0, 1):
                raise SystemExit(f"rss run exited {done.returncode}:\n{done.stderr[-3000:]}")
            out[count] = done.peak_rss_mb
            self.log(
                f"  peak RSS of etl run at {count} records: {done.peak_rss_mb:.0f} MB ({done.seconds:.1f} s, "
                f"{count / done.seconds:.0f} rec/s)"
            )
        drop_schema("bench_rss")
        return out


def approaches(n: int, quick: bool) -> list[Approach]:
    seed_n, odbc_n, pandas_n, xt_n = (min(n, k) for k in (2000, 1000, 2000, 5000))
    return [
        Approach("etl run pg psycopg 1 worker", "etl", n, workers=1),
        Approach("etl run pg psycopg 2 workers", "etl", n, workers=2),
        Approach("etl run pg odbc 2 workers", "etl", n, workers=2, connector="odbc"),
        Approach("etl run sqlite 1 worker", "etl", n, workers=1, dialect="sqlite"),
        Approach("etl run sqlite 2 workers", "etl", n, workers=2, dialect="sqlite"),
        Approach("seed approach (psycopg)", "peer", seed_n, command="bench.peers.seed_approach"),
        Approach(
            "seed approach (pyodbc)", "peer", odbc_n, command="bench.peers.seed_approach", connector="odbc"
        ),
        Approach("pandas read_xml + to_sql", "peer", pandas_n, command="bench.peers.pandas_peer"),
        Approach("XMLTABLE in PostgreSQL", "peer", xt_n, command="bench.peers.xmltable_peer"),
        Approach("bound: fetch only", "bound", n, command="fetch"),
        Approach("bound: lxml parse only", "bound", n, command="parse"),
        Approach("bound: parse + map (etl Mapper)", "bound", n, command="map"),
        Approach("bound: COPY of mapped rows", "bound", n, command="copy"),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20000, help="corpus size (default 20000)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--batch-size", type=int, default=200, help="etl run --batch-size (default 200)")
    ap.add_argument("--quick", action="store_true", help="N=2000, 1 round: a smoke check in a few minutes")
    ap.add_argument("--profile", action="store_true", help="also py-spy the psycopg 2-worker etl run")
    ap.add_argument("--only", metavar="TEXT", help="run only approaches whose name contains TEXT (no report)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = ap.parse_args()
    if args.quick:
        args.n, args.rounds = 2000, 1
    rss_n = 1000 if args.quick else args.n
    started = time.time()
    bench = Bench(args)
    bench.corpus = corpus_mod.ensure(args.n, args.seed, bench.log)
    bench.reference()
    todo = approaches(args.n, args.quick)
    if args.only:
        todo = [a for a in todo if args.only.lower() in a.name.lower()]
    for r in range(1, args.rounds + 1):
        shift = (r - 1) % len(todo)
        bench.log(f"round {r}/{args.rounds}")
        for a in todo[shift:] + todo[:shift]:
            bench.once(a, r)
    if args.only:
        return
    bench.log("peak RSS scaling")
    rss = bench.rss_scaling(rss_n)
    profile = report.py_spy(args, bench.log) if args.profile else None
    text = report.render(args, todo, rss, profile, time.time() - started)
    print(text)
    if not args.no_write:
        report.write(text)
    drop_schema("bench_ref")


if __name__ == "__main__":
    main()
