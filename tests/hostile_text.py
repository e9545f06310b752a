"""People's text that must never become markup: one value per attack, shared by the unit and API
tests. ``API_SAFE`` are those the API accepts (it refuses control characters, SPEC §5)."""

from __future__ import annotations

import pytest

QUOTES = 'Leaders" onload="alert(1)'
LONE_QUOTE = 'Grade 5" Leaders'
SCRIPT = "O'Brien's <script>alert(1)</script> <img src=x onerror=alert(2)>"
CDATA_END = "]]><script>alert(3)</script><![CDATA["
ENTITIES = "&amp; &lt;b&gt; &#x3C;svg&#x3E; &unknown; &"
RIGHT_TO_LEFT = "\u202eLeaders\u202c \u200f\u05de\u05e0\u05d4\u05d9\u05d2\u05d9\u05dd"
CONTROL = "Lead\x01ers\x1f\x0b\x0c\ufffe\uffff"

API_SAFE = [
    pytest.param(QUOTES, id="quotes"),
    pytest.param(LONE_QUOTE, id="lone-quote"),
    pytest.param(SCRIPT, id="script"),
    pytest.param(CDATA_END, id="cdata-end"),
    pytest.param(ENTITIES, id="entities"),
    pytest.param(RIGHT_TO_LEFT, id="right-to-left"),
]
ALL = [*API_SAFE, pytest.param(CONTROL, id="control-characters")]


def as_xml_reads_it(value: str) -> str:
    """What an XML parser gives back for ``value``: the text without characters XML forbids."""
    return "".join(
        c
        for c in value
        if c in "\t\n\r"
        or (ord(c) >= 0x20 and c not in "\ufffe\uffff" and not 0xD800 <= ord(c) <= 0xDFFF)
    )
