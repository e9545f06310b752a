"""People's text placed into the XML we write (SVG artwork, baked SVG): one routine per context.

Names, descriptions and payloads come from people; none of it may become markup. Each function
returns text that is safe for exactly one place in a document, and first drops the characters
XML 1.0 cannot carry at all (C0 controls other than tab, line feed and carriage return, lone
surrogates, U+FFFE and U+FFFF), so the output always parses. HTML goes through Jinja's
autoescaping and PDF through fpdf2's string encoding; neither uses these.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTRIBUTE_ENTITIES = {
    '"': "&quot;",
    "'": "&apos;",
    "\t": "&#9;",  # character references keep whitespace that attribute normalisation would flatten
    "\n": "&#10;",
    "\r": "&#13;",
}
_CDATA_END = "]]>"


def xml_chars(value: str) -> str:
    """``value`` without the characters XML 1.0 forbids (they cannot even be escaped)."""
    return _NOT_XML_CHAR.sub("", value)


def xml_text(value: str) -> str:
    """``value`` as element content: ``& < >`` escaped."""
    return escape(xml_chars(value))


def xml_attribute(value: str) -> str:
    """``value`` as a complete, double-quoted attribute value, quotes included: ``name=`` + this."""
    return '"' + escape(xml_chars(value), _ATTRIBUTE_ENTITIES) + '"'


def xml_cdata(value: str) -> str:
    """``value`` as one or more CDATA sections; a ``]]>`` inside is split across two sections."""
    body = xml_chars(value).replace(_CDATA_END, "]]]]><![CDATA[>")
    return f"<![CDATA[{body}]]>"
