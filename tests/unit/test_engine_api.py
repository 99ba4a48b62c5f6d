"""The run's user-facing pieces that need no database: the seed's API errors, banner, summary, progress."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from etl import Pipeline, ProductionProcessor
from etl.engine.progress import Progress
from etl.engine.records import BatchResult
from etl.engine.run import Summary, banner, new_session_id, summary_lines
from etl.masking import mask

REPO = Path(__file__).resolve().parents[2]
SEED_MESSAGE = "Invalid instance configuration: instance_id=3 must be < instance_count=3 and >= 0"


def test_production_processor_raises_the_seeds_value_error():
    with pytest.raises(ValueError) as info:
        ProductionProcessor(
            server="localhost\\SQLEXPRESS",
            database="XmlConversionDB",
            workers=4,
            batch_size=50,
            instance_id=3,
            instance_count=3,
        )
    assert str(info.value) == SEED_MESSAGE


def test_pipeline_with_one_side_of_the_partition_checks_it_against_the_profile():
    with pytest.raises(ValueError) as info:
        Pipeline(REPO / "configs" / "instance2.yaml", instance_id=5)
    assert "Invalid instance configuration: instance_id=5 must be < instance_count=3 and >= 0" in str(
        info.value
    )


def test_pipeline_rejects_unknown_keywords():
    with pytest.raises(TypeError, match="unknown keyword"):
        Pipeline(REPO / "configs" / "base.yaml", wrokers=2)


def test_banner_has_the_seeds_lines_and_no_password(monkeypatch):
    monkeypatch.setenv("ETL_PG_PASSWORD", "s3cr3t-pw")
    plan = Pipeline(
        REPO / "configs" / "postgres.yaml", instance_id=0, instance_count=3, workers=4, batch_size=50
    ).plan
    lines = banner(plan, "20250101_143022")
    assert lines[0] == "ProductionProcessor initialized:"
    assert "  Server: 127.0.0.1" in lines
    assert "  Database: test" in lines
    assert "  Target Schema: sandbox" in lines
    assert "  Workers: 4" in lines
    assert "  Processing Batch Size: 50" in lines
    assert "  Concurrent Instances: 1/3 (partition-based)" in lines
    assert lines[-1] == "  Session ID: 20250101_143022"
    assert "s3cr3t-pw" not in "\n".join(lines)


def test_session_id_has_the_seeds_shape():
    sid = new_session_id()
    assert len(sid) == 15 and sid[8] == "_" and sid.replace("_", "").isdigit()


def test_summary_lines():
    s = Summary(
        "20250101_143022",
        0,
        1,
        pending=10,
        succeeded=8,
        failed=1,
        skipped=1,
        seconds=2.0,
        failures=[(7, "app_id=7 applicant[1].date_of_birth: '1985-13-40' is not a date at DOB")],
    )
    text = "\n".join(summary_lines(s))
    assert "Processed: 10" in text and "Succeeded: 8" in text and "Failed: 1" in text
    assert "300 apps/min" in text
    assert "failed: app_id=7 applicant" in text


def test_progress_log_mode_logs_rate_and_eta(caplog):
    caplog.set_level("INFO", logger="etl.run")
    p = Progress(total=100, mode="log", every=0.0, stream=io.StringIO())
    p.update(BatchResult(succeeded=40, failed=10))
    assert "Progress: 50/100 (50%) records, 40 ok, 10 failed" in caplog.text
    assert "ETA" in caplog.text


def test_progress_bar_mode_draws_on_the_stream():
    out = io.StringIO()
    p = Progress(total=10, mode="bar", stream=out)
    p.last = 0
    p.update(BatchResult(succeeded=5))
    p.finish()
    assert "5/10" in out.getvalue() and "rec/s" in out.getvalue()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DRIVER={ODBC Driver 18 for SQL Server};SERVER=x;UID=u;PWD=hunter2", "PWD=***"),
        ("postgresql://bob:hunter2@db/app", "postgresql://bob:***@db/app"),
        ("host=db password=hunter2 user=bob", "password=***"),
    ],
)
def test_mask_hides_passwords(text, expected):
    out = mask(text)
    assert "hunter2" not in out and expected in out


def test_failure_reasons_fold_what_varies_per_record():
    from etl.engine.status import top_reasons

    rows = [
        ("app_id=7 applicant[2].date_of_birth: '1985-13-40' is not a date (ISO 8601) at DOB", 1),
        ("app_id=9 applicant[1].date_of_birth: '1990-02-31' is not a date (ISO 8601) at DOB", 1),
        (
            'app_id=18 applicant[1].last_name: "Smith-Silva" is 57 characters, longer than nvarchar(50) at LastName',
            1,
        ),
    ]
    assert top_reasons(rows) == [
        ("applicant[*].date_of_birth: … is not a date (ISO 8601) at DOB", 2),
        ("applicant[*].last_name: … is N characters, longer than nvarchar(50) at LastName", 1),
    ]


def test_prefetch_yields_in_order_and_hands_errors_to_the_consumer():
    from etl.engine.extract import Prefetch

    with Prefetch(iter(range(10)), depth=2) as pages:
        assert list(pages) == list(range(10))

    def broken():
        yield 1
        raise RuntimeError("the database went away")

    with Prefetch(broken()) as pages, pytest.raises(RuntimeError, match="went away"):
        list(pages)


def test_prefetch_stops_its_thread_when_the_consumer_leaves_early():
    from etl.engine.extract import Prefetch

    pf = Prefetch(iter(range(1000)), depth=1)
    assert next(iter(pf)) == 0
    pf.close()
    assert not pf._thread.is_alive()
