"""The verifier's fetcher refuses every SSRF target class, re-checks redirects, and caps size and
time; a loopback server (allowed explicitly, as VERIFY_ALLOW_PRIVATE would) shows what passes."""

from __future__ import annotations

import gzip
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from issuer.verify.fetch import (
    Fetched,
    FetchFailed,
    FetchRefused,
    LocalFirstFetcher,
    MemoFetcher,
    SafeHttpFetcher,
    address_problem,
)

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
CAP = 64 * 1024
DRIP_BYTES = 1000
DRIP_TICK = 0.05  # seconds between bytes: the whole drip lasts 50 s, far past any deadline here


@dataclass
class Stall:
    """How the stalling routes behave: /slow answers only once ``release`` is set; /drip sends
    one byte per tick until ``release`` is set or 1,000 bytes are out. ``finished`` lists the
    stalling routes that got to the end of their answer, so a test sees the fetcher give up
    while the server was still stalling, whatever the machine's load (no wall-clock bounds)."""

    release: threading.Event = field(default_factory=threading.Event)
    finished: list[str] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    """Routes: /ok, /redirect?to=URL, /loop, /big, /declared-big, /stream-big, /gzip-bomb,
    /gzip-ok, /slow, /drip, /status/NNN."""

    seen: list[str]
    stall: Stall

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.seen.append(self.path)
        parts = urlsplit(self.path)
        route = getattr(
            self, "route_" + parts.path.strip("/").split("/")[0].replace("-", "_"), None
        )
        if route is None:
            self._send(404, b"not found", "text/plain")
        else:
            route(parse_qs(parts.query), parts.path)

    def _send(self, status: int, body: bytes, media: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def route_ok(self, query: dict[str, list[str]], path: str) -> None:
        self._send(200, b'{"ok": true}', "application/ld+json; charset=utf-8")

    def route_redirect(self, query: dict[str, list[str]], path: str) -> None:
        self.send_response(302)
        self.send_header("Location", query["to"][0])
        self.send_header("Content-Length", "0")
        self.end_headers()

    def route_loop(self, query: dict[str, list[str]], path: str) -> None:
        self.route_redirect({"to": ["/loop"]}, path)

    def route_big(self, query: dict[str, list[str]], path: str) -> None:
        self._send(200, b"x" * (CAP + 1), "application/json")

    def route_declared_big(self, query: dict[str, list[str]], path: str) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(10 * 1024 * 1024 * 1024))
        self.end_headers()
        self.wfile.write(b"{}")

    def route_stream_big(self, query: dict[str, list[str]], path: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()  # no length: read until the connection closes
        for _ in range(4):
            self.wfile.write(b" " * CAP)
        self.close_connection = True

    def route_gzip_bomb(self, query: dict[str, list[str]], path: str) -> None:
        self._send(
            200, gzip.compress(b" " * (CAP * 50)), "application/json", Content_Encoding="gzip"
        )

    def route_gzip_ok(self, query: dict[str, list[str]], path: str) -> None:
        self._send(200, gzip.compress(b'{"ok": 1}'), "application/json", Content_Encoding="gzip")

    def route_slow(self, query: dict[str, list[str]], path: str) -> None:
        if not self.stall.release.wait(timeout=60):
            return
        self._send(200, b"{}", "application/json")
        self.stall.finished.append("/slow")

    def route_drip(self, query: dict[str, list[str]], path: str) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(DRIP_BYTES))
        self.end_headers()
        for _ in range(DRIP_BYTES):
            if self.stall.release.wait(timeout=DRIP_TICK):
                return
            self.wfile.write(b" ")
            self.wfile.flush()
        self.stall.finished.append("/drip")

    def route_status(self, query: dict[str, list[str]], path: str) -> None:
        self._send(int(path.rsplit("/", 1)[1]), b'{"revoked": true}', "application/json")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet."""


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that stops reading (as the fetcher does at its cap) is expected here."""


@pytest.fixture
def stall() -> Stall:
    return Stall()


@pytest.fixture
def server(stall: Stall) -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server; yields its base URL and the paths it was asked for."""
    seen: list[str] = []
    handler = type("Handler", (_Handler,), {"seen": seen, "stall": stall})
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", seen
    stall.release.set()
    httpd.shutdown()
    httpd.server_close()


def allowed(**options: Any) -> SafeHttpFetcher:
    """A fetcher that may reach the loopback test server and nothing else private."""
    return SafeHttpFetcher(allow_networks=LOOPBACK, **{"max_bytes": CAP, **options})


def refused_code(fetcher: SafeHttpFetcher, url: str) -> str:
    with pytest.raises(FetchRefused) as caught:
        fetcher(url)
    return caught.value.code


# --- every forbidden address class -----------------------------------------------------------


FORBIDDEN = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("10.0.0.1", "private"),
    ("172.16.5.4", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),  # noqa: S104 - the address under test, not a bind
    ("::", "unspecified"),
    ("240.0.0.1", "private"),  # Python files 240/4 (reserved) under is_private too
    ("255.255.255.255", "private"),
    ("100.64.0.1", "not globally routable"),  # carrier-grade NAT
    ("fc00::1", "private"),
    ("::ffff:127.0.0.1", "loopback (IPv4 127.0.0.1 inside IPv6)"),
    ("::ffff:169.254.169.254", "link-local (IPv4 169.254.169.254 inside IPv6)"),
    ("2002:a00:1::", "private (IPv4 10.0.0.1 inside IPv6)"),  # 6to4
    ("64:ff9b::a9fe:a9fe", "link-local (IPv4 169.254.169.254 inside IPv6)"),  # NAT64
]


@pytest.mark.parametrize(("address", "label"), FORBIDDEN)
def test_address_class_is_named(address: str, label: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) == label


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_global_unicast_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(("address", "label"), FORBIDDEN)
def test_literal_forbidden_address_is_refused_before_connecting(address: str, label: str) -> None:
    host = f"[{address}]" if ":" in address else address
    fetcher = SafeHttpFetcher()
    assert refused_code(fetcher, f"http://{host}:8080/assertion") == "forbidden_address"
    assert fetcher.opened == []


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:9/",  # resolves to loopback
        "http://2130706433/",  # 127.0.0.1 as one decimal number
        "http://0x7f.1/",  # and in hex shorthand
        "http://127.1/",
    ],
)
def test_names_resolving_to_loopback_are_refused(url: str) -> None:
    assert refused_code(SafeHttpFetcher(), url) == "forbidden_address"


def test_private_dns_answer_is_refused() -> None:
    fetcher = SafeHttpFetcher(resolver=lambda host, port: ["10.20.30.40"])
    with pytest.raises(FetchRefused) as caught:
        fetcher("https://badges.example.com/assertions/1")
    assert caught.value.code == "forbidden_address"
    assert "10.20.30.40" in caught.value.message and "private" in caught.value.message
    assert fetcher.opened == []


def test_any_private_address_among_the_answers_is_refused() -> None:
    fetcher = SafeHttpFetcher(resolver=lambda host, port: ["93.184.216.34", "127.0.0.1"])
    assert refused_code(fetcher, "https://mixed.example.com/") == "forbidden_address"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.org/badge.json", "unsupported_scheme"),
        ("file:///etc/passwd", "unsupported_scheme"),
        ("gopher://example.org/", "unsupported_scheme"),
        ("/relative/path", "unsupported_scheme"),
        ("http://user:secret@example.org/", "invalid_url"),
        ("http:///no-host", "invalid_url"),
        ("http://example.org/a b", "invalid_url"),
        ("http://example.org:99999/", "invalid_url"),
        ("http://example.org/" + "a" * 3000, "fetch_refused"),
    ],
)
def test_malformed_or_non_http_urls_are_refused(url: str, code: str) -> None:
    assert refused_code(SafeHttpFetcher(resolver=lambda h, p: ["93.184.216.34"]), url) == code


def test_unresolvable_host_is_a_fetch_failure() -> None:
    with pytest.raises(FetchFailed) as caught:
        SafeHttpFetcher()("http://no-such-host.invalid/")
    assert caught.value.code == "dns_failure"


# --- the positive path with the loopback exemption ---------------------------------------------


def test_allowed_loopback_fetch_answers_body_and_media_type(server: tuple[str, list[str]]) -> None:
    base, seen = server
    answer = allowed()(f"{base}/ok?x=1")
    assert answer == Fetched(f"{base}/ok?x=1", 200, "application/ld+json", b'{"ok": true}')
    assert seen == ["/ok?x=1"]


def test_verify_allow_private_lifts_the_address_check(server: tuple[str, list[str]]) -> None:
    base, _ = server
    assert SafeHttpFetcher(allow_private=True)(f"{base}/ok").ok


def test_without_the_allowance_the_loopback_server_is_refused(
    server: tuple[str, list[str]],
) -> None:
    base, seen = server
    assert refused_code(SafeHttpFetcher(), f"{base}/ok") == "forbidden_address"
    assert seen == []


def test_error_statuses_are_answers_not_exceptions(server: tuple[str, list[str]]) -> None:
    base, _ = server
    answer = allowed()(f"{base}/status/410")
    assert (answer.status, answer.ok, answer.body) == (410, False, b'{"revoked": true}')


# --- redirects ---------------------------------------------------------------------------------


def test_redirect_to_an_allowed_target_is_followed(server: tuple[str, list[str]]) -> None:
    base, seen = server
    answer = allowed()(f"{base}/redirect?to=/ok")
    assert answer.url == f"{base}/ok" and answer.ok
    assert seen == ["/redirect?to=/ok", "/ok"]


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ("http://169.254.169.254/latest/meta-data/", "forbidden_address"),
        ("http://10.0.0.7/internal", "forbidden_address"),
        ("http://[::1]:8080/", "forbidden_address"),
        ("http://[::ffff:10.0.0.1]/", "forbidden_address"),
        ("http://0.0.0.0:8080/admin", "forbidden_address"),
        ("file:///etc/passwd", "unsupported_scheme"),
        ("ftp://example.org/x", "unsupported_scheme"),
    ],
)
def test_redirect_to_a_forbidden_target_is_refused(
    server: tuple[str, list[str]], target: str, code: str
) -> None:
    base, seen = server
    assert refused_code(allowed(), f"{base}/redirect?to={target}") == code
    assert len(seen) == 1  # the forbidden target was never contacted


def test_redirects_are_capped(server: tuple[str, list[str]]) -> None:
    base, seen = server
    assert refused_code(allowed(max_redirects=3), f"{base}/loop") == "too_many_redirects"
    assert len(seen) == 4


# --- size and time -----------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["/big", "/declared-big", "/stream-big", "/gzip-bomb"])
def test_oversized_bodies_are_refused(server: tuple[str, list[str]], route: str) -> None:
    base, _ = server
    assert refused_code(allowed(), base + route) == "response_too_large"


def test_gzip_bodies_within_the_cap_are_inflated(server: tuple[str, list[str]]) -> None:
    base, _ = server
    assert allowed()(f"{base}/gzip-ok").body == b'{"ok": 1}'


def test_slow_server_times_out(server: tuple[str, list[str]], stall: Stall) -> None:
    """The server answers only when the test lets it: the fetcher must give up first."""
    base, _ = server
    with pytest.raises(FetchFailed) as caught:
        allowed(timeout=0.3)(f"{base}/slow")
    assert caught.value.code == "fetch_timeout"
    assert stall.finished == []


def test_a_server_dripping_bytes_cannot_outlast_the_deadline(
    server: tuple[str, list[str]], stall: Stall
) -> None:
    """Every read gets a byte promptly (no read timeout trips), yet the whole-answer deadline
    ends the fetch while the drip is still going."""
    base, _ = server
    with pytest.raises(FetchFailed) as caught:
        allowed(timeout=0.5)(f"{base}/drip")
    assert caught.value.code == "fetch_timeout"
    assert stall.finished == []


def test_the_deadline_is_read_from_the_fetchers_clock(server: tuple[str, list[str]]) -> None:
    """With a clock that has already run past the deadline, not even a prompt answer is read."""
    base, _ = server
    ticks = iter([0.0, 10.0, 20.0, 30.0, 40.0, 50.0])
    with pytest.raises(FetchFailed) as caught:
        allowed(timeout=5, clock=lambda: next(ticks))(f"{base}/ok")
    assert caught.value.code == "fetch_timeout"


def test_connection_refused_is_a_fetch_failure() -> None:
    fetcher = SafeHttpFetcher(allow_networks=LOOPBACK)
    with pytest.raises(FetchFailed) as caught:
        fetcher("http://127.0.0.1:9/")  # discard port: nothing listens
    assert caught.value.code == "connection_failed"


# --- local-first and memo ----------------------------------------------------------------------


def test_local_first_answers_our_urls_from_storage_and_never_the_network() -> None:
    stored = {"/ob2/assertions/1": (b"{}", "application/ld+json; charset=utf-8")}
    calls: list[str] = []

    def fallback(url: str) -> Fetched:
        calls.append(url)
        return Fetched(url, 200, "text/plain", b"remote")

    fetch = LocalFirstFetcher("https://badges.test", stored.get, fallback)
    assert fetch("https://badges.test/ob2/assertions/1#frag").body == b"{}"
    assert fetch("https://badges.test/ob2/assertions/1").media_type == "application/ld+json"
    assert fetch("https://badges.test/ob2/assertions/2").status == 404
    assert fetch("https://badges.test/x?q=1").status == 404
    assert fetch("https://badges.test.evil.example/ob2/assertions/1").body == b"remote"
    assert calls == ["https://badges.test.evil.example/ob2/assertions/1"]


def test_memo_fetches_each_url_once_and_remembers_refusals() -> None:
    calls: list[str] = []

    def inner(url: str) -> Fetched:
        calls.append(url)
        if "bad" in url:
            raise FetchRefused("no", code="forbidden_address")
        return Fetched(url, 200, "application/json", b"{}")

    memo = MemoFetcher(inner)
    assert memo("https://a.example/k#1") is memo("https://a.example/k#2")
    for _ in range(2):
        with pytest.raises(FetchRefused):
            memo("https://bad.example/")
    assert calls == ["https://a.example/k", "https://bad.example/"]


# --- TLS: connect to the checked address, verify the certificate for the name --------------------


def _certificate(tmp: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` and its key, as PEM files (the test's own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp / f"{name}.crt", tmp / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """An HTTPS loopback server whose certificate names badges.example; yields port and CA."""
    cert_file, key_file = _certificate(tmp_path, "badges.example")
    seen: list[str] = []
    httpd = _QuietServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"seen": seen}))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield httpd.server_port, cert_file
    httpd.shutdown()
    httpd.server_close()


def test_tls_is_verified_for_the_host_name_while_connecting_to_the_checked_ip(tls_server):
    port, ca = tls_server
    fetcher = allowed(resolver=lambda host, p: ["127.0.0.1"], ca_certs=str(ca))
    assert fetcher(f"https://badges.example:{port}/ok").body == b'{"ok": true}'


def test_tls_certificate_for_another_name_is_refused(tls_server):
    port, ca = tls_server
    fetcher = allowed(resolver=lambda host, p: ["127.0.0.1"], ca_certs=str(ca))
    with pytest.raises(FetchFailed) as caught:
        fetcher(f"https://other.example:{port}/ok")
    assert caught.value.code == "connection_failed"
    assert "doesn't match 'badges.example'" in caught.value.message


def test_untrusted_tls_certificate_is_refused(tls_server):
    port, _ = tls_server
    with pytest.raises(FetchFailed) as caught:
        allowed(resolver=lambda host, p: ["127.0.0.1"])(f"https://badges.example:{port}/ok")
    assert "certificate verify failed" in caught.value.message
