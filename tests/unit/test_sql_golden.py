"""Golden SQL: every statement rendered for the shipped profiles, compared word for word.

Regenerate after an intended template change with:  ETL_UPDATE_GOLDEN=1 pytest tests/unit/test_sql_golden.py
and review the diff of tests/golden/sql/ before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from etl.compile import compile_plan
from etl.config.load import load_profile

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "sql"
PROFILES = ["base", "postgres", "example"]
UPDATE = os.environ.get("ETL_UPDATE_GOLDEN") == "1"
# Rendering must not depend on who runs it: pin the variables the shipped profiles read.
ENV = {"ETL_PG_HOST": "127.0.0.1", "ETL_PG_DATABASE": "test", "ETL_PG_USER": "root", "ETL_PG_PASSWORD": ""}


def _listing(profile: str) -> list[tuple[str, str]]:
    plan = compile_plan(load_profile(REPO / "configs" / f"{profile}.yaml", {}, ENV))
    return plan.statements.listing()


@pytest.mark.parametrize("profile", PROFILES)
def test_rendered_sql_matches_golden(profile: str) -> None:
    folder = GOLDEN / profile
    listing = _listing(profile)
    expected_files = {f"{name}.sql" for name, _ in listing}
    if UPDATE:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.sql"):
            if stale.name not in expected_files:
                stale.unlink()
        for name, sql in listing:
            (folder / f"{name}.sql").write_text(sql + "\n", encoding="utf-8")
    present = {p.name for p in folder.glob("*.sql")}
    assert present == expected_files, (
        "golden files differ from the statements; rerun with ETL_UPDATE_GOLDEN=1"
    )
    for name, sql in listing:
        golden = (folder / f"{name}.sql").read_text(encoding="utf-8")
        assert sql + "\n" == golden, (
            f"{profile}/{name}.sql changed; rerun with ETL_UPDATE_GOLDEN=1 and review"
        )
