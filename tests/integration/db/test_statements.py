"""Every rendered statement, executed for real on SQLite, PostgreSQL (psycopg) and PostgreSQL over ODBC."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.errors import LoadError
from etl.mapping import Mapper
from etl.sample import documents
from etl.target import fill_sample, init_target
from tests.integration.db.conftest import extract_all, log_row

RESERVED_MAPPING = (Path(__file__).resolve().parents[2] / "data" / "reserved_words.yaml").read_text()
RESERVED_DOC = """<Order><Select>Zoë's "best"</Select><Where>12.50</Where><Users>
<User table="true"><From>2025-01-02T03:04:05</From><Key>%s</Key><Groups><Group>a</Group><Group>b%%</Group></Groups></User>
<User table="false"><Groups><Group>c</Group></Groups></User></Users></Order>""" % ("k" * 5000)


def test_init_is_idempotent_and_drop_recreates(make_plan, conn_of) -> None:
    plan = make_plan()
    conn = conn_of(plan)
    first = init_target(conn, plan)
    assert first[0].startswith("created: table ") and first[-1].endswith("processing_log (processing log)")
    assert len(first) == len(plan.layout.tables) + 1
    again = init_target(conn, plan)
    assert all(line.startswith("exists: ") for line in again)
    with conn.transaction():
        conn.executemany(plan.statements.claim, [log_row(plan, 1, "success")])
    dropped = init_target(conn, plan, drop=True)
    assert dropped[0].startswith("dropped table ") and "decision_reason" in dropped[0]
    assert sum(line.startswith("dropped") for line in dropped) == len(plan.layout.tables) + 1
    assert conn.query(plan.statements.claimed, {"batch_id": "b1"}) == []


def test_sample_appends_after_the_largest_id(make_plan, conn_of) -> None:
    plan = make_plan()
    conn = conn_of(plan)
    assert fill_sample(conn, plan, 30, seed=3) == (1, 30)
    assert fill_sample(conn, plan, 5, seed=3) == (31, 35)
    assert conn.query(plan.statements.source_max_id) == [(35,)]
    [(app_id, xml)] = conn.query(plan.statements.extract_ids, {"app_id": 31})
    assert isinstance(xml, (str, bytes))
    assert (app_id, xml if isinstance(xml, str) else xml.decode()) == next(documents(1, seed=3, start_id=31))


def test_partition_covers_negative_ids_once(make_plan, conn_of) -> None:
    plan = make_plan("run: {batch_size: 4}\n")
    conn = conn_of(plan)
    init_target(conn, plan)
    fill_sample(conn, plan, 15, start_id=-7)
    seen = []
    for instance in range(3):
        ids = extract_all(conn, plan, instance, 3)
        assert ids == sorted(ids)
        assert all(i % 3 == instance for i in ids)  # Python's % is the mathematical one
        counted = conn.query(plan.statements.count_pending, {"instance_id": instance, "instance_count": 3})
        assert counted == [(len(ids),)]
        seen += ids
    assert sorted(seen) == list(range(-7, 8))


def test_limit_takes_the_first_ids_then_partitions(make_plan, conn_of) -> None:
    plan = make_plan("run: {batch_size: 4, limit: 30}\n")
    conn = conn_of(plan)
    init_target(conn, plan)
    fill_sample(conn, plan, 100, start_id=0)
    [(upper,)] = conn.query(plan.statements.limit_bound, {"limit": 30})
    assert upper == 29
    assert extract_all(conn, plan, 0, 3, upper) == list(range(0, 30, 3))
    values = {"instance_id": 1, "instance_count": 3, "upper_bound": upper}
    assert conn.query(plan.statements.source_total, values) == [(10,)]
    with conn.transaction():
        conn.executemany(plan.statements.claim, [log_row(plan, 1, "success"), log_row(plan, 4, "failed")])
    assert conn.query(plan.statements.count_pending, values) == [(8,)]
    assert conn.query(plan.statements.source_total, values) == [(10,)]


def test_limit_bound_of_an_empty_source_is_null(make_plan, conn_of) -> None:
    plan = make_plan("run: {limit: 5}\n")
    conn = conn_of(plan)
    init_target(conn, plan)
    fill_sample(conn, plan, 0)
    assert conn.query(plan.statements.limit_bound, {"limit": 5}) == [(None,)]


def test_failed_records_excluded_or_retried(make_plan, conn_of) -> None:
    exclude = make_plan("run: {batch_size: 3}\n", name="exclude.yaml")
    retry = make_plan("run: {batch_size: 3, exclude_failed: false}\n", name="retry.yaml")
    conn = conn_of(exclude)
    init_target(conn, exclude)
    fill_sample(conn, exclude, 10, start_id=0)
    with conn.transaction():
        conn.executemany(
            exclude.statements.claim, [log_row(exclude, 0, "success"), log_row(exclude, 3, "failed")]
        )
    assert extract_all(conn, exclude, 0, 1) == [1, 2, 4, 5, 6, 7, 8, 9]
    assert extract_all(conn, retry, 0, 1) == [1, 2, 3, 4, 5, 6, 7, 8, 9]


def test_source_filter_with_percent_signs_applies_everywhere(make_plan, conn_of) -> None:
    plan = make_plan(
        "run: {batch_size: 5, limit: 40}\n", source_filter="app_xml LIKE '%<Purpose>REFINANCE</Purpose>%'"
    )
    conn = conn_of(plan)
    init_target(conn, plan)
    fill_sample(conn, plan, 60, seed=4, start_id=0)
    wanted = [i for i, doc in documents(60, seed=4, start_id=0) if "<Purpose>REFINANCE</Purpose>" in doc]
    [(upper,)] = conn.query(plan.statements.limit_bound, {"limit": 4})
    assert upper == wanted[3]
    assert extract_all(conn, plan, 0, 1, upper) == wanted[:4]
    assert extract_all(conn, plan, 0, 1, 10**9) == wanted
    values = {"instance_id": 0, "instance_count": 1, "upper_bound": 10**9}
    assert conn.query(plan.statements.source_total, values) == [(len(wanted),)]


def _log(conn, plan, app_id: int) -> tuple:
    rows = conn.query(plan.statements.failures, {"limit": 1000})
    return next((r for r in rows if r[0] == app_id), None)


def test_claim_only_takes_new_or_failed_records_and_force_takes_all(make_plan, conn_of) -> None:
    plan = make_plan()
    conn = conn_of(plan)
    init_target(conn, plan)
    st = plan.statements
    with conn.transaction():
        conn.executemany(
            st.claim, [log_row(plan, 1, "success", "b1"), log_row(plan, 2, "failed", "b1", "bad date")]
        )
    assert conn.query(st.claimed, {"batch_id": "b1"}) == [(1,), (2,)]
    assert _log(conn, plan, 2)[2] == 1  # attempts of a new row
    with conn.transaction():
        conn.executemany(
            st.claim, [log_row(plan, 1, "failed", "b2", "x"), log_row(plan, 2, "failed", "b2", "y")]
        )
    assert conn.query(st.claimed, {"batch_id": "b2"}) == [(2,)]  # 1 succeeded before: untouched
    assert _log(conn, plan, 2)[2] == 2 and _log(conn, plan, 2)[4] == "y"
    with conn.transaction():
        conn.executemany(st.claim_force, [log_row(plan, 1, "failed", "b3", "again")])
    assert conn.query(st.claimed, {"batch_id": "b3"}) == [(1,)]
    row = _log(conn, plan, 1)
    assert (row[1], row[2], row[4]) == (0, 2, "again")


def test_status_reasons_and_failures(make_plan, conn_of) -> None:
    plan = make_plan()
    conn = conn_of(plan)
    init_target(conn, plan)
    st = plan.statements
    rows = [
        log_row(
            plan,
            i,
            "failed" if i % 4 == 0 else "success",
            error=f"reason {i % 8}" if i % 4 == 0 else None,
            instance=i % 2,
        )
        for i in range(40)
    ]
    with conn.transaction():
        conn.executemany(st.claim, rows)
    status = conn.query(st.status)
    assert [(r[0], r[1], r[2]) for r in status] == [(0, "failed", 10), (0, "success", 10), (1, "success", 20)]
    assert all(r[3] is not None and r[4] is not None and int(r[5]) == 12 * r[2] for r in status)
    assert conn.query(st.top_reasons) == [("reason 0", 5), ("reason 4", 5)]
    failures = conn.query(st.failures, {"limit": 3})
    assert [r[0] for r in failures] == [0, 4, 8] and failures[0][4] == "reason 0"


def test_mapped_documents_load_in_bulk_and_delete_per_record(make_plan, conn_of) -> None:
    plan = make_plan()
    conn = conn_of(plan)
    init_target(conn, plan)
    mapper = Mapper(plan.layout)
    totals: dict[str, int] = {}
    with conn.transaction():
        for app_id, doc in documents(40, seed=9, start_id=1):
            rows, errors = mapper.map(app_id, doc)
            if errors:
                continue
            for table in plan.layout.tables:
                conn.insert_rows(table, rows[table.name])
                totals[table.name] = totals.get(table.name, 0) + len(rows[table.name])
    rows, errors = mapper.map(*next(documents(1, seed=9, start_id=1)))
    assert not errors
    for table in reversed(plan.layout.tables):
        deleted = conn.execute(plan.statements.delete_rows[table.name], {"app_id": 1})
        assert deleted == len(rows[table.name])
    with conn.transaction():  # reloading the record after its delete fits the keys again
        for table in plan.layout.tables:
            conn.insert_rows(table, rows[table.name])
    with pytest.raises(LoadError) as info:
        conn.insert_rows(plan.layout.table("application"), rows["application"])
    assert "\n" not in str(info.value) and "application" in str(info.value)


def test_rollback_leaves_nothing_and_the_connection_usable(make_plan, conn_of) -> None:
    plan = make_plan()
    conn = conn_of(plan)
    init_target(conn, plan)
    with pytest.raises(LoadError, match="claim"), conn.transaction():
        conn.executemany(plan.statements.claim, [log_row(plan, 1, "success")])
        conn.executemany(plan.statements.claim, [log_row(plan, 2, None)])  # status NOT NULL
    assert conn.query(plan.statements.claimed, {"batch_id": "b1"}) == []
    assert conn.execute(plan.statements.delete_log, {"app_id": 1}) == 0
    assert conn.ping()


def test_reserved_words_and_mixed_case_names(make_plan, conn_of, tmp_path: Path) -> None:
    mapping = tmp_path / "reserved.yaml"
    mapping.write_text(RESERVED_MAPPING, encoding="utf-8")
    plan = make_plan(mapping=mapping)
    conn = conn_of(plan)
    assert init_target(conn, plan)[0].startswith("created")
    assert all(line.startswith("exists") for line in init_target(conn, plan))
    rows, errors = Mapper(plan.layout).map(5, RESERVED_DOC)
    assert not errors and len(rows["group"]) == 3
    with conn.transaction():
        for table in plan.layout.tables:
            conn.insert_rows(table, rows[table.name])
    assert conn.execute(plan.statements.delete_rows["group"], {"app_id": 5}) == 3
    assert conn.execute(plan.statements.delete_rows["user"], {"app_id": 5}) == 2
    assert conn.execute(plan.statements.delete_rows["order"], {"app_id": 5}) == 1
    assert len(init_target(conn, plan, drop=True)) == 2 * (len(plan.layout.tables) + 1)
