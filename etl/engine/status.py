"""status: what processing_log says about a run: per instance and overall, and the failed records."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import datetime
from typing import Any

from etl.plan import Plan


def read_status(plan: Plan) -> dict[str, Any]:
    """Done, failed (top reasons), remaining, last activity and throughput, per instance and overall."""
    from etl.connectors import connect
    from etl.target import check_source, init_target

    p = plan.profile
    st = plan.statements
    with connect(plan) as conn:
        check_source(conn, plan)
        for _ in init_target(conn, plan):
            pass  # a status before the first run shows zeros, not an error
        instances: dict[Any, dict[str, Any]] = {}
        for instance_id, status, count, first, last, ms in conn.query(st.status):
            row = instances.setdefault(
                instance_id,
                {
                    "instance_id": instance_id,
                    "success": 0,
                    "failed": 0,
                    "first_started": None,
                    "last_activity": None,
                    "busy_ms": 0,
                },
            )
            row[status] = row.get(status, 0) + int(count)
            row["first_started"] = _min(row["first_started"], first)
            row["last_activity"] = _max(row["last_activity"], last)
            row["busy_ms"] += int(ms or 0)
        bound: dict[str, Any] = {"instance_id": 0, "instance_count": 1}
        if p.run.limit is not None:
            bound["upper_bound"] = conn.query(st.limit_bound, {"limit": p.run.limit})[0][0]
        total = int(conn.query(st.source_total, bound)[0][0]) if _has_bound(p, bound) else 0
        count = p.partition.instance_count
        mine = dict(bound, instance_id=p.partition.instance_id, instance_count=count)
        partition_total = int(conn.query(st.source_total, mine)[0][0]) if _has_bound(p, mine) else 0
        reasons = top_reasons(conn.query(st.top_reasons))
    rows = sorted(instances.values(), key=lambda r: (r["instance_id"] is None, r["instance_id"]))
    for row in rows:
        row["done"] = row["success"] + row["failed"]
        row["per_second"] = _rate(row["done"], row["first_started"], row["last_activity"])
    done = sum(r["done"] for r in rows)
    overall = {
        "source_records": total,
        "success": sum(r["success"] for r in rows),
        "failed": sum(r["failed"] for r in rows),
        "done": done,
        "remaining": max(total - done, 0),
        "last_activity": _max(None, *[r["last_activity"] for r in rows]),
        "per_second": _rate(
            done,
            _min(None, *[r["first_started"] for r in rows]),
            _max(None, *[r["last_activity"] for r in rows]),
        ),
    }
    this = next((r for r in rows if r["instance_id"] == p.partition.instance_id), None)
    partition = {
        "instance_id": p.partition.instance_id,
        "instance_count": count,
        "source_records": partition_total,
    }
    partition["note"] = (
        "remaining counts this profile's partition; other counts' records may be done elsewhere"
    )
    partition["remaining"] = (
        max(partition_total - (this["done"] if this else 0), 0) if count > 1 else overall["remaining"]
    )
    return {
        "instances": rows,
        "overall": overall,
        "partition": partition,
        "top_failure_reasons": reasons,
        "mapping_hash": plan.hash,
    }


_APP_ID = re.compile(r"^app_id=-?\d+:? ")
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_INDEX = re.compile(r"\[\d+\]")
_COUNT = re.compile(r"\b\d+ (characters|elements|digits|nodes)\b")


def reason_kind(error: str) -> str:
    """A failure reason without what varies per record (app_id, values, positions, counts), so that
    `app_id=7 applicant[2].dob: '1985-13-40' is not a date` and its siblings count as one reason."""
    first = error.split("; ")[0]
    text = _APP_ID.sub("", first)
    text = _QUOTED.sub("…", text)
    text = _INDEX.sub("[*]", text)
    return _COUNT.sub(lambda m: f"N {m.group(1)}", text)


def top_reasons(rows: list[tuple], limit: int = 5) -> list[tuple[str, int]]:
    """The most frequent kinds of failure, from (error, count) rows."""
    counts: Counter[str] = Counter()
    for error, count in rows:
        counts[reason_kind(str(error))] += int(count)
    return counts.most_common(limit)


def _has_bound(profile, bound: dict) -> bool:
    return profile.run.limit is None or bound.get("upper_bound") is not None


def _min(*values):
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _max(*values):
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _rate(done: int, first: datetime | None, last: datetime | None) -> float | None:
    if not done or first is None or last is None:
        return None
    if isinstance(first, str):
        first, last = datetime.fromisoformat(first), datetime.fromisoformat(last)
    seconds = (last - first).total_seconds()
    return round(done / seconds, 1) if seconds > 0 else None


def format_status(report: dict[str, Any]) -> str:
    """The status report as a small text table."""
    o = report["overall"]
    lines = [f"{'instance':>8}  {'done':>9}  {'success':>9}  {'failed':>8}  {'rec/s':>8}  last activity"]
    for r in report["instances"]:
        rate = f"{r['per_second']:.1f}" if r["per_second"] else "-"
        lines.append(
            f"{r['instance_id'] if r['instance_id'] is not None else '-':>8}  {r['done']:>9}  "
            f"{r['success']:>9}  {r['failed']:>8}  {rate:>8}  {r['last_activity'] or '-'}"
        )
    rate = f"{o['per_second']:.1f}" if o["per_second"] else "-"
    lines.append(
        f"{'all':>8}  {o['done']:>9}  {o['success']:>9}  {o['failed']:>8}  {rate:>8}  "
        f"{o['last_activity'] or '-'}"
    )
    lines.append("")
    lines.append(f"Source records: {o['source_records']}, remaining: {o['remaining']}")
    part = report["partition"]
    if part["instance_count"] > 1:
        lines.append(
            f"Partition app_id % {part['instance_count']} == {part['instance_id']}: "
            f"{part['source_records']} records, remaining {part['remaining']}"
        )
    if report["top_failure_reasons"]:
        lines.append("Top failure reasons:")
        for reason, count in report["top_failure_reasons"]:
            lines.append(f"  {count:>6}  {reason[:200]}")
    return "\n".join(lines)


def read_failures(plan: Plan, limit: int = 100) -> list[tuple]:
    """Failed records: (app_id, instance_id, attempts, finished_at, error), by app_id."""
    from etl.connectors import connect
    from etl.target import init_target

    with connect(plan) as conn:
        for _ in init_target(conn, plan):
            pass
        return [tuple(r) for r in conn.query(plan.statements.failures, {"limit": limit})]


def format_failures(rows: list[tuple], fmt: str = "text") -> str:
    cols = ("app_id", "instance_id", "attempts", "finished_at", "error")
    if fmt == "json":
        return json.dumps([dict(zip(cols, r, strict=True)) for r in rows], indent=2, default=str)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(cols)
        writer.writerows(rows)
        return buf.getvalue().rstrip("\n")
    if not rows:
        return "no failed records"
    return "\n".join(f"app_id={r[0]} (instance {r[1]}, attempts {r[2]}, {r[3]}): {r[4]}" for r in rows)
