"""Fixtures for the interop harnesses: each installs its tool on first use (cached afterwards).
A missing prerequisite (node/npm, or venv creation) skips a local run and fails under CI."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.requirements import require_tool

from . import harness


@pytest.fixture(scope="session")
def ob2_validator() -> SimpleNamespace:
    """1EdTech's OB 2.0 validator once its isolated venv is built: validate, validate_many."""
    try:
        harness.ensure_ob2_venv()
    except harness.HarnessUnavailable as exc:
        require_tool(f"1EdTech OB 2.0 validator unavailable: {exc}")
    return SimpleNamespace(validate=harness.validate_ob2, validate_many=harness.validate_ob2_many)


@pytest.fixture(scope="session")
def node_vc() -> SimpleNamespace:
    """The Node.js VC stack once `npm ci` has run: verify_vc, sign_vc, verify_core, verify_jwt
    (and the *_many variants, which handle a list in one Node process)."""
    try:
        harness.ensure_node_modules()
    except harness.HarnessUnavailable as exc:
        require_tool(f"Node.js VC stack unavailable: {exc}")
    return SimpleNamespace(
        verify_vc=harness.node_verify_vc,
        verify_vc_many=harness.node_verify_vc_many,
        sign_vc=harness.node_sign_vc,
        sign_vc_many=harness.node_sign_vc_many,
        verify_core=harness.node_verify_core,
        verify_core_many=harness.node_verify_core_many,
        verify_jwt=harness.node_verify_jwt,
        vcapi_client=harness.node_vcapi_client,
        oid4vci_client=harness.node_oid4vci_client,
    )


@pytest.fixture(scope="session")
def contexts_dir() -> Path:
    """The vendored JSON-LD contexts the harnesses serve (the app's schemas/contexts)."""
    path = harness.default_contexts_dir()
    assert path.is_dir(), f"no contexts directory at {path}"
    return path


@pytest.fixture
def document_server() -> Iterator[harness.DocumentServer]:
    """A loopback HTTP server serving the documents a test adds to it."""
    server = harness.DocumentServer().start()
    yield server
    server.stop()


class LiveServer:
    """The app under test served over real HTTP on a loopback port, for the independent tools.

    ``app`` may come later (``serve``): an app whose BASE_URL is this server's own origin needs
    the port first. ``host`` names the origin (``localhost`` or ``127.0.0.1``, both loopback), so
    two servers can be two sites with cookies of their own, as browsers key cookies by host."""

    def __init__(self, app: Any = None, host: str = "127.0.0.1") -> None:
        from werkzeug.serving import make_server

        self.app = app
        self.server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, app: Any) -> None:
        """Start answering with ``app``."""
        self.app = app

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"not serving yet"]
        return self.app(environ, start_response)

    def origins(self, base_url: str) -> dict[str, str]:
        """Map the app's public origin (its BASE_URL) onto this loopback server."""
        return {base_url: self.url}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def live_server(app: object) -> Iterator[LiveServer]:
    server = LiveServer(app)
    yield server
    server.stop()
