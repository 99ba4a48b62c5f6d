"""`etl preview`: golden output for the shipped sample, formats, coverage, errors as EtlError.

Regenerate the golden file with ETL_UPDATE_GOLDEN=1 python -m pytest tests/unit/test_preview.py (then review the diff).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from etl.errors import ConfigError, EtlError
from etl.preview import preview

REPO = Path(__file__).resolve().parents[2]
MAPPING = REPO / "mappings" / "credit_application.yaml"
SAMPLE = REPO / "mappings" / "samples" / "credit_application.xml"
GOLDEN = REPO / "tests" / "golden" / "preview_credit_application.txt"


def test_golden_table_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    text = preview("mappings/credit_application.yaml", "mappings/samples/credit_application.xml")
    if os.environ.get("ETL_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_json_and_csv_formats() -> None:
    body = json.loads(preview(MAPPING, SAMPLE, fmt="json", app_id=9))
    assert body["tables"]["application"][0]["amount"] == "350000.00"
    assert body["tables"]["address"][1]["line2"] is None
    assert body["coverage"]["unmatched"] == ["applicant.email: 'EmailAddress' matched nothing in 2 row(s)"]
    csv_text = preview(MAPPING, SAMPLE, fmt="csv")
    assert "# liability\napp_id,liability_seq,liability_type" in csv_text
    assert "1,1,2,PREVIOUS,88 Harbor View Road,,Quincy" in csv_text


def test_coverage_reports_unread_elements_and_attributes(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "root: r\ntables:\n  t:\n    columns:\n      a: {xpath: a, type: int}\n"
        "      z: {xpath: zz, type: int}\n",
        encoding="utf-8",
    )
    doc = tmp_path / "d.xml"
    doc.write_text('<r v="1"><a x="2">1</a><b><c>3</c></b><b/></r>', encoding="utf-8")
    text = preview(mapping, doc)
    assert "    /r/@v\n    /r/a/@x\n    /r/b (2x)\n" in text
    assert "t.z: 'zz' matched nothing in 1 row(s)" in text


def test_failing_document_raises_with_every_error(tmp_path: Path) -> None:
    doc = tmp_path / "bad.xml"
    doc.write_text(SAMPLE.read_text(encoding="utf-8").replace("1985-03-12", "1985-13-40"), encoding="utf-8")
    with pytest.raises(EtlError) as info:
        preview(MAPPING, doc, app_id=42)
    assert (
        "app_id=42 applicant[1].date_of_birth: '1985-13-40' is not a date (ISO 8601, e.g. 2025-03-14) at DOB"
        in str(info.value)
    )


def test_missing_files_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(EtlError, match="file not found"):
        preview(MAPPING, tmp_path / "nope.xml")
    with pytest.raises(ConfigError):
        preview(tmp_path / "nope.yaml", SAMPLE)
