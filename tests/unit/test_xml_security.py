"""Hostile documents fail cleanly: nothing expanded, no file read into the rows, no connection made."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest
from lxml import etree
from test_mapping_helpers import mapper_for

from etl.xmlparse import EXACT_PARSER, FAST_PARSER, DocumentError, parse

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE r [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<r><a>&lol9;</a></r>"""
XXE_FILE = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r><a>&xxe;</a></r>'
XXE_PARAMETER = '<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r><a>x</a></r>'
DTD_FILE = '<!DOCTYPE r SYSTEM "file:///etc/passwd"><r><a>x</a></r>'
REFUSED = "refused: the document declares a DOCTYPE"


@pytest.fixture
def listener():
    """A TCP socket on 127.0.0.1 that records every connection made to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    seen: list[tuple] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, addr = server.accept()
            except OSError:
                continue
            seen.append(addr)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join(2)
    server.close()


def _mapper():
    return mapper_for({"a": {"xpath": "a", "type": "text"}})


@pytest.mark.parametrize(
    "document",
    [BILLION_LAUGHS, XXE_FILE, XXE_PARAMETER, DTD_FILE],
    ids=["billion-laughs", "xxe-file", "xxe-parameter-entity", "external-dtd-file"],
)
@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
def test_doctype_documents_are_refused(document: str, as_bytes: bool) -> None:
    rows, errors = _mapper().map(5, document.encode() if as_bytes else document)
    assert rows == {}
    assert [str(e) for e in errors] == [
        f"app_id=5 <document>: {REFUSED} (DTDs and entity declarations are not allowed; "
        "nothing was expanded or fetched)"
    ]


def test_utf16_doctype_is_refused_too() -> None:
    with pytest.raises(DocumentError, match=REFUSED):
        parse(('<?xml version="1.0" encoding="utf-16"?>' + XXE_FILE.split("?>", 1)[1]).encode("utf-16"))


@pytest.mark.parametrize(
    "template",
    [
        '<!DOCTYPE r SYSTEM "http://127.0.0.1:{port}/x.dtd"><r><a>x</a></r>',
        '<!DOCTYPE r [<!ENTITY e SYSTEM "http://127.0.0.1:{port}/e">]><r><a>&e;</a></r>',
        '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p"> %p;]><r/>',
    ],
    ids=["external-dtd", "external-entity", "parameter-entity"],
)
def test_network_entities_make_no_connection(listener, template: str) -> None:
    port, seen = listener
    document = template.format(port=port)
    _, errors = _mapper().map(1, document)
    assert len(errors) == 1 and REFUSED in errors[0].reason
    for parser in (FAST_PARSER, EXACT_PARSER):  # the parsers themselves must not fetch either
        with contextlib.suppress(etree.XMLSyntaxError):
            etree.fromstring(document.encode(), parser)
    assert seen == []


def test_undeclared_entity_is_a_clear_error() -> None:
    _, errors = _mapper().map(1, "<r><a>&xxe;</a></r>")
    assert "Entity 'xxe' not defined" in errors[0].reason and "entities are not expanded" in errors[0].reason


def test_parser_options_are_explicit() -> None:
    # a predefined entity and character references still work; nothing else is resolved
    root = etree.fromstring(b"<r>&amp;&#65;</r>", FAST_PARSER)
    assert root.text == "&A"
