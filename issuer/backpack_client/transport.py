"""HTTP to a backpack: a ``requests`` session (what Authlib's OAuth 2.0 client runs on) whose
every request obeys the verifier's SSRF rules.

The backpack's address comes from an earner, so it is as untrusted as a URL pasted into the
verifier. ``GuardedAdapter`` checks each request's URL with ``SafeHttpFetcher.check`` (http(s)
only, no credentials, and no private, loopback, link-local... address unless the deployment allows
it), then connects to the very address it checked (TLS still verifies the host name), so a DNS
answer cannot change in between. Redirects are re-checked hop by hop (at most three); answers are
capped in bytes and in wall-clock time; compressed answers are refused rather than inflated;
proxies and ``.netrc`` from the environment are ignored.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import urllib3
from requests import PreparedRequest, Response, Session
from requests.adapters import HTTPAdapter

from issuer.backpack_client.errors import BackpackUnreachable
from issuer.verify.fetch import Resolver, SafeHttpFetcher, system_resolver

MAX_RESPONSE_BYTES = 1024 * 1024
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 3
USER_AGENT = "ptsb-badge-issuer/1 (+Open Badges 3.0 API client: send to my backpack)"
_READ_STEP = 64 * 1024


class GuardedAdapter(HTTPAdapter):
    """Sends each request to the checked address of its host, and reads a capped answer."""

    def __init__(
        self,
        guard: SafeHttpFetcher,
        *,
        max_bytes: int = MAX_RESPONSE_BYTES,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(pool_connections=1, pool_maxsize=1, max_retries=0)
        self.guard = guard
        self.max_bytes = max_bytes
        self.timeout = timeout
        self._target: Any = None
        self._pools: list[urllib3.HTTPConnectionPool] = []

    def send(  # type: ignore[override]  # requests' signature, narrowed to what we honour
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        """Check the URL, connect to the checked address, and read at most ``max_bytes``."""
        self._target = self.guard.check(request.url or "")  # FetchRefused / FetchFailed
        request.headers["Host"] = self._target.host_header
        request.headers["Accept-Encoding"] = "identity"
        deadline = time.monotonic() + self.timeout
        response = super().send(
            request, stream=True, timeout=(self.timeout, self.timeout), verify=True
        )
        try:
            body = _read_capped(response, self.max_bytes, deadline)
        finally:
            response.raw.close()
        response._content = body  # what ``response.content`` answers from now on
        return response

    def get_connection_with_tls_context(
        self,
        request: PreparedRequest,
        verify: Any,
        proxies: Mapping[str, str] | None = None,
        cert: Any = None,
    ) -> urllib3.HTTPConnectionPool:
        """A one-connection pool to the address ``send`` just checked, not to a fresh lookup."""
        target = self._target
        pool: urllib3.HTTPConnectionPool
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                target.address,
                target.port,
                maxsize=1,
                retries=False,
                cert_reqs="CERT_REQUIRED",
                server_hostname=target.host,
                assert_hostname=target.host,
            )
        else:
            pool = urllib3.HTTPConnectionPool(target.address, target.port, maxsize=1, retries=False)
        self._pools.append(pool)
        return pool

    def close(self) -> None:
        """Close every connection this adapter opened."""
        super().close()
        for pool in self._pools:
            pool.close()
        self._pools.clear()


def _read_capped(response: Response, limit: int, deadline: float) -> bytes:
    """The body, refusing one over ``limit`` bytes, a compressed one, or one that runs late."""
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise BackpackUnreachable(f"The backpack answered in an encoding we refuse ({encoding}).")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise BackpackUnreachable("The backpack took too long to answer.")
        chunk = response.raw.read1(_READ_STEP)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)


def _too_large(limit: int) -> BackpackUnreachable:
    return BackpackUnreachable(f"The backpack answered more than {limit // 1024} KiB.")


def guarded_session(
    session: Session,
    *,
    allow_private: bool,
    resolver: Resolver = system_resolver,
    timeout: float = TIMEOUT_SECONDS,
) -> Session:
    """``session`` (an Authlib ``OAuth2Session`` or a plain one) with the SSRF rules mounted."""
    adapter = GuardedAdapter(
        SafeHttpFetcher(allow_private=allow_private, resolver=resolver), timeout=timeout
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.trust_env = False
    session.max_redirects = MAX_REDIRECTS
    session.headers["User-Agent"] = USER_AGENT
    return session
