"""Generated row functions against the generic path, value by value with repr (Decimal exponents count)."""

from __future__ import annotations

import pytest
from test_mapping_helpers import mapper_for

from etl.mapping import Mapper

COLUMNS = {
    "d": {"xpath": "D", "type": "decimal(6,2)"},
    "z": {"xpath": "Z", "type": "decimal(5,0)"},
    "f": {"xpath": "F", "type": "decimal(2,2)"},
    "n": {"xpath": "N", "type": "varchar(5)"},
    "n2": {"xpath": "N", "type": "varchar(5)", "trim": False},
    "a": {"xpath": "N/@a", "type": "varchar(5)"},
    "h": {"xpath": "H/@b", "type": "varchar(5)"},
    "g": {"xpath": "G/I", "type": "smallint"},
    "e": {"coalesce": ["E1", "E2"], "type": "varchar(9)"},
    "s": {"xpath": "@s", "type": "varchar(5)"},
}


def _pair() -> tuple[Mapper, Mapper]:
    fast, generic = mapper_for(COLUMNS), mapper_for(COLUMNS)
    for table in generic.tables:
        table.fast_rows = None
    assert all(t.fast_rows is not None for t in fast.tables)
    return fast, generic


@pytest.mark.parametrize(
    "d", ["12.5", "12.50", "-0.00", "+1.00", "0012.5", "1234.56", "12", ".5", "1.", "1.005"]
)
@pytest.mark.parametrize("z", ["7", "-7", "+07", "12345", "7.0", "123456", ""])
def test_decimals_keep_their_scale(d: str, z: str) -> None:
    fast, generic = _pair()
    for f in ("0.12", ".12", "0.1", "1.00", ""):
        doc = f"<r><D> {d} </D><Z>{z}</Z><F>{f}</F></r>"
        got, want = fast.map(1, doc), generic.map(1, doc)
        assert repr(got) == repr(want), doc


@pytest.mark.parametrize(
    "body",
    [
        "<N a=' x '> ab </N><H b='1'/><G><I> 3 </I></G><E2>m</E2>",
        "<N/><H/><G/><E1> </E1><E2> q </E2>",
        "<N>a</N><N>b</N>",  # two matches: an error on both paths
        "<H b='1'/><H b='2'/>",
        "<H/><H b='2'/>",
        "<G><I>1</I></G><G><I>2</I></G>",
        "<N>a<!-- c -->b</N>",  # a comment child: the string value is both text nodes
        "<N>a<x>b</x>c</N>",
        "<N>a<?p?>b</N>",
        "<!-- c --><N>a</N><!-- d --><?p?>",
        "<N xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xsi:nil='true'>x</N>",
        "<N>toolong</N>",
    ],
)
def test_walk_matches_the_generic_path(body: str) -> None:
    fast, generic = _pair()
    doc = f"<r s=' 1 '><D>1.5</D>{body}</r>"
    got, want = fast.map(1, doc), generic.map(1, doc)
    assert repr(got[0]) == repr(want[0]), doc
    assert [str(e) for e in got[1]] == [str(e) for e in want[1]], doc


NESTED = {
    "root": "r",
    "tables": {
        "p": {"rows": "P", "columns": {"seq": {"source": "position"}, "n": {"xpath": "@n", "type": "int"}}},
        "c": {
            "parent": "p",
            "rows": "Cs/C",
            "columns": {
                "cseq": {"source": "position"},
                "v": {"xpath": "V", "type": "decimal(4,1)"},
                "a": {"xpath": "A/@b", "type": "varchar(5)"},
            },
        },
        "g": {
            "parent": "c",
            "rows": "G",
            "columns": {"gseq": {"source": "position"}, "w": {"xpath": ".", "type": "smallint"}},
        },
    },
}


@pytest.mark.parametrize(
    "body",
    [
        "<P n='1'><Cs><C><V>1.5</V><G>1</G><G>2</G></C><C><V>2</V></C></Cs></P><P n='2'><Cs/></P>",
        "<P n='1'><Cs><C><V>1.55</V></C></Cs></P><P n='2'><Cs><C><V>3</V><G>x</G></C></Cs></P>",
        "<P n='1'><Cs><C><V>1</V><V>2</V></C></Cs><Cs><C><V>3</V></C></Cs></P>",
        "<P><Cs><C><G>1<!-- c -->2</G></C></Cs></P><P n='x'/>",
        # the generated code gives up on a second A (the generic path takes the one attribute): rows already
        # appended by the tree function must not stay
        "<P n='1'><Cs><C><V>1</V><G>5</G></C></Cs></P><P n='2'><Cs><C><A/><A b='x'/></C></Cs></P>",
    ],
)
def test_tree_functions_match_the_generic_path(body: str) -> None:
    from test_mapping_helpers import build_layout

    fast, generic = Mapper(build_layout(NESTED)), Mapper(build_layout(NESTED))
    assert all(t.tree is not None for t in fast.tables)
    for table in generic.tables:
        table.fast_rows = None
    assert all(t.tree is None for t in generic.tables)
    doc = f"<r>{body}</r>"
    got, want = fast.map(1, doc), generic.map(1, doc)
    assert repr(got[0]) == repr(want[0]), doc
    assert [str(e) for e in got[1]] == [str(e) for e in want[1]], doc
