"""etl run on a real PostgreSQL: kill -9 at random moments, concurrent and misconfigured instances, ODBC."""

from __future__ import annotations

import random
import signal
import time

import pytest

from tests.integration.runhelp import etl, pg_checksums, pg_log, processes_running, start

N = 1200


@pytest.fixture
def loaded_source(pg_profile, pg_dsn, pg_schema):
    """A profile whose source holds N sample documents, app_id 0..N-1."""
    profile = pg_profile("run: {workers: 2, batch_size: 25}\n")
    res = etl("sample", str(profile), "--count", str(N), "--start-id", "0")
    assert res.returncode == 0, res.stderr
    return profile


def _clean_run_checksums(pg_profile, pg_dsn, pg_schema, tmp_path) -> dict:
    """Checksums of an uninterrupted single-instance run into a second schema over the same source."""
    import psycopg

    ref = f"{pg_schema}_ref"
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{ref}"')
    try:
        text = pg_profile("run: {workers: 2, batch_size: 100}\n", name="ref.yaml").read_text()
        profile = tmp_path / "ref.yaml"
        profile.write_text(text.replace(f"target: {{schema: {pg_schema}}}", f"target: {{schema: {ref}}}"))
        res = etl("run", str(profile))
        assert res.returncode in (0, 1), res.stderr
        return pg_checksums(pg_dsn, ref)
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{ref}" CASCADE')


def _assert_nothing_left_behind(dsn: str, profile: str) -> None:
    """After kill -9 of a run: no orphaned worker lives on, and the server has ended its sessions (a
    worker holding a copy of the loader's socket would keep its transaction, and its locks, open)."""
    import psycopg

    deadline = time.monotonic() + 10
    while True:
        orphans = processes_running(profile)
        with psycopg.connect(dsn) as conn:
            open_tx = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
            ).fetchone()[0]
        if not orphans and not open_tx:
            return
        assert time.monotonic() < deadline, (
            f"left behind: {len(orphans)} processes, {open_tx} open transactions"
        )
        time.sleep(0.1)


def _finish(procs) -> None:
    """Wait for every process; each must have run to its summary (exit 1 only for failed records)."""
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode in (0, 1) and "Run complete:" in err, err[-3000:]


def _assert_exactly_once(pg_dsn, pg_schema, reference):
    log = pg_log(pg_dsn, pg_schema)
    assert [r[0] for r in log] == list(range(N)), "processing_log must hold every record exactly once"
    assert pg_checksums(pg_dsn, pg_schema) == reference


@pytest.mark.slow
def test_kill_9_at_random_moments_then_rerun_equals_a_clean_run(
    loaded_source, pg_profile, pg_dsn, pg_schema, tmp_path
):
    assert etl("init", str(loaded_source)).returncode == 0
    rng = random.Random(7)
    kills = 0
    for _ in range(4):
        # Kill when the log has grown by a random share of the corpus: a random point of the run,
        # whatever the machine's speed (mid-batch, mid-COPY or between commits).
        done = len(pg_log(pg_dsn, pg_schema))
        target = done + int(rng.uniform(0.03, 0.2) * N)
        proc = start("run", str(loaded_source))
        deadline = time.monotonic() + 120
        while proc.poll() is None and len(pg_log(pg_dsn, pg_schema)) < target:
            assert time.monotonic() < deadline, "the run made no progress (blocked on a lock?)"
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.05))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        _assert_nothing_left_behind(pg_dsn, str(loaded_source))
    assert kills >= 3, "the runs finished before they could be killed"
    partial = len(pg_log(pg_dsn, pg_schema))
    assert 0 < partial <= N
    res = etl("run", str(loaded_source))
    assert res.returncode in (0, 1), res.stderr
    _assert_exactly_once(pg_dsn, pg_schema, _clean_run_checksums(pg_profile, pg_dsn, pg_schema, tmp_path))


@pytest.mark.slow
def test_three_concurrent_instances_process_each_record_once(
    loaded_source, pg_profile, pg_dsn, pg_schema, tmp_path
):
    procs = [
        start("run", str(loaded_source), "--instance-id", str(i), "--instance-count", "3", "--workers", "1")
        for i in range(3)
    ]
    _finish(procs)
    log = pg_log(pg_dsn, pg_schema)
    assert all(instance == app_id % 3 for app_id, _, instance, _ in log)
    import psycopg

    with psycopg.connect(pg_dsn) as conn:  # the seed's verification query
        per_instance = dict(
            conn.execute(
                f'SELECT instance_id, COUNT(*) FROM "{pg_schema}".processing_log '
                "WHERE instance_id IS NOT NULL GROUP BY instance_id"
            ).fetchall()
        )
    assert per_instance == {0: 400, 1: 400, 2: 400}
    _assert_exactly_once(pg_dsn, pg_schema, _clean_run_checksums(pg_profile, pg_dsn, pg_schema, tmp_path))


@pytest.mark.slow
def test_two_processes_with_the_same_instance_id_load_each_record_once(
    loaded_source, pg_profile, pg_dsn, pg_schema, tmp_path
):
    procs = [start("run", str(loaded_source), "--workers", "1", "--batch-size", "10") for _ in range(2)]
    _finish(procs)
    _assert_exactly_once(pg_dsn, pg_schema, _clean_run_checksums(pg_profile, pg_dsn, pg_schema, tmp_path))


@pytest.mark.slow
def test_different_instance_counts_over_the_same_tables_load_each_record_once(
    loaded_source, pg_profile, pg_dsn, pg_schema, tmp_path
):
    # Instance 0 of 2 and instances 0..2 of 3 run at the same time: their partitions overlap.
    procs = [
        start("run", str(loaded_source), "--instance-id", "0", "--instance-count", "2", "--workers", "1")
    ]
    procs += [
        start("run", str(loaded_source), "--instance-id", str(i), "--instance-count", "3", "--workers", "1")
        for i in range(3)
    ]
    _finish(procs)
    _assert_exactly_once(pg_dsn, pg_schema, _clean_run_checksums(pg_profile, pg_dsn, pg_schema, tmp_path))


def test_odbc_connector_loads_the_same_tables_as_psycopg(pg_profile, pg_dsn, pg_schema, odbc_ready, tmp_path):
    # 150 per batch: a 100-row multi-row claim and insert, then the rest row by row.
    profile = pg_profile("run: {workers: 1, batch_size: 150}\n", connector="odbc", name="odbc.yaml")
    assert etl("sample", str(profile), "--count", "400", "--start-id", "0").returncode == 0
    res = etl("run", str(profile))
    assert res.returncode in (0, 1), res.stderr
    assert "Run complete:" in res.stderr
    log = pg_log(pg_dsn, pg_schema)
    assert [r[0] for r in log] == list(range(400))
    reference = _clean_run_checksums(pg_profile, pg_dsn, pg_schema, tmp_path)
    assert pg_checksums(pg_dsn, pg_schema) == reference


def test_limit_partition_and_resume_on_postgres(pg_profile, pg_dsn, pg_schema):
    profile = pg_profile("run: {workers: 0, batch_size: 4}\n")
    assert etl("sample", str(profile), "--count", "100", "--start-id", "0").returncode == 0
    etl("run", str(profile), "--limit", "30", "--instance-id", "0", "--instance-count", "3")
    assert [r[0] for r in pg_log(pg_dsn, pg_schema)] == list(range(0, 30, 3))
    res = etl("run", str(profile), "--limit", "30", "--instance-id", "0", "--instance-count", "3")
    assert "Extracted 0 XML records" in res.stderr
    etl("run", str(profile))
    assert [r[0] for r in pg_log(pg_dsn, pg_schema)] == list(range(100))


def test_text_with_copy_special_characters_round_trips(pg_profile, pg_dsn, pg_schema):
    import psycopg

    profile = pg_profile("run: {workers: 1, batch_size: 10}\n")
    assert etl("sample", str(profile), "--count", "5", "--start-id", "1").returncode == 0
    tricky = "Tab\there, new\nline, back\\slash \\N, CR\r, Ünïcødé"
    escaped = tricky.replace("&", "&amp;").replace("<", "&lt;").replace("\r", "&#13;")
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        xml = conn.execute(f'SELECT app_xml FROM "{pg_schema}".app_xml WHERE app_id = 1').fetchone()[0]
        head, sep, tail = xml.partition("<City>")
        xml = head + sep + escaped + tail[tail.index("</City>") :]
        conn.execute(f'UPDATE "{pg_schema}".app_xml SET app_xml = %s WHERE app_id = 1', (xml,))
    res = etl("run", str(profile))
    assert "Run complete:" in res.stderr, res.stderr
    with psycopg.connect(pg_dsn) as conn:
        city = conn.execute(
            f'SELECT city FROM "{pg_schema}".address WHERE app_id = 1 '
            "ORDER BY applicant_seq, address_seq LIMIT 1"
        ).fetchone()[0]
    assert city == tricky.strip()
