"""The compiled row builder (etl._accel) against the generated Python and the generic path.

Three mappers of one mapping map the same documents: with the compiled row builder, with the generated
tree functions only, and with the generic path only (the one that reports errors). Rows (by repr, so
Decimal exponents and types count) and error lines must be identical. Documents are generated to hit
what the fast paths must hand over: second matches, value elements with children, comments, CDATA,
xsi:nil, namespaces, Unicode whitespace, values at and beyond every type's limits.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_mapping_helpers import build_layout

from etl import mapping_accel
from etl.mapping import Mapper

if not mapping_accel.built():
    reason = "the compiled row builder (etl._accel) is not built: pip install -e . with a C compiler"
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"CI must test the compiled row builder: {reason}")
    pytest.skip(reason, allow_module_level=True)

# Every typed column is its own mapping (a record with any error keeps no rows, so a column that fails
# would hide what the others produced); the walk's interplay has a mapping of many columns of its own.
COLUMNS = {
    "s": {"xpath": "S", "type": "varchar(4)", "default": "dflt"},
    "s_cut": {"xpath": "S", "type": "varchar(2)", "on_overflow": "truncate"},
    "s_raw": {"xpath": "S", "type": "varchar(6)", "trim": False},
    "s_text": {"xpath": "S", "type": "text"},
    "s_map": {"xpath": "S", "type": "varchar(5)", "map": {"values": {"a": "A"}, "else": "other"}},
    "i": {"xpath": "I", "type": "smallint"},
    "i_big": {"xpath": "I", "type": "bigint", "default": 7},
    "i_null": {"xpath": "I", "type": "int", "nullif": ["", "N/A"]},
    "i_err": {"xpath": "I", "type": "int", "on_error": "null"},
    "d": {"xpath": "D", "type": "decimal(5,2)"},
    "d0": {"xpath": "D", "type": "decimal(3,0)"},
    "dd": {"xpath": "D", "type": "decimal(2,2)"},
    "f": {"xpath": "D", "type": "float"},
    "b": {"xpath": "B", "type": "bool", "required": True},
    "day": {"xpath": "T", "type": "date"},
    "day_f": {"xpath": "T", "type": "date", "format": "%d.%m.%Y"},
    "co": {"coalesce": ["E1", "E2"], "type": "varchar(5)"},
    "co_raw": {"coalesce": ["E1", "E2"], "type": "varchar(5)", "trim": False},
    "g_at": {"xpath": "G/@g", "type": "smallint"},
}
TABLES = {
    "paths": {
        "columns": {
            "k": {"source": "const", "value": "k", "type": "varchar(3)"},
            "id": {"source": "id"},
            "s": {"xpath": "S", "type": "text"},
            "at": {"xpath": "@a", "type": "text"},
            "lang": {"xpath": "@xml:lang", "type": "varchar(5)"},
            "ns": {"xpath": "n:N", "type": "text"},
            "ns_at": {"xpath": "n:N/@n:x", "type": "text"},
            "deep": {"xpath": "G/H", "type": "text"},
            "g_at": {"xpath": "G/@g", "type": "text"},
            "co": {"coalesce": ["E1", "E2"], "type": "text"},
        }
    },
    "item": {
        "rows": "Items/Item",
        "columns": {
            "seq": {"source": "position"},
            "v": {"xpath": "V", "type": "int", "required": True},
            "at": {"xpath": "@a", "type": "varchar(5)"},
        },
        "children": {
            "sub": {
                "rows": "W",
                "columns": {
                    "wseq": {"source": "position"},
                    "w": {"xpath": ".", "type": "varchar(5)"},
                    "wt": {"xpath": "text()", "type": "varchar(5)"},
                },
            }
        },
    },
    "ns_rows": {
        "rows": "n:L",
        "columns": {"seq": {"source": "position"}, "v": {"xpath": "@v", "type": "int"}},
    },
    # a rule that needs the exact parse changes what another one reads
    "cross": {
        "columns": {
            "s": {"xpath": "S", "type": "varchar(3)", "trim": False},
            "i": {"xpath": "I", "type": "int"},
        }
    },
    **{f"c_{name}": {"columns": {name: rule}} for name, rule in COLUMNS.items()},
}


def _mapping(name: str) -> dict:
    table = dict(TABLES[name])
    tables = {name: {k: v for k, v in table.items() if k != "children"}}
    for child, spec in table.get("children", {}).items():
        tables[child] = {"parent": name, **spec}
    return {"root": "r", "namespaces": {"n": "urn:n"}, "tables": tables}


XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'

# Values near every rule's edges: whitespace of all kinds, signs, notations Decimal or int() accept and
# the rules do not, non-ASCII digits, lengths around the limits, dates of every shape.
VALUES = [
    "",
    " ",
    "a",
    " a ",
    "\u00a0a\u3000",
    "ab",
    "abcd",
    "abcde",
    "  abcd  ",
    "é",
    "😀😀",
    "0",
    "7",
    "-7",
    "+7",
    "007",
    "+",
    "-",
    "-0",
    "1/2",
    "12:30",
    "9:",
    "+-1",
    "32767",
    "32768",
    "-32768",
    "99999999999999999999",
    "1_0",
    "١٢",
    "1.5",
    "1.50",
    "-1.50",
    "+1.50",
    "999.99",
    "1000.00",
    "0.005",
    ".5",
    "1.",
    "1e2",
    "NaN",
    "N/A",
    "true",
    "FALSE",
    "Yes",
    "n",
    "2",
    "2024-02-29",
    "2023-02-29",
    "20240229",
    "29.02.2024",
    "a&amp;b",
    "&lt;x&gt;",
    "\t1\n",
]


@st.composite
def value(draw: st.DrawFn, tag: str) -> str:
    text = draw(st.sampled_from(VALUES))
    shapes = ["text"] * 6 + ["empty", "comment", "cdata", "blank-cdata", "child", "nil", "nil-child", "pi"]
    shape = draw(st.sampled_from(shapes))
    if shape == "empty":
        return f"<{tag}/>"
    if shape == "comment":
        return f"<{tag}>{text}<!-- c -->{text}</{tag}>"
    if shape == "cdata":
        return f"<{tag}><![CDATA[{text}]]></{tag}>"
    if shape == "blank-cdata":  # the fast parser drops the leading blank: such documents parse exactly
        return f"<{tag}> <![CDATA[{text}]]></{tag}>"
    if shape == "nil-child":
        return f'<{tag} {XSI} xsi:nil="true"> <y/> </{tag}>'
    if shape == "child":
        return f"<{tag}>{text}<x>1</x></{tag}>"
    if shape == "pi":
        return f"<{tag}><?p?>{text}</{tag}>"
    if shape == "nil":
        return f'<{tag} {XSI} xsi:nil="{draw(st.sampled_from(["true", "1", "false"]))}">{text}</{tag}>'
    return f"<{tag}>{text}</{tag}>"


@st.composite
def item(draw: st.DrawFn) -> str:
    parts = draw(st.permutations(["V", *draw(st.lists(st.sampled_from(["V", "W", "W", "Z"]), max_size=4))]))
    body = "".join([draw(value(p)) for p in parts])
    attr = f' a="{draw(st.sampled_from(VALUES[:8]))}"' if draw(st.booleans()) else ""
    return f"<Item{attr}>{body}</Item>"


@st.composite
def document(draw: st.DrawFn) -> str:
    """Each element family absent, once (most often) or twice, in a shuffled order."""
    parts = []
    tags = ["S", "I", "D", "B", "T", "E1", "E2", "n:N", "G", "Items", "n:L", "Q"]
    for tag in tags:
        for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):
            if tag == "G":
                inner = "".join(
                    draw(st.lists(st.sampled_from(["<H>h</H>", "<H/>", "<H> x </H>"]), max_size=2))
                )
                g = f' g="{draw(st.sampled_from(VALUES))}"' if draw(st.booleans()) else ""
                parts.append(f"<G{g}>{inner}</G>")
            elif tag == "Items":
                parts.append("<Items>" + "".join(draw(st.lists(item(), max_size=3))) + "</Items>")
            elif tag == "n:L":
                parts.append(f'<n:L v="{draw(st.sampled_from(VALUES[10:22]))}"/>')
            elif tag == "n:N":
                x = f' n:x="{draw(st.sampled_from(VALUES[:8]))}"' if draw(st.booleans()) else ""
                parts.append(draw(value("n:N")).replace("<n:N", f"<n:N{x}", 1))
            else:
                parts.append(draw(value(tag)))
            if draw(st.integers(0, 5)) == 0:
                parts.append(
                    draw(st.sampled_from(["<!-- c -->", "\n  ", "<?p x?>", "<N>plain N, not n:N</N>"]))
                )
    parts = draw(st.permutations(parts))
    attrs = ""
    if draw(st.booleans()):
        attrs += f' a="{draw(st.sampled_from(VALUES))}"'
    if draw(st.booleans()):
        attrs += f' n:a="{draw(st.sampled_from(VALUES))}"'  # not @a: that one is in no namespace
    if draw(st.booleans()):
        attrs += ' xml:lang="en-GB"'
    return f'<r xmlns:n="urn:n"{attrs}>{"".join(parts)}</r>'


def _mappers(name: str) -> tuple[Mapper, Mapper, Mapper]:
    return _mappers_of(_mapping(name))


def _mappers_of(mapping: dict) -> tuple[Mapper, Mapper, Mapper]:
    lay = build_layout(mapping)
    accel, codegen, generic = Mapper(lay, accelerate=True), Mapper(lay, accelerate=False), Mapper(lay, False)
    assert all(t.accel is not None for t in accel.top)
    assert all(t.accel is None and t.tree is not None for t in codegen.top)
    for table in generic.tables:
        table.fast_rows = None
    return accel, codegen, generic


MAPPERS = [_mappers(name) for name in TABLES]


def _same(doc: str, *documents: str | bytes, mappers: list | None = None) -> None:
    for accel, codegen, generic in MAPPERS if mappers is None else mappers:
        want = generic.map(42, doc)
        for mapper in (accel, codegen):
            for data in (doc, *documents):
                got = mapper.map(42, data)
                assert repr(got[0]) == repr(want[0]), doc
                assert [str(e) for e in got[1]] == [str(e) for e in want[1]], doc


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document())
def test_generated_documents_map_alike_on_every_path(doc: str) -> None:
    _same(doc, doc.encode("utf-8"))


@pytest.mark.parametrize("text", VALUES)
def test_every_value_converts_alike_on_every_path(text: str) -> None:
    tags = ["S", "I", "D", "B", "T", "E2"]
    _same(f'<r xmlns:n="urn:n" a="{text}">{"".join(f"<{t}>{text}</{t}>" for t in tags)}<G g="{text}"/></r>')


@pytest.mark.parametrize(
    "body",
    [
        "<S>ab</S><I>12</I><D>1.5</D><T>2024-02-29</T><B>Y</B><Items><Item a='x'><V>1</V><W>w</W><W/></Item></Items>",
        "<Items><Item><V>1</V></Item><Item><V>2</V><W>a</W><W>b</W></Item></Items><Items><Item><V>3</V></Item></Items>",
        "<Items><Item><W>no V: required</W></Item></Items>",
        "<S>a</S><S>b</S>",  # a second match: an error on every path
        "<S>abcd</S><I>32767</I><D>999.99</D><B>no</B>",
        "<S> abcde </S><I>32768</I><D>1000.00</D><B>x</B>",
        "<D>-999</D><I>-32768</I><T>2024-02-29</T>",
        "<D>.99</D><I>+007</I><T>29.02.2024</T>",
        "<G g='1'><H>a</H></G><G g='2'/>",
        "<n:L v='1'/><n:L v='2'/><L v='3'/>",
        "<I> 99999999999999999999 </I>",
        # a nil element with children still needs the exact parse, which keeps S's leading blank
        '<S> <![CDATA[abc]]></S><I xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="1"><y/></I>',
        '<S> <![CDATA[ab]]></S><Items><Item><V>1</V><W xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:nil="true"><y/></W></Item></Items>',
    ],
)
def test_known_documents_map_alike_on_every_path(body: str) -> None:
    _same(f'<r xmlns:n="urn:n" a="1" xml:lang="de">{body}</r>')


def test_the_credit_application_corpus_maps_alike() -> None:
    from etl.compile import layout
    from etl.config.load import load_mapping
    from etl.sample import generate_document

    lay = layout(load_mapping(Path(__file__).parents[2] / "mappings" / "credit_application.yaml"))
    accel, plain = Mapper(lay, accelerate=True), Mapper(lay, accelerate=False)
    rng = random.Random(7)
    failed = 0
    for app_id in range(1, 301):
        doc = generate_document(app_id, rng)
        got, want = accel.map(app_id, doc), plain.map(app_id, doc)
        assert repr(got[0]) == repr(want[0])
        assert [str(e) for e in got[1]] == [str(e) for e in want[1]]
        failed += bool(want[1])
    assert 0 < failed < 30  # the corpus plants bad documents: both paths must report them alike


# Deeper trees: grandchild tables, sibling child tables, a child of several steps and one without rows,
# a child's row element read as a whole (`.`), first: true, prefixed and default namespaces.
DEEP = {
    "root": "r",
    "namespaces": {"n": "urn:n", "d": "urn:d"},
    "tables": {
        "top": {
            "columns": {
                "s": {"xpath": "A/B/C", "type": "text", "trim": False},
                "ab": {"xpath": "A/B/@x", "type": "text"},
                "dn": {"xpath": "d:D", "type": "text", "first": True},
                "ra": {"xpath": "@n:a", "type": "text"},
            }
        },
        "p": {
            "parent": "top",
            "rows": "L/M",
            "columns": {
                "seq": {"source": "position"},
                "v": {"xpath": "V", "type": "text", "default": "1.00"},
                "me": {"xpath": ".", "type": "text", "trim": False},
                "vv": {"xpath": "V/@q", "type": "text"},
            },
        },
        "c1": {
            "parent": "p",
            "rows": "K/J",
            "columns": {
                "seq1": {"source": "position"},
                "w": {"xpath": "W", "type": "varchar(3)", "nullif": ["x"]},
                "id": {"source": "id"},
            },
        },
        "c2": {
            "parent": "p",
            "columns": {
                "z": {"xpath": "Z", "type": "varchar(4)", "on_overflow": "truncate"},
                "co": {"coalesce": ["V", "Z", "@q"], "type": "text"},
            },
        },
        "g": {
            "parent": "c1",
            "rows": "G",
            "columns": {
                "seq2": {"source": "position"},
                "gv": {"xpath": "text()", "type": "text"},
                "k": {"source": "const", "value": 3, "type": "int"},
            },
        },
    },
}
DEEP_VALUES = [
    "",
    " ",
    "a",
    " a ",
    "1",
    "1.5",
    "1.50",
    "-0",
    "true",
    "x",
    "abcdef",
    "&amp;",
    "\u00a0",
    "\u2028x",
]


def deep_document(rng: random.Random) -> str:
    def val(tag: str) -> str:
        odd = rng.random() < 0.1
        text = rng.choice(DEEP_VALUES) if odd else rng.choice(["", "1", "12.50", " 7 ", "x"])
        shape = rng.choice(["empty", "cdata", "cdblank", "child", "nil", "nilchild", "comment", "ws", "pi"])
        shape = shape if rng.random() < 0.1 else "text"
        return {
            "empty": f"<{tag}/>",
            "cdata": f"<{tag}><![CDATA[{text}]]></{tag}>",
            "cdblank": f"<{tag}> <![CDATA[{text}]]> </{tag}>",
            "child": f"<{tag}>{text}<y/></{tag}>",
            "nil": f'<{tag} xsi:nil="{rng.choice(["true", "1", "false"])}">{text}</{tag}>',
            "nilchild": f'<{tag} xsi:nil="true"> <y/> </{tag}>',
            "comment": f"<{tag}>{text}<!--c--></{tag}>",
            "pi": f"<{tag}><?p?></{tag}>",
            "ws": f"<{tag}>\n {text} \n</{tag}>",
            "text": f"<{tag}>{text}</{tag}>",
        }[shape]

    def many(make, low: int = 0, high: int = 2) -> str:
        return "".join(make() for _ in range(rng.randint(low, high)))

    def J() -> str:
        return "<J>" + many(lambda: val("W")) + many(lambda: val("G")) + rng.choice(["", "\n "]) + "</J>"

    def M() -> str:
        q = f' q="{rng.choice([*DEEP_VALUES[:6], "true", "no"])}"' if rng.random() < 0.5 else ""
        body = [val("V") for _ in range(rng.choice([0, 1, 1, 2]))]
        body += [val("Z") for _ in range(rng.choice([0, 1, 1, 2]))]
        body += ["<K>" + many(J, 0, 3) + "</K>" for _ in range(rng.randint(0, 2))]
        rng.shuffle(body)
        if rng.random() < 0.3:
            body.append(rng.choice(["text", " ", "<!--c-->"]))
        nil = ' xsi:nil="true"' if rng.random() < 0.1 else ""
        return f"<M{q}{nil}>" + "".join(body) + "</M>"

    def B() -> str:
        x = f' x="{rng.choice(DEEP_VALUES[:8])}"' if rng.random() < 0.5 else ""
        return f"<B{x}>" + many(lambda: val("C")) + "</B>"

    parts = [
        many(lambda: "<A>" + many(B) + "</A>"),
        many(lambda: "<L>" + many(M, 0, 3) + "</L>"),
        many(lambda: val("d:D")),
        many(lambda: val("D"), 0, 1),
    ]
    rng.shuffle(parts)
    a = f' n:a="{rng.choice(DEEP_VALUES[:8])}"' if rng.random() < 0.5 else ""
    space = ' xml:space="preserve"' if rng.random() < 0.1 else ""
    text = rng.choice(["", "", "hello", " "])
    return f'<r xmlns:n="urn:n" xmlns:d="urn:d" {XSI}{a}{space}>{text}{"".join(parts)}</r>'


DEEP_MAPPERS = [_mappers_of(DEEP)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1))
def test_deep_documents_map_alike_on_every_path(seed: int) -> None:
    _same(deep_document(random.Random(seed)), mappers=DEEP_MAPPERS)


def test_a_plan_checks_what_it_is_given() -> None:
    from lxml import etree

    from etl import _accel

    root = etree.fromstring("<r><a>x</a></r>")
    with pytest.raises(TypeError, match="not initialised"):
        _accel.TablePlan.__new__(_accel.TablePlan).run(root, 1, (1,), False, {"t": []})
    nodes = [("", None, (), [], 1, 1), ("a", None, (5,), [], 0, 0)]
    with pytest.raises(ValueError, match="probe 5 outside"):
        _accel.TablePlan("t", nodes, 1, [], [], [], [], [], (), [], Exception)
    nodes = [("", None, (), [], 1, 3)]
    with pytest.raises(ValueError, match="children 1"):
        _accel.TablePlan("t", nodes, 1, [], [], [], [], [], (), [], Exception)
    plan = _accel.TablePlan("t", [("", None, (), [], 0, 0)], 0, [], [], [], [], [], (), [], Exception)
    with pytest.raises(TypeError, match="initialised once"):
        plan.__init__("t", [("", None, (), [], 0, 0)], 0, [], [], [], [], [], (), [], Exception)


def test_a_blank_before_a_cdata_section_is_text() -> None:
    # The fast parser takes it for ignorable whitespace; a document with CDATA is parsed exactly.
    doc = "<r><S> <![CDATA[ab]]></S><I>1</I></r>"
    for mapper in MAPPERS[[*TABLES].index("cross")]:
        assert mapper.map(1, doc) == ({"cross": [(1, " ab", 1)]}, [])


def test_the_plan_numbers_are_the_extension_s() -> None:
    from etl import _accel

    assert {name: getattr(mapping_accel, name) for name in _accel.CONSTANTS} == _accel.CONSTANTS
