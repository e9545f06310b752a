"""Run 1EdTech's Open Badges 2.0 validator (PyPI `openbadges` 1.1.2) offline.

Executed by tests/interop/harness.py with the python of the ISOLATED venv that holds the
validator (never the project's venv). Reads one JSON request on stdin:

    {"data": "<URL, JSON or JWS>"} or {"file": "<path to a baked PNG/SVG>"},
    "recipient": {"email": "..."} | null,
    "contexts": {"<context URL>": "<local file path>", ...},
    "origins": {"https://badges.test": "http://127.0.0.1:PORT"}   (optional)

and prints one JSON object on stdout: the validator's `report` plus its `graph` and `input`, and
`offMachineAttempts` (hosts it refused to reach; empty when everything was local). A request
{"items": [{"data"|"file", "recipient"}, ...], "contexts": {...}} validates each item in this one
process (saving the start-up) and answers {"reports": [...]}.
`runner.py --import-check` only imports the validator (used after installing).

Nothing leaves this machine: sockets may only connect to loopback addresses, the JSON-LD
contexts the validator would download are answered from local files, and "origins" lets badges
whose ids are on a public https origin be served by a loopback server (the validator still sees
the public URLs).
"""

from __future__ import annotations

import collections
import collections.abc
import ipaddress
import json
import socket
import sys
import warnings
from pathlib import Path
from urllib.parse import urlsplit

# The validator's old pins (python-jose 3.0.1, jsonschema 2.6, requests-cache 0.4) import ABCs from
# `collections`, which Python 3.10 removed.
for _name in (
    "Mapping",
    "MutableMapping",
    "Sequence",
    "MutableSequence",
    "Iterable",
    "Callable",
    "Set",
    "MutableSet",
    "Hashable",
    "Sized",
    "Container",
    "Iterator",
):
    setattr(collections, _name, getattr(collections.abc, _name))

warnings.simplefilter("ignore")

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


OFF_MACHINE_ATTEMPTS: list[str] = []


class OffMachineBlocked(OSError):
    """A connection to a non-loopback address was attempted."""


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def install_network_guard() -> None:
    """Refuse name resolution and connections for anything that is not loopback."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not _is_loopback(name):
            OFF_MACHINE_ATTEMPTS.append(str(name))
            raise OffMachineBlocked(f"ob2 runner: refusing to resolve non-loopback host {name!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            OFF_MACHINE_ATTEMPTS.append(str(address[0]))
            raise OffMachineBlocked(f"ob2 runner: refusing to connect to {address!r}")

    def connect(self, address):
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(self, address)
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex


def _map_origin(url: str, origins: dict[str, str]) -> str:
    for public, local in origins.items():
        if url == public or url.startswith(public.rstrip("/") + "/"):
            return local.rstrip("/") + url[len(public.rstrip("/")) :]
    return url


def patch_transport(contexts: dict[str, str], origins: dict[str, str]) -> None:
    """In every requests session: answer the known JSON-LD context URLs from local files, and
    send requests for a mapped public origin (https://badges.test) to its loopback stand-in."""
    import requests
    import requests.adapters

    documents = {url: Path(path).read_bytes() for url, path in contexts.items()}
    for local in origins.values():
        if not _is_loopback(urlsplit(local).hostname):
            raise SystemExit(f"ob2 runner: origin map target {local} is not loopback")
    real_send = requests.adapters.HTTPAdapter.send

    def send(self, request, *args, **kwargs):
        url = request.url.split("#", 1)[0]
        body = documents.get(url) or documents.get(url.rstrip("/"))
        if body is None:
            request.url = _map_origin(request.url, origins)
            return real_send(self, request, *args, **kwargs)
        response = requests.Response()
        response.status_code = 200
        response.reason = "OK"
        response._content = body
        response.headers["Content-Type"] = "application/ld+json"
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    requests.adapters.HTTPAdapter.send = send


def validate(item: dict) -> dict:
    """Validate one input ({"data"} or {"file"}, optional "recipient") and return its report."""
    from openbadges import verify

    OFF_MACHINE_ATTEMPTS.clear()
    recipient = item.get("recipient")
    if item.get("file"):
        with open(item["file"], "rb") as image:
            result = verify(image, recipient_profile=recipient)
    else:
        result = verify(item["data"], recipient_profile=recipient)
    report = dict(result["report"])
    report["graph"] = result.get("graph", [])
    report["input"] = result.get("input", {})
    report["offMachineAttempts"] = sorted(set(OFF_MACHINE_ATTEMPTS))
    return report


def main() -> int:
    if sys.argv[1:] == ["--import-check"]:
        import openbadges  # noqa: F401  (proves the venv and the shims work)

        return 0
    request = json.load(sys.stdin)
    install_network_guard()
    patch_transport(request.get("contexts", {}), request.get("origins", {}))
    from openbadges.verifier.utils import CachableDocumentLoader
    from pyld import jsonld

    # pyld's own default loader (urllib) is used by a few checks without options: route it through
    # requests so the same local contexts and the same guard apply.
    jsonld.set_document_loader(CachableDocumentLoader(use_cache=False))
    if "items" in request:
        answer: dict = {"reports": [validate(item) for item in request["items"]]}
    else:
        answer = validate(request)
    json.dump(answer, sys.stdout, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
