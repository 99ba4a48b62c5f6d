"""`etl scaffold`: the draft for the shipped sample loads, compiles and maps the sample without errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.compile import layout
from etl.config.load import load_mapping
from etl.errors import EtlError
from etl.mapping import Mapper
from etl.scaffold import SCHEMA_LINE, infer_type, scaffold, snake

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "mappings" / "samples" / "credit_application.xml"


def _roundtrip(tmp_path: Path, samples: list[Path]) -> tuple[str, Mapper]:
    text = scaffold(samples)
    path = tmp_path / "draft.yaml"
    path.write_text(text, encoding="utf-8")
    return text, Mapper(layout(load_mapping(path)))


def test_sample_draft_validates_and_maps(tmp_path: Path) -> None:
    text, mapper = _roundtrip(tmp_path, [SAMPLE])
    assert text.startswith(SCHEMA_LINE + "\n")
    rows, errors = mapper.map(1, SAMPLE.read_bytes())
    assert errors == []
    assert {n: len(r) for n, r in rows.items()} == {
        "credit_application": 1,
        "applicant": 2,
        "address": 3,
        "employer": 3,
        "income": 3,
        "liability": 3,
        "reason": 2,
    }
    assert "zip: {xpath: Zip, type: varchar(10)}" in text  # leading zeros stay text
    assert 'channel_code: {xpath: "Header/Channel/@code"' in text
    assert "    parent: applicant\n    rows: Addresses/Address\n" in text


def test_namespaces_and_repeating_leaves(tmp_path: Path) -> None:
    doc = tmp_path / "ns.xml"
    doc.write_text(
        '<f xmlns="urn:f" xmlns:m="urn:m" xml:lang="en"><m:Id>7</m:Id>'
        "<Tag>a</Tag><Tag>b</Tag><Amount>1.5</Amount></f>",
        encoding="utf-8",
    )
    text, mapper = _roundtrip(tmp_path, [doc])
    assert 'ns: "urn:f"' in text and 'm: "urn:m"' in text and 'root: "ns:f"' in text
    rows, errors = mapper.map(1, doc.read_text(encoding="utf-8"))
    assert errors == []
    assert rows["f"] == [(1, "en", 7, rows["f"][0][3])] and str(rows["f"][0][3]) == "1.5"
    assert rows["tag"] == [(1, 1, "a"), (1, 2, "b")]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", "-20"], "int"),
        (["02134"], "varchar(10)"),
        (["1.50", "20"], "decimal(8,2)"),
        (["yes", "N"], "bool"),
        (["2025-01-02"], "date"),
        (["2025-01-02T03:04:05Z"], "datetime"),
        (["10:30"], "time"),
        (["Zoë"], "nvarchar(10)"),
        ([""], "varchar(50)"),
        (["x" * 3000], "text"),
        (["6fa459ea-ee8a-3ca4-894e-db77e160355e"], "uuid"),
        (["99999999999"], "bigint"),
    ],
)
def test_infer_type(values: list[str], expected: str) -> None:
    assert infer_type(values) == expected


def test_names_are_identifiers() -> None:
    assert snake("ApplicationNumber") == "application_number"
    assert snake("{urn:x}DOB") == "dob" and snake("1st-line") == "c_1st_line"


def test_user_mistakes(tmp_path: Path) -> None:
    with pytest.raises(EtlError, match="file not found"):
        scaffold([tmp_path / "missing.xml"])
    bad = tmp_path / "bad.xml"
    bad.write_text("<a><b></a>", encoding="utf-8")
    with pytest.raises(EtlError, match="malformed XML"):
        scaffold([bad])
