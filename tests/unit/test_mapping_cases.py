"""Mapping behaviour as data: tests/data/mapping_cases/*.yaml, one test per case, named by the case."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from test_mapping_helpers import build_layout, same

from etl.mapping import Mapper

CASES_DIR = Path(__file__).resolve().parents[1] / "data" / "mapping_cases"


def _cases() -> list:
    out = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            out.append(pytest.param(case, id=f"{path.stem}-{case['name']}"))
    return out


def _mapping(case: dict) -> dict:
    if "mapping" in case:
        return case["mapping"]
    data = {"root": case.get("root", "r"), "tables": {"t": {"columns": case["columns"]}}}
    return data


@pytest.mark.parametrize("case", _cases())
def test_mapping_case(case: dict) -> None:
    mapper = Mapper(build_layout(_mapping(case), case["name"]))
    rows, errors = mapper.map(42, case["xml"])
    messages = [str(e) for e in errors]
    if "error" in case:
        assert messages == [case["error"]]
        assert rows == {}
        return
    if "errors" in case:
        assert messages == case["errors"]
        return
    if "error_contains" in case:
        assert len(messages) == 1 and messages[0].startswith(case["error_contains"]), messages
        return
    assert messages == []
    expected = case["rows"] if "rows" in case else {"t": [[42, *case["row"]]]}
    assert set(rows) == {t.name for t in mapper.layout.tables}
    for table, want in expected.items():
        got = rows[table]
        assert len(got) == len(want), (table, got)
        for got_row, want_row in zip(got, want, strict=True):
            assert len(got_row) == len(want_row), (table, got_row)
            for g, w in zip(got_row, want_row, strict=True):
                assert same(g, w), (table, got_row, want_row)
