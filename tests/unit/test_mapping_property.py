"""Property: documents generated from known values map back to exactly those values, row by row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_mapping_helpers import build_layout

from etl.mapping import Mapper

MAPPER = Mapper(
    build_layout(
        {
            "root": "d:doc",
            "namespaces": {"d": "urn:doc"},
            "tables": {
                "head": {
                    "columns": {
                        "title": {"xpath": "d:Title", "type": "nvarchar(30)"},
                        "lang": {"xpath": "@xml:lang", "type": "varchar(5)"},
                    }
                },
                "item": {
                    "rows": "d:Items/d:Item",
                    "columns": {
                        "item_seq": {"source": "position"},
                        "qty": {"xpath": "@qty", "type": "int"},
                        "price": {"xpath": "d:Price", "type": "decimal(10,2)"},
                        "name": {"xpath": "d:Name", "type": "nvarchar(20)"},
                        "ok": {"xpath": "d:Ok", "type": "bool"},
                        "day": {"xpath": "d:Day", "type": "date"},
                    },
                },
            },
        }
    )
)

# XML 1.0 text: no control characters or surrogates; no leading/trailing whitespace (trim is on).
_chars = st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\ufeff\ufffe\uffff"
)
_text = st.text(_chars, min_size=1, max_size=20).map(str.strip).filter(bool)
_item = st.fixed_dictionaries(
    {
        "qty": st.integers(-(2**31), 2**31 - 1),
        "price": st.decimals(
            min_value=-99999999, max_value=99999999, places=2, allow_nan=False, allow_infinity=False
        ),
        "name": st.one_of(st.none(), _text),
        "ok": st.booleans(),
        "ok_word": st.sampled_from(["true", "false", "1", "0", "y", "n", "yes", "no"]),
        "day": st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    }
)


def _document(title: str, items: list[dict], as_bytes: bool) -> str | bytes:
    d = "{urn:doc}"
    root = etree.Element(d + "doc", nsmap={None: "urn:doc"})
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    etree.SubElement(root, d + "Title").text = title
    box = etree.SubElement(root, d + "Items")
    for it in items:
        el = etree.SubElement(box, d + "Item", qty=str(it["qty"]))
        etree.SubElement(el, d + "Price").text = str(it["price"])
        if it["name"] is not None:
            etree.SubElement(el, d + "Name").text = it["name"]
        etree.SubElement(el, d + "Ok").text = it["ok_word"]
        etree.SubElement(el, d + "Day").text = it["day"].isoformat()
    if as_bytes:
        return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)
    return etree.tostring(root, encoding="unicode", pretty_print=True)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_text, items=st.lists(_item, max_size=6), as_bytes=st.booleans(), app_id=st.integers(1, 2**40))
def test_generated_documents_map_value_by_value(
    title: str, items: list[dict], as_bytes: bool, app_id: int
) -> None:
    rows, errors = MAPPER.map(app_id, _document(title, items, as_bytes))
    assert errors == []
    assert rows["head"] == [(app_id, title, "en")]
    assert len(rows["item"]) == len(items)
    words = {"true": True, "1": True, "y": True, "yes": True}
    for n, (row, it) in enumerate(zip(rows["item"], items, strict=True), 1):
        assert row[:3] == (app_id, n, it["qty"])
        assert isinstance(row[3], Decimal) and row[3] == it["price"] and row[3].as_tuple().exponent == -2
        assert row[4] == it["name"]
        assert row[5] is words.get(it["ok_word"], False)
        assert row[6] == it["day"]
