"""report: measured approaches -> the results table, targets, machine, profile summary; RESULTS.md."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bench.harness import OUT, ROOT, drop_schema, etl_command, machine, write_profile

RESULTS = ROOT / "bench" / "RESULTS.md"
NOTES_MARK = "<!-- notes: everything below this line is kept when bench/run.py rewrites the file -->"


def _median(a) -> float:
    return statistics.median(a.rates) if a.rates else float("nan")


def _find(todo, name):
    return next(a for a in todo if a.name == name)


def table(todo) -> list[str]:
    seed = _median(_find(todo, "seed approach (psycopg)"))
    xt = _median(_find(todo, "XMLTABLE in PostgreSQL"))
    parse = _median(_find(todo, "bound: lxml parse only"))
    lines = [
        "| approach | N | records/s median | min | max | x seed | x XMLTABLE | x parse-only | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for a in todo:
        m = _median(a)
        lines.append(
            f"| {a.name} | {a.records:,} | {m:,.0f} | {min(a.rates):,.0f} | {max(a.rates):,.0f} | "
            f"{m / seed:.1f}x | {m / xt:.1f}x | {m / parse:.2f}x | {max(a.rss):,.0f} |"
        )
    return lines


def targets(todo, rss: dict[int, float]) -> list[str]:
    def rate(name):
        return _median(_find(todo, name))

    pg2, seed, seed_odbc = (
        rate("etl run pg psycopg 2 workers"),
        rate("seed approach (psycopg)"),
        rate("seed approach (pyodbc)"),
    )
    xt, odbc, lite2 = (
        rate("XMLTABLE in PostgreSQL"),
        rate("etl run pg odbc 2 workers"),
        rate("etl run sqlite 2 workers"),
    )
    pmap, parse = rate("bound: parse + map (etl Mapper)"), rate("bound: lxml parse only")
    (n1, r1), (n4, r4) = sorted(rss.items())
    rows = [
        ("etl run pg psycopg 2 workers >= 20x seed approach", f"{pg2 / seed:.1f}x", pg2 / seed >= 20),
        ("etl run pg psycopg 2 workers >= 10x XMLTABLE", f"{pg2 / xt:.1f}x", pg2 / xt >= 10),
        ("etl run pg psycopg 2 workers ~4,000 records/s or more", f"{pg2:,.0f}/s", pg2 >= 4000),
        (
            "etl run pg odbc 2 workers >= 10x seed approach through pyodbc",
            f"{odbc / seed_odbc:.1f}x",
            odbc / seed_odbc >= 10,
        ),
        ("etl run sqlite 2 workers >= 3,000 records/s", f"{lite2:,.0f}/s", lite2 >= 3000),
        ("parse + map on one core >= 0.5x parse-only", f"{pmap / parse:.2f}x", pmap / parse >= 0.5),
        (
            f"peak RSS at 4N ({n4:,}) within 10% of N ({n1:,})",
            f"{r4:.0f} vs {r1:.0f} MB ({(r4 / r1 - 1) * 100:+.1f}%)",
            r4 <= 1.1 * r1,
        ),
    ]
    out = ["| target | measured | met |", "|---|---:|---|"]
    out += [f"| {t} | {m} | {'yes' if ok else '**no**'} |" for t, m, ok in rows]
    return out


def render(args, todo, rss: dict[int, float], profile: list[str] | None, seconds: float) -> str:
    m = machine()
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    cmd = "python bench/run.py " + " ".join(sys.argv[1:])
    lines = [
        "# Benchmark results",
        "",
        f"Made by `{cmd.strip()}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {seconds / 60:.1f} min "
        f"({args.rounds} round(s), interleaved, every approach into a fresh target each round).",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory']} memory, PostgreSQL {m['postgresql']} on the same "
        f"machine, Python {m['python']}, lxml {m['lxml']}, {m['os']}. Load average when the report was written "
        f"(1/5/15 min): {load}; above ~0.5 means other work shared the cores during the run.",
        "",
        f"Corpus: {args.n:,} `etl sample` documents (seed {args.seed}); etl run with --batch-size "
        f"{args.batch_size}.",
        "",
        *table(todo),
        "",
        "Every row's tables were checked against a reference `etl run` (per-table row count and md5 of the "
        "sorted row md5s; SQLite rows through a canonical text form) in every round. Slow peers ran on the "
        "first N records and were compared on that prefix. etl run and peers: wall time of the whole process "
        "(start-up included); bounds: the measured phase only. Peak RSS: the process tree polled with psutil "
        "every 50 ms (the PostgreSQL server's memory is not counted, so XMLTABLE's work is not in its RSS).",
        "",
        "## Targets (issue 6)",
        "",
        *targets(todo, rss),
        "",
        "## Peak RSS of etl run (psycopg, 2 workers)",
        "",
        *[f"- {n:,} records: {mb:.0f} MB" for n, mb in sorted(rss.items())],
        "",
    ]
    if profile:
        lines += ["## Profile of etl run (py-spy, psycopg, 2 workers)", "", *profile, ""]
    return "\n".join(lines)


def write(text: str) -> None:
    """Rewrite RESULTS.md, keeping the hand-written notes after NOTES_MARK."""
    notes = ""
    if RESULTS.exists():
        old = RESULTS.read_text()
        if NOTES_MARK in old:
            notes = old[old.index(NOTES_MARK) + len(NOTES_MARK) :]
    RESULTS.write_text(f"{text}\n{NOTES_MARK}{notes or chr(10)}")


# Entry points every sample of the etl process passes through: they say nothing about where time goes.
_WRAPPERS = {"<module>", "main", "dispatch", "run", "run_plan"}
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def _frame_name(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    file = m["file"]
    for anchor in ("/etl/", "/site-packages/", "/lib/python"):
        if anchor in file:
            file = file[file.index(anchor) + 1 :]
            break
    return f"{m['func']} ({file})"


def py_spy(args, log) -> list[str]:
    """Record etl run under py-spy (workers included) and summarise where the samples fall."""
    n = args.n
    drop_schema("bench_prof")
    profile = write_profile(
        "prof", dialect="postgresql", target_schema="bench_prof", workers=2, batch_size=args.batch_size
    )
    raw = OUT / "profile.txt"
    log(f"profile: py-spy record --subprocesses on etl run ({n:,} records) ...")
    subprocess.run(
        [
            "py-spy",
            "record",
            "--subprocesses",
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(raw),
            "--",
            *etl_command("run", str(profile), "--progress", "off"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    drop_schema("bench_prof")
    if not raw.exists():
        return ["py-spy produced no profile (is py-spy installed and allowed to ptrace?)"]
    return summarise(raw)


def summarise(raw: Path, top: int = 14) -> list[str]:
    """Samples by process role, by leaf function (self) and by etl function (inclusive)."""
    roles: Counter = Counter()
    leaf: Counter = Counter()
    inclusive: Counter = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        k = int(count)
        total += k
        parts = stack.split(";")
        frames = [_frame_name(f) for f in parts if f and not f.startswith("process ")]
        is_worker = sum(f.startswith("process ") for f in parts) > 1  # a child of the etl process
        idle = bool(frames) and frames[-1].split(" ")[0].rsplit(".", 1)[-1] in (
            "wait",
            "select",
            "poll",
            "_recv",
            "recv",
            "_recv_bytes",
            "acquire",
            "get",
        )
        role = "mapping workers" if is_worker else "main process (extract, load)"
        roles[f"{role}{' idle/waiting' if idle else ''}"] += k
        if frames:
            leaf[frames[-1]] += k
        for f in set(frames):
            if "(etl/" in f and f.split(" ")[0] not in _WRAPPERS:
                inclusive[f] += k
    if not total:
        return ["py-spy recorded no samples"]

    def pct(k):
        return f"{100 * k / total:.1f}%"

    out = [
        f"{total:,} samples at 200 Hz across all processes (idle threads included where py-spy saw them).",
        "",
        "| process role | share of samples |",
        "|---|---:|",
    ]
    out += [f"| {r} | {pct(k)} |" for r, k in roles.most_common()]
    out += ["", "| leaf function (self time) | share |", "|---|---:|"]
    out += [f"| `{f}` | {pct(k)} |" for f, k in leaf.most_common(top)]
    out += ["", "| etl function (inclusive) | share |", "|---|---:|"]
    out += [f"| `{f}` | {pct(k)} |" for f, k in inclusive.most_common(top)]
    return out
