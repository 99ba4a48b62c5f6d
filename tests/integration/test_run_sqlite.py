"""etl run on a real SQLite file: quick start, resume, limit and partitions, failures, reprocess, status."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from etl.api import compile_profile
from etl.engine.run import run_plan
from tests.integration.runhelp import etl, processes_running, sqlite_rows


def _db(profile: Path) -> Path:
    return profile.parent / "etl.db"


def test_quick_start_runs_then_finds_nothing_new(sqlite_profile):
    profile = sqlite_profile("run: {workers: 2, batch_size: 40}\n")
    first = etl("run", str(profile), "--sample", "150")
    assert first.returncode in (0, 1), first.stderr
    assert "ProductionProcessor initialized:" in first.stderr
    assert "Extracted 150 XML records (excluding already processed and failed)" in first.stderr
    assert "Run complete:" in first.stderr
    log = sqlite_rows(_db(profile), "SELECT status, count(*) FROM processing_log GROUP BY status")
    counts = dict(log)
    assert sum(counts.values()) == 150
    assert counts.get("failed", 0) >= 1  # the generator plants bad records; they are logged, not lost
    assert first.returncode == 1  # any failed record -> exit 1
    applications = sqlite_rows(_db(profile), "SELECT count(*) FROM application")[0][0]
    assert applications == counts["success"]
    again = etl("run", str(profile), "--sample", "150")
    assert "Extracted 0 XML records" in again.stderr
    assert "Processed: 0" in again.stderr
    assert again.returncode == 0


def _dump(db: Path) -> dict[str, list[tuple]]:
    tables = [
        r[0]
        for r in sqlite_rows(
            db,
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT IN ('processing_log', 'app_xml')",
        )
    ]
    return {t: sqlite_rows(db, f'SELECT * FROM "{t}" ORDER BY 1, 2, 3') for t in tables}


def test_worker_counts_give_identical_tables(sqlite_profile, tmp_path):
    dumps = []
    for workers in (0, 1, 2):
        folder = tmp_path / f"w{workers}"
        folder.mkdir()
        profile = folder / "p.yaml"
        profile.write_text(
            sqlite_profile().read_text().replace(str(tmp_path / "etl.db"), str(folder / "etl.db"))
            + f"run: {{workers: {workers}, batch_size: 17}}\n"
        )
        assert etl("sample", str(profile), "--count", "60", "--start-id", "1").returncode == 0
        summary = run_plan(compile_profile(profile), progress="off")
        assert summary.processed == 60
        dumps.append(_dump(folder / "etl.db"))
    assert dumps[0]["applicant"], "no rows loaded"
    assert dumps[0] == dumps[1] == dumps[2]


def test_limit_and_partition_follow_the_seed(sqlite_profile):
    profile = sqlite_profile("run: {workers: 0, batch_size: 7}\n")
    assert etl("sample", str(profile), "--count", "100", "--start-id", "0").returncode == 0
    res = etl("run", str(profile), "--limit", "30", "--instance-id", "0", "--instance-count", "3")
    assert "Partition: app_id % 3 == 0" in res.stderr
    assert "Concurrent Instances: 1/3 (partition-based)" in res.stderr
    ids = [r[0] for r in sqlite_rows(_db(profile), "SELECT app_id FROM processing_log ORDER BY app_id")]
    assert ids == list(range(0, 30, 3))
    # Changing the instance count later is safe: what is done stays done, the rest gets processed once.
    for i in range(2):
        etl("run", str(profile), "--instance-id", str(i), "--instance-count", "2")
    ids = [r[0] for r in sqlite_rows(_db(profile), "SELECT app_id FROM processing_log ORDER BY app_id")]
    assert ids == list(range(100))
    dupes = sqlite_rows(_db(profile), "SELECT app_id FROM application GROUP BY app_id HAVING count(*) > 1")
    assert dupes == []


def test_failed_records_are_excluded_until_retried(sqlite_profile):
    profile = sqlite_profile("run: {workers: 0, batch_size: 50}\n")
    etl("sample", str(profile), "--count", "200", "--start-id", "1")
    etl("run", str(profile))
    failed = sqlite_rows(_db(profile), "SELECT app_id, attempts FROM processing_log WHERE status = 'failed'")
    assert failed and all(a == 1 for _, a in failed)
    res = etl("run", str(profile))
    assert "Extracted 0 XML records" in res.stderr
    res = etl("run", str(profile), "--retry-failed")
    assert f"Extracted {len(failed)} XML records (excluding already processed)" in res.stderr
    again = sqlite_rows(_db(profile), "SELECT app_id, attempts FROM processing_log WHERE status = 'failed'")
    assert sorted(again) == sorted((i, 2) for i, _ in failed)
    listing = etl("failures", str(profile))
    assert listing.returncode == 0
    assert f"app_id={failed[0][0]} " in listing.stdout


def test_a_record_the_database_rejects_fails_alone(sqlite_profile, tmp_path):
    profile = sqlite_profile("run: {workers: 0, batch_size: 40}\n")
    etl("sample", str(profile), "--count", "40", "--start-id", "1")
    assert etl("init", str(profile)).returncode == 0
    with sqlite3.connect(_db(profile)) as conn:
        # A trigger the mapping knows nothing about rejects one record's application row.
        conn.execute(
            "CREATE TRIGGER reject_7 BEFORE INSERT ON application WHEN NEW.app_id = 7 "
            "BEGIN SELECT RAISE(ABORT, 'app 7 is embargoed'); END"
        )
    res = etl("run", str(profile))
    log = dict(sqlite_rows(_db(profile), "SELECT app_id, status FROM processing_log"))
    assert len(log) == 40
    assert log[7] == "failed"
    reason = sqlite_rows(_db(profile), "SELECT error FROM processing_log WHERE app_id = 7")[0][0]
    assert "embargoed" in reason
    ok = [i for i, s in log.items() if s == "success"]
    assert sqlite_rows(_db(profile), "SELECT count(*) FROM application")[0][0] == len(ok)
    assert res.returncode == 1


def test_reprocess_replaces_a_records_rows(sqlite_profile):
    profile = sqlite_profile("run: {workers: 0}\n")
    etl("sample", str(profile), "--count", "20", "--start-id", "1")
    etl("run", str(profile))
    good = sqlite_rows(_db(profile), "SELECT app_id FROM processing_log WHERE status='success' LIMIT 1")[0][0]
    before = sqlite_rows(_db(profile), f"SELECT count(*) FROM liability WHERE app_id = {good}")[0][0]
    with sqlite3.connect(_db(profile)) as conn:
        xml = conn.execute("SELECT app_xml FROM app_xml WHERE app_id = ?", (good,)).fetchone()[0]
        # One more liability in the source document: reprocessing must show exactly one more row.
        extra = '<Liability type="OTHER"><Creditor>X</Creditor><Balance>1.00</Balance></Liability>'
        xml = xml.replace("</Liabilities>", extra + "</Liabilities>")
        if "</Liabilities>" not in xml:
            xml = xml.replace(
                "</CreditApplication>", f"<Liabilities>{extra}</Liabilities></CreditApplication>"
            )
        conn.execute("UPDATE app_xml SET app_xml = ? WHERE app_id = ?", (xml, good))
    res = etl("run", str(profile), "--reprocess", str(good))
    assert "Reprocessing 1 record(s)" in res.stderr, res.stderr
    after = sqlite_rows(_db(profile), f"SELECT count(*) FROM liability WHERE app_id = {good}")[0][0]
    assert after == before + 1
    assert sqlite_rows(_db(profile), f"SELECT attempts FROM processing_log WHERE app_id = {good}")[0][0] == 2
    total = sqlite_rows(_db(profile), "SELECT count(*) FROM processing_log")[0][0]
    assert total == 20


def test_status_reports_done_failed_remaining(sqlite_profile):
    profile = sqlite_profile("run: {workers: 0}\n")
    etl("sample", str(profile), "--count", "90", "--start-id", "1")
    etl("run", str(profile), "--limit", "60")
    res = etl("status", str(profile), "--format", "json")
    assert res.returncode == 0, res.stderr
    import json

    report = json.loads(res.stdout)
    assert report["overall"]["done"] == 60
    assert report["overall"]["success"] + report["overall"]["failed"] == 60
    text = etl("status", str(profile)).stdout
    assert "all" in text and "remaining" in text


def test_reprocess_all_reloads_every_logged_record_once(sqlite_profile):
    profile = sqlite_profile("run: {workers: 1, batch_size: 8}\n")
    etl("sample", str(profile), "--count", "30", "--start-id", "1")
    etl("run", str(profile), "--limit", "20")
    before = _dump(_db(profile))
    res = etl("run", str(profile), "--reprocess-all")
    assert "Reprocessing 20 record(s)" in res.stderr, res.stderr
    log = sqlite_rows(_db(profile), "SELECT app_id, attempts FROM processing_log ORDER BY app_id")
    assert [a for _, a in log[:20]] == [2] * 20  # reloaded
    assert [a for _, a in log[20:]] == [1] * 10  # then the rest of the partition, once
    after = _dump(_db(profile))
    apps = {t: [r for r in rows if r[0] <= 20] for t, rows in after.items()}
    assert apps == before


def test_pooled_connections_load_the_same(sqlite_profile):
    profile = sqlite_profile(
        "run: {workers: 1, batch_size: 25}\npool: {enabled: true, min_size: 2, max_size: 4}\n"
    )
    etl("sample", str(profile), "--count", "50", "--start-id", "1")
    res = etl("run", str(profile), "--enable-pooling", "--min-pool-size", "2", "--max-pool-size", "3")
    assert "Connection Pooling: enabled (min=2, max=3)" in res.stderr
    assert sqlite_rows(_db(profile), "SELECT count(*) FROM processing_log")[0][0] == 50


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _wait_for_log(db: Path, at_least: int, proc) -> None:

    while proc.poll() is None:
        try:
            if sqlite_rows(db, "SELECT count(*) FROM processing_log")[0][0] >= at_least:
                return
        except sqlite3.OperationalError:
            pass  # not created yet
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize("how", ["kill a worker", "SIGTERM"])
def test_a_run_that_loses_a_worker_or_is_terminated_stops_cleanly_and_resumes(sqlite_profile, how):
    import signal
    import subprocess
    import sys

    profile = sqlite_profile("run: {workers: 2, batch_size: 20}\n")
    etl("sample", str(profile), "--count", "6000", "--start-id", "1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", "run", str(profile)], stderr=subprocess.PIPE, text=True
    )
    _wait_for_log(_db(profile), 200, proc)
    if how == "SIGTERM":
        proc.send_signal(signal.SIGTERM)
    else:
        workers = _children(proc.pid)
        assert workers, "no worker processes found"
        os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run finished before it could be interrupted")
    assert "Traceback" not in err, err[-2000:]
    if how == "SIGTERM":
        assert proc.returncode == 130 and err.rstrip().endswith("interrupted")
    else:
        assert proc.returncode == 1 and "a mapping worker process died" in err
    time.sleep(0.5)  # the kernel delivers the parent-death signal to workers asynchronously
    assert processes_running(str(profile)) == []
    res = etl("run", str(profile))
    assert "Run complete:" in res.stderr
    log = sqlite_rows(_db(profile), "SELECT count(*), count(DISTINCT app_id) FROM processing_log")[0]
    assert log == (6000, 6000)
    loaded = sqlite_rows(_db(profile), "SELECT count(*), count(DISTINCT app_id) FROM application")[0]
    ok = sqlite_rows(_db(profile), "SELECT count(*) FROM processing_log WHERE status = 'success'")[0][0]
    assert loaded == (ok, ok)
