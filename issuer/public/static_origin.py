"""The static origin: what the exported tree's documents are answered with, and the nginx
configuration that serves the tree (``flask --app wsgi publish nginx-config``).

The app's headers for a stored document come from ``document_headers`` and ``security_headers``
alone; ``answer_headers`` computes them the same way for the export, which groups them into
header profiles. The rendered configuration holds one nginx ``map`` per header (profile and answer
type to value), so nginx sends exactly the app's values; the ETag is the object's name (the app's
ETag is the body's hash, so it is known when the file is written), and nginx's own mtime-size ETag,
Last-Modified and byte ranges are off. A profile the configuration does not know, or an Accept
header it cannot decide as ``negotiate`` does, is passed to the app: nginx answers only what it
answers identically.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path

from issuer.public import HTML, JSON_TYPES, document_headers, negotiate
from issuer.web.transport import security_headers
from issuer.workflow.awards.public_reads import StoredDocument
from issuer.workflow.awards.static_export import Headers, profile_of

# Accept headers verifiers and libraries send; each is classed by ``negotiate`` itself when the
# configuration is rendered, and those it answers with HTML are left out (the app answers them).
ACCEPT_CANDIDATES = (
    "",
    "*/*",
    "application/ld+json",
    "application/json",
    "application/ld+json, application/json",
    "application/ld+json,application/json",
    "application/json, application/ld+json",
    "application/json,application/ld+json",
    "application/ld+json, application/json;q=0.9",
    "application/ld+json, application/json, */*",
    "application/ld+json, */*;q=0.8",
    "application/json, */*",
    "application/json, text/plain, */*",
    "application/json;q=0.9, application/ld+json",
)
ANSWER_CLASSES = {"application/ld+json": "ld", "application/json": "json"}
# Media types a configuration rendered before any export already answers for.
KNOWN_MEDIA_TYPES = (
    *JSON_TYPES,
    "application/jose",  # OB 2.0 signed assertions
    "application/jwt",  # OB 3.0 VC-JWTs
    "application/jwk+json",  # OB 3.0 keys as JWK
    "image/png",
    "image/svg+xml",
    "image/jpeg",
    "image/gif",
)
TEMPLATE = "static_origin.conf"
UNSAFE_VALUE = re.compile(r'[$"\\\r\n]')  # what a quoted nginx string cannot hold as is


def answer_headers(document: StoredDocument, *, https: bool) -> dict[str, Headers]:
    """The headers the app sends with ``document`` for each answer type: "ld" and "json" for a
    JSON document (its page, for browsers, stays with the app), "any" for the rest."""
    if document.media_type in JSON_TYPES:
        kinds = {"ld": "application/ld+json", "json": "application/json"}
    else:
        kinds = {"any": document.media_type}
    answers: dict[str, Headers] = {}
    for kind, media_type in kinds.items():
        headers = document_headers(document, media_type)
        headers += security_headers((n for n, _ in headers), media_type, https=https)
        answers[kind] = headers
    return answers


def accept_classes() -> dict[str, str]:
    """Accept header -> "ld" or "json", exactly as ``negotiate`` answers them."""
    classes: dict[str, str] = {}
    for accept in ACCEPT_CANDIDATES:
        answer = negotiate(accept or None)
        if answer != HTML:
            classes[accept] = ANSWER_CLASSES[answer]
    return classes


def standard_profiles(*, https: bool) -> dict[str, dict[str, Headers]]:
    """The profiles of documents of every known media type and cache class."""
    profiles: dict[str, dict[str, Headers]] = {}
    for media_type in KNOWN_MEDIA_TYPES:
        for path, award_id in (("/ob2/x", None), ("/ob2/x/image", None), ("/ob2/x", "a")):
            document = StoredDocument(path, media_type, b"", '"0"', award_id)
            name, kept = profile_of(answer_headers(document, https=https))
            profiles[name] = kept
    return profiles


def tree_profiles(root: Path) -> dict[str, dict[str, Headers]]:
    """The profiles an export wrote into the tree at ``root``."""
    found: dict[str, dict[str, Headers]] = {}
    for path in sorted((root / "profiles").glob("*.json")):
        found[path.stem] = json.loads(path.read_text())
    return found


def _quoted(value: str) -> str:
    return '"' + value + '"'


def render_nginx_config(
    root: Path,
    upstream: str,
    profiles: dict[str, dict[str, Headers]],
    *,
    listen: str = "80",
    server_name: str = "_",
) -> str:
    """The nginx configuration (an http-block include) serving ``root`` for ``profiles``."""
    values: dict[str, dict[str, str]] = {}  # header name -> "profile:class" -> value
    names: dict[str, str] = {}  # lower-case header name -> name as the app spells it
    for profile, answers in sorted(profiles.items()):
        if any(UNSAFE_VALUE.search(v) for hs in answers.values() for _n, v in hs):
            continue  # a value nginx cannot carry literally: the app keeps answering these
        for kind, headers in answers.items():
            classes = ("ld", "json", "app") if kind == "any" else (kind,)
            for name, value in headers:
                names.setdefault(name.lower(), name)
                for answer_class in classes:
                    values.setdefault(name.lower(), {})[f"{profile}:{answer_class}"] = value
    maps, adds = [], []
    for lower in sorted(values):
        variable = "$issuer_" + re.sub(r"[^a-z0-9]", "_", lower)
        entries = "\n".join(
            f"    {_quoted(key)} {_quoted(value)};" for key, value in sorted(values[lower].items())
        )
        maps.append(
            f'map "$issuer_object_profile:$issuer_accept" {variable} {{\n'
            f'    default "";\n{entries}\n}}'
        )
        adds.append(f"        add_header {names[lower]} {variable};")
    if "content-type" not in values:
        maps.append('map $issuer_object $issuer_content_type { default ""; }')
    adds.append("        add_header ETag $issuer_object_etag;")
    accept_entries = "\n".join(
        f"    {_quoted(accept)} {answer};" for accept, answer in accept_classes().items()
    )
    text = files("issuer.public").joinpath(TEMPLATE).read_text()
    replacements = {
        "{{service}}": "the badge issuer",
        "{{root}}": str(root.resolve()),
        "{{upstream}}": upstream,
        "{{listen}}": listen,
        "{{server_name}}": server_name,
        "{{accept_entries}}": accept_entries,
        "{{header_maps}}": "\n".join(maps),
        "{{add_headers}}": "\n".join(adds),
    }
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    return text
