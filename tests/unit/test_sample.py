"""Sample documents: deterministic, in the mapping's shape, varied in size, with ~2% records that must fail."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from etl.compile import layout
from etl.config.load import load_mapping
from etl.mapping import Mapper
from etl.sample import documents, generate_document

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mapped() -> list[tuple[int, str, dict, list]]:
    mapper = Mapper(layout(load_mapping(REPO / "mappings" / "credit_application.yaml")))
    return [(i, doc, *mapper.map(i, doc)) for i, doc in documents(1500, seed=11, start_id=1)]


def test_same_seed_same_documents_and_ids_independent_of_start() -> None:
    first = list(documents(20, seed=5, start_id=100))
    assert first == list(documents(20, seed=5, start_id=100))
    assert [i for i, _ in first] == list(range(100, 120))
    assert dict(documents(5, seed=5, start_id=110)) == dict(first[10:15])
    assert dict(documents(20, seed=6, start_id=100)) != dict(first)
    assert generate_document(3, random.Random(1)) == generate_document(3, random.Random(1))


def test_every_mapped_column_gets_values(mapped) -> None:
    seen: dict[tuple[str, int], bool] = {}
    lay = layout(load_mapping(REPO / "mappings" / "credit_application.yaml"))
    for _, _, rows, _ in mapped:
        for table, table_rows in rows.items():
            for row in table_rows:
                for i, value in enumerate(row):
                    if value is not None:
                        seen[(table, i)] = True
    missing = [
        f"{t.name}.{c.name}" for t in lay.tables for i, c in enumerate(t.columns) if (t.name, i) not in seen
    ]
    assert missing == []


def test_shape_variety(mapped) -> None:
    docs = [doc for _, doc, _, _ in mapped]
    assert any("<EmailAddress>" in d for d in docs) and any("<Email>" in d for d in docs)
    assert any("<Score>N/A</Score>" in d for d in docs)
    assert any("<Line2/>" in d for d in docs)
    assert all(d.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<CreditApplication') for d in docs)
    text = "".join(docs[:200])
    assert re.search(r"<LastName>[^<]*'[^<]*</LastName>", text)  # apostrophes
    assert re.search(r"<(First|Last)Name>[^<]*[^\x00-\x7f][^<]*</", text)  # non-ASCII
    counts = [(len(rows["applicant"]), len(rows["liability"])) for _, _, rows, errors in mapped if not errors]
    assert {a for a, _ in counts} == {1, 2}
    assert min(n for _, n in counts) == 0 and max(n for _, n in counts) == 40
    sizes = sorted(len(d.encode()) for d in docs)
    assert sizes[0] < 3000 and sizes[-1] > 15000, (sizes[0], sizes[-1])


def test_about_two_percent_fail_mapping_for_the_planted_reasons(mapped) -> None:
    failed = [(doc, errors) for _, doc, _, errors in mapped if errors]
    assert 0.01 <= len(failed) / len(mapped) <= 0.035, len(failed)
    kinds = set()
    for doc, errors in failed:
        assert len(errors) == 1
        error = errors[0]
        if error.column == "date_of_birth":
            assert "<DOB>1985-13-40</DOB>" in doc
            kinds.add("date")
        else:
            assert error.column == "last_name" and len(error.value) > 50
            kinds.add("name")
    assert kinds == {"date", "name"}
