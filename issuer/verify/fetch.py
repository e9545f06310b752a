"""Fetching badge documents for the verifier: SSRF-safe over HTTP, our own documents from storage.

``SafeHttpFetcher`` is the only way the verifier reaches the network. For every URL, and again
for every redirect target, it allows only http(s) without credentials, resolves the host name
once, refuses the request when ANY resolved address is private, loopback, link-local, multicast,
reserved, unspecified or otherwise not global (IPv4 and IPv6, looking inside IPv4-mapped, 6to4,
Teredo and NAT64 addresses), and then connects to the very address it checked (urllib3 with
``server_hostname``/``assert_hostname`` so TLS still verifies the name): a DNS answer cannot
change between check and connect. Redirects are followed by hand, at most ``max_redirects``;
responses are capped in bytes (2 MiB) and in wall-clock time. ``allow_private`` lifts only the
address check (``VERIFY_ALLOW_PRIVATE``, for tests and closed networks); ``allow_networks`` exempts
only the networks it lists (e.g. one intranet host). The deadline is checked before every socket
read, each of which may wait at most the time left, so a stalling server is cut off within about
twice ``timeout``. ``opened`` records the URLs requested, for diagnostics and tests.

``LocalFirstFetcher`` answers URLs under our own ``BASE_URL`` from a lookup function (the API
passes the stored published documents) and hands every other URL to the HTTP fetcher, so our
own badges verify without the network. ``MemoFetcher`` fetches each URL once per verification.

``SafeHttpFetcher.post`` sends webhooks under the same address rules, following no redirect.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from issuer.errors import BadRequest, UnsafeInput

MAX_FETCH_BYTES = 2 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 3
MAX_URL_LENGTH = 2048
USER_AGENT = "ptsb-badge-verifier/1 (+Open Badges 2.0 and 3.0 verification)"
WEBHOOK_USER_AGENT = "ptsb-badge-issuer-webhooks/1"
ACCEPT = "application/ld+json, application/json;q=0.9, application/jose;q=0.8, */*;q=0.1"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_READ_STEP = 64 * 1024
# NAT64 well-known prefix (RFC 6052): the last 32 bits are an IPv4 address.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]


class FetchRefused(UnsafeInput):
    """A URL the verifier will not fetch (scheme, credentials, forbidden address, size)."""

    code = "fetch_refused"
    message = "The verifier refused to fetch that URL."


class FetchFailed(BadRequest):
    """A URL that could not be fetched (DNS, connection, timeout, HTTP status)."""

    code = "fetch_failed"
    message = "The document could not be fetched."

    def __init__(self, message: str | None = None, *, code: str | None = None, status: int = 0):
        """Keep the HTTP status (0 when there was no answer) so callers can tell 404 from 410."""
        super().__init__(message, code=code)
        self.status = status


@dataclass(frozen=True)
class Fetched:
    """A final (non-redirect) answer: the URL it came from, its status, media type and bytes."""

    url: str
    status: int
    media_type: str
    body: bytes

    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300


class Fetcher(Protocol):
    """What the verifier calls to read a URL; raises FetchRefused or FetchFailed."""

    def __call__(self, url: str) -> Fetched:
        """The answer at ``url`` (any status; redirects already followed)."""
        ...


def address_problem(address: IPAddress) -> str | None:
    """Why an address may not be fetched (its class), or None when it is a global unicast one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            problem = address_problem(embedded)
            if problem is not None:
                return f"{problem} (IPv4 {embedded} inside IPv6)"
    for label, flagged in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not globally routable", not address.is_global),
    ):
        if flagged:
            return label
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo server/client, NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (TCP), as strings."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as error:
        raise FetchFailed(
            f"The host {host!r} could not be resolved.", code="dns_failure"
        ) from error
    return [str(answer[4][0]) for answer in answers]


@dataclass(frozen=True)
class _Target:
    """A checked URL: where to connect (the checked IP) and what to ask for there."""

    scheme: str
    host: str
    port: int
    address: str
    path: str

    @property
    def host_header(self) -> str:
        """The Host header: the name as given, with the port when it is not the default."""
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


@dataclass
class SafeHttpFetcher:
    """GET over http(s) with the SSRF rules above; one instance may serve many requests."""

    allow_private: bool = False
    allow_networks: tuple[IPNetwork, ...] = ()
    max_bytes: int = MAX_FETCH_BYTES
    timeout: float = FETCH_TIMEOUT_SECONDS
    max_redirects: int = MAX_REDIRECTS
    resolver: Resolver = system_resolver
    clock: Callable[[], float] = time.monotonic
    ca_certs: str | None = None
    opened: list[str] = field(default_factory=list)

    def __call__(self, url: str) -> Fetched:
        """Fetch ``url``, following up to ``max_redirects`` redirects, each target re-checked."""
        deadline = self.clock() + self.timeout
        current = url
        for _ in range(self.max_redirects + 1):
            target = self.check(current)
            answer, location = self._request(target, current, deadline)
            if location is None:
                return answer
            current = urljoin(current, location)
        raise FetchRefused(
            f"More than {self.max_redirects} redirects starting at {url}.",
            code="too_many_redirects",
        )

    def check(self, url: str) -> _Target:
        """Refuse a URL by its form or by the addresses its host resolves to; else the target."""
        scheme, host, port, path = _url_parts(url)
        addresses = self.resolver(host, port)
        if not addresses:
            raise FetchFailed(f"The host {host!r} has no addresses.", code="dns_failure")
        if not self.allow_private:
            for text in addresses:
                address = _parse_ip(text)
                problem = address_problem(address)
                if problem is not None and not self._exempt(address):
                    raise FetchRefused(
                        f"{host} resolves to a {problem} address ({text}); "
                        "the verifier fetches only public addresses.",
                        code="forbidden_address",
                    )
        return _Target(scheme, host, port, addresses[0], path)

    def _exempt(self, address: IPAddress) -> bool:
        """Whether configuration lets this one address through the check."""
        return any(address in network for network in self.allow_networks)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Fetched:
        """POST ``body`` to ``url`` under the same address rules; a redirect is answered as is,
        never followed (webhook receivers must answer at the URL they registered)."""
        deadline = self.clock() + self.timeout
        target = self.check(url)
        request = {"Host": target.host_header, "User-Agent": WEBHOOK_USER_AGENT, **headers}
        answer, _ = self._request(target, url, deadline, method="POST", headers=request, body=body)
        return answer

    def _request(
        self,
        target: _Target,
        url: str,
        deadline: float,
        *,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> tuple[Fetched, str | None]:
        """One request to the checked address; a redirect answers its Location instead."""
        self.opened.append(url)
        remaining = self._remaining(deadline, url)
        pool = _pool(target, urllib3.Timeout(connect=remaining, read=remaining), self.ca_certs)
        try:
            response = pool.urlopen(
                method,
                target.path,
                body=body,
                headers=headers
                or {
                    "Host": target.host_header,
                    "Accept": ACCEPT,
                    "Accept-Encoding": "gzip, identity",
                    "User-Agent": USER_AGENT,
                },
                redirect=False,
                retries=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
            )
            try:
                if response.status in _REDIRECTS and response.headers.get("Location"):
                    return _empty(url, response.status), response.headers["Location"]
                body = self._read(response, url, deadline)
            finally:
                response.close()  # also the socket: a body left unread is never reused
        except NewConnectionError as error:  # a subclass of urllib3's TimeoutError
            raise FetchFailed(f"Cannot connect to {url}.", code="connection_failed") from error
        except Urllib3Timeout as error:
            raise _timeout(url, self.timeout) from error
        except Urllib3Error as error:
            raise FetchFailed(
                f"Fetching {url} failed: {error}", code="connection_failed"
            ) from error
        finally:
            pool.close()
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        return Fetched(url, response.status, media_type, body), None

    def _read(self, response: urllib3.BaseHTTPResponse, url: str, deadline: float) -> bytes:
        """Read the body in steps, stopping at the byte cap and at the deadline."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise _too_large(url, self.max_bytes)
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding not in ("identity", "gzip", ""):
            raise FetchFailed(f"{url} answered in encoding {encoding!r}.", code="bad_encoding")
        chunks: list[bytes] = []
        size = 0
        while True:
            self._remaining(deadline, url)
            chunk = response.read1(_READ_STEP)  # at most one socket read: the deadline holds
            if not chunk:
                break
            size += len(chunk)
            if size > self.max_bytes:
                raise _too_large(url, self.max_bytes)
            chunks.append(chunk)
        body = b"".join(chunks)
        return _gunzip(body, url, self.max_bytes) if encoding == "gzip" else body

    def _remaining(self, deadline: float, url: str) -> float:
        """Seconds left before the deadline; refuses to go on once it has passed."""
        left = deadline - self.clock()
        if left <= 0:
            raise _timeout(url, self.timeout)
        return left


def _pool(
    target: _Target, timeout: urllib3.Timeout, ca_certs: str | None
) -> urllib3.HTTPConnectionPool:
    """A one-connection pool to the checked IP; TLS verifies the certificate for the host name."""
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=ca_certs,
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False)


def _url_parts(url: str) -> tuple[str, str, int, str]:
    """Scheme, ASCII host, port and request path of an acceptable URL; FetchRefused otherwise."""
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        raise FetchRefused(f"URLs longer than {MAX_URL_LENGTH} characters are refused.")
    if any(ord(char) < 33 or ord(char) == 127 for char in url):
        raise FetchRefused("The URL contains spaces or control characters.", code="invalid_url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise FetchRefused(f"Not a valid URL: {url!r}.", code="invalid_url") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused(
            f"Only http and https URLs are fetched, not {scheme or 'relative'!r}.",
            code="unsupported_scheme",
        )
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("URLs with user names or passwords are refused.", code="invalid_url")
    host = _ascii_host(parts.hostname or "")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _ascii_host(host: str) -> str:
    """The host in ASCII (IDNA for names); refuses an empty or malformed one."""
    if not host:
        raise FetchRefused("The URL has no host.", code="invalid_url")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        return host.encode("idna").decode("ascii").rstrip(".")
    except UnicodeError as error:
        raise FetchRefused(f"Invalid host name {host!r}.", code="invalid_url") from error


def _parse_ip(text: str) -> IPAddress:
    """An address from the resolver; a scoped IPv6 literal keeps its address part."""
    return ipaddress.ip_address(text.split("%", 1)[0])


def _gunzip(body: bytes, url: str, limit: int) -> bytes:
    """Decompress a gzip body, refusing one that inflates beyond ``limit`` (a gzip bomb)."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as error:
        raise FetchFailed(f"{url} sent invalid gzip data.", code="bad_encoding") from error
    if len(data) > limit or inflater.unconsumed_tail:
        raise _too_large(url, limit)
    return data


def _empty(url: str, status: int) -> Fetched:
    """A bodiless answer (a redirect, before its Location is followed)."""
    return Fetched(url, status, "", b"")


def _too_large(url: str, limit: int) -> FetchRefused:
    """The refusal of a body over the byte cap."""
    return FetchRefused(f"{url} answered more than {limit} bytes.", code="response_too_large")


def _timeout(url: str, seconds: float) -> FetchFailed:
    """The failure of a fetch that ran out of time."""
    return FetchFailed(f"{url} did not answer within {seconds:g} seconds.", code="fetch_timeout")


LocalLookup = Callable[[str], tuple[bytes, str] | None]
"""Our stored document at a path: ``(body, media type)``, or None when nothing is published."""


@dataclass
class LocalFirstFetcher:
    """Our own URLs (under ``base_url``) from storage; every other URL through ``fallback``."""

    base_url: str
    lookup: LocalLookup
    fallback: Fetcher

    def __call__(self, url: str) -> Fetched:
        """A stored document for our origin (404 when absent, never the network); else fetch."""
        path = self.local_path(url)
        if path is None:
            return self.fallback(url)
        found = self.lookup(path) if "?" not in path else None
        if found is None:
            return Fetched(url, 404, "", b"")
        body, media_type = found
        return Fetched(url, 200, media_type.split(";")[0].strip().lower(), body)

    def local_path(self, url: str) -> str | None:
        """The path (without fragment) of a URL on our own origin, else None."""
        base = self.base_url.rstrip("/")
        if not isinstance(url, str) or not url.startswith(base + "/"):
            return None
        return url[len(base) :].split("#", 1)[0]


@dataclass
class MemoFetcher:
    """Remembers answers (and refusals) for one verification, so each URL is fetched once."""

    inner: Fetcher
    answers: dict[str, Fetched | FetchRefused | FetchFailed] = field(default_factory=dict)

    def __call__(self, url: str) -> Fetched:
        """The inner fetcher's answer for ``url`` without its fragment, fetched at most once."""
        key = url.split("#", 1)[0] if isinstance(url, str) else url
        if key not in self.answers:
            try:
                self.answers[key] = self.inner(key)
            except (FetchRefused, FetchFailed) as error:
                self.answers[key] = error
        answer = self.answers[key]
        if isinstance(answer, FetchRefused | FetchFailed):
            raise answer
        return answer
