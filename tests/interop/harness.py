"""Independent validators for our badges, installed on demand and run as subprocesses.

- OB 2.0: 1EdTech's validator (PyPI `openbadges` 1.1.2) in an isolated venv under
  `.cache/interop/ob2-venv`, run by `ob2/runner.py` offline (contexts from files, loopback only).
- OB 3.0: Digital Bazaar's VC stack, DCC's verifier-core and `jose` from npm, installed with
  `npm ci` into `node/node_modules`, run by the `node/*.mjs` scripts offline.

Each install is guarded by a file lock and a hash stamp of its requirements/lock file, so parallel
runs do not race and an edit of the pins rebuilds it. See README.md beside this file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from filelock import FileLock

from tests.vendored import OB3_SCHEMAS_DIR

INTEROP_DIR = Path(__file__).resolve().parent
REPO_ROOT = INTEROP_DIR.parents[1]
CACHE_DIR = REPO_ROOT / ".cache" / "interop"
APP_CONTEXTS = REPO_ROOT / "schemas" / "contexts"
OB3_SCHEMAS = OB3_SCHEMAS_DIR

OB2_DIR = INTEROP_DIR / "ob2"
OB2_REQUIREMENTS = OB2_DIR / "requirements.txt"
OB2_RUNNER = OB2_DIR / "runner.py"
OB2_VENV = CACHE_DIR / "ob2-venv"
OB2_CONTEXT_FILE = "openbadges-v2.jsonld"
OB2_CONTEXT_URLS = ("https://w3id.org/openbadges/v2", "https://openbadgespec.org/v2/context.json")

NODE_DIR = INTEROP_DIR / "node"
NODE_MODULES = NODE_DIR / "node_modules"
NODE_MIN_MAJOR = 18

STAMP_NAME = ".interop-stamp"
INSTALL_TIMEOUT = 900
RUN_TIMEOUT = 120


class HarnessUnavailable(RuntimeError):
    """A tool the harness needs (node, npm, venv/ensurepip) is not on this machine."""


class HarnessError(RuntimeError):
    """A harness failed to install or crashed instead of answering with a report."""


def default_contexts_dir() -> Path:
    """The app's vendored JSON-LD contexts (schemas/contexts), the ones it signs with."""
    return APP_CONTEXTS


# --- installing -------------------------------------------------------------------------------


def _digest(*parts: bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(hashlib.sha256(part).digest())
    return hasher.hexdigest()


def _stamp_matches(stamp_file: Path, digest: str) -> bool:
    try:
        return stamp_file.read_text().strip() == digest
    except OSError:
        return False


def _run_install(command: list[str], cwd: Path | None = None) -> None:
    try:
        proc = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise HarnessError(f"install step timed out: {' '.join(command)}") from exc
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-4000:]
        raise HarnessError(f"install step failed ({proc.returncode}): {' '.join(command)}\n{tail}")


@contextmanager
def _install_lock(name: str) -> Iterator[None]:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with FileLock(CACHE_DIR / f"{name}.lock", timeout=INSTALL_TIMEOUT):
        yield


def _ob2_python_path() -> Path:
    return OB2_VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_ob2_venv() -> Path:
    """Build (once per requirements hash) the validator's venv; return its python.

    Raises HarnessUnavailable when this Python cannot create venvs with pip (no ensurepip),
    HarnessError when the install fails.
    """
    if importlib.util.find_spec("venv") is None or importlib.util.find_spec("ensurepip") is None:
        raise HarnessUnavailable("this Python cannot create virtual environments (no ensurepip)")
    digest = _digest(OB2_REQUIREMENTS.read_bytes(), sys.version.encode())
    stamp = OB2_VENV / STAMP_NAME
    if _stamp_matches(stamp, digest):
        return _ob2_python_path()
    with _install_lock("ob2-venv"):
        if not _stamp_matches(stamp, digest):
            shutil.rmtree(OB2_VENV, ignore_errors=True)
            _run_install([sys.executable, "-m", "venv", str(OB2_VENV)])
            python = str(_ob2_python_path())
            _run_install(
                [
                    python,
                    "-m",
                    "pip",
                    "install",
                    "--no-input",
                    "--no-deps",
                    "-r",
                    str(OB2_REQUIREMENTS),
                ]
            )
            _run_install([python, "-I", str(OB2_RUNNER), "--import-check"])
            stamp.write_text(digest + "\n")
    return _ob2_python_path()


def _node_version() -> str:
    node = shutil.which("node")
    if node is None:
        raise HarnessUnavailable("node is not installed (needed for the Node.js VC stack)")
    if shutil.which("npm") is None:
        raise HarnessUnavailable("npm is not installed (needed for the Node.js VC stack)")
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout.strip()
    major = int(version.lstrip("v").split(".")[0])
    if major < NODE_MIN_MAJOR:
        raise HarnessUnavailable(f"node {version} is too old (need >= {NODE_MIN_MAJOR})")
    return version


def ensure_node_modules() -> Path:
    """Install (once per package-lock hash) the npm packages; return the scripts' directory.

    Raises HarnessUnavailable without node/npm, HarnessError when `npm ci` fails.
    """
    version = _node_version()
    digest = _digest(
        (NODE_DIR / "package.json").read_bytes(),
        (NODE_DIR / "package-lock.json").read_bytes(),
        version.encode(),
    )
    stamp = NODE_MODULES / STAMP_NAME
    if _stamp_matches(stamp, digest):
        return NODE_DIR
    with _install_lock("node-modules"):
        if not _stamp_matches(stamp, digest):
            npm = shutil.which("npm") or "npm"
            _run_install(
                [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
                cwd=NODE_DIR,
            )
            stamp.write_text(digest + "\n")
    return NODE_DIR


# --- running ----------------------------------------------------------------------------------

Badge = str | Path | dict[str, Any]
Recipient = str | dict[str, Any] | None
# {"https://badges.test": "http://127.0.0.1:5000"}: fetch documents whose ids are on a public
# origin from the loopback server standing in for it (targets must be loopback).
Origins = dict[str, str] | None


def _run_json(command: list[str], stdin: str, timeout: float) -> Any:
    try:
        proc = subprocess.run(
            command, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise HarnessError(f"timed out after {timeout}s: {' '.join(command[:2])}") from exc
    if proc.returncode != 0 or not proc.stdout.strip():
        raise HarnessError(
            f"{' '.join(command[:2])} exited {proc.returncode}\n{proc.stderr[-4000:]}"
        )
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise HarnessError(f"not JSON from {command[1]}: {proc.stdout[:2000]}") from exc


def _is_image_path(value: object) -> bool:
    if isinstance(value, Path):
        return True
    return (
        isinstance(value, str)
        and value.lower().endswith((".png", ".svg"))
        and "\n" not in value
        and Path(value).is_file()
    )


def _ob2_item(badge: Badge, recipient: Recipient) -> dict[str, Any]:
    item: dict[str, Any] = {
        "recipient": {"email": recipient} if isinstance(recipient, str) else recipient
    }
    if _is_image_path(badge):
        item["file"] = str(badge)
    elif isinstance(badge, dict):
        item["data"] = json.dumps(badge)
    else:
        item["data"] = str(badge).strip()
    return item


def validate_ob2_many(
    badges: Sequence[Badge],
    *,
    recipient: Recipient = None,
    contexts_dir: Path | None = None,
    origins: Origins = None,
    timeout: float = RUN_TIMEOUT,
) -> list[dict[str, Any]]:
    """`validate_ob2` for several inputs in one validator process (one start-up); same order."""
    python = ensure_ob2_venv()
    context_file = (contexts_dir or default_contexts_dir()) / OB2_CONTEXT_FILE
    if not context_file.is_file():
        raise HarnessError(f"OB 2.0 context not found: {context_file}")
    request = {
        "contexts": {url: str(context_file) for url in OB2_CONTEXT_URLS},
        "items": [_ob2_item(badge, recipient) for badge in badges],
        "origins": origins or {},
    }
    answer = _run_json([str(python), "-I", str(OB2_RUNNER)], json.dumps(request), timeout)
    reports: list[dict[str, Any]] = answer["reports"]
    return reports


def validate_ob2(
    badge: Badge,
    *,
    recipient: Recipient = None,
    contexts_dir: Path | None = None,
    origins: Origins = None,
    timeout: float = RUN_TIMEOUT,
) -> dict[str, Any]:
    """Run 1EdTech's OB 2.0 validator on a URL, JSON (text or dict), JWS, or baked PNG/SVG path.

    `recipient` is an email (or a Profile dict) the assertion must be awarded to. Returns the
    validator's report (`valid`, `errorCount`, `warningCount`, `messages`, `validationSubject`,
    ...) plus its `graph`, `input`, and `offMachineAttempts` (hosts the runner refused to reach;
    the refusal also shows up as a failed message). `origins` maps public origins to loopback.
    Raises HarnessUnavailable/HarnessError (install), HarnessError (runner crash).
    """
    return validate_ob2_many(
        [badge], recipient=recipient, contexts_dir=contexts_dir, origins=origins, timeout=timeout
    )[0]


def ob2_assertion_node(report: dict[str, Any]) -> dict[str, Any] | None:
    """The Assertion node of a validator report's graph (compacted to the OB 2.0 context).

    The validator does not fail a hosted assertion that says `revoked: true`; read it here.
    """
    return next((node for node in report.get("graph", []) if node.get("type") == "Assertion"), None)


def _node(script: str, *args: str) -> list[str]:
    return [shutil.which("node") or "node", str(ensure_node_modules() / script), *args]


def node_verify_vc_many(
    credentials: Sequence[dict[str, Any]],
    contexts_dir: Path,
    *,
    check_status: bool = False,
    now: str | None = None,
    origins: Origins = None,
    timeout: float = RUN_TIMEOUT,
) -> list[dict[str, Any]]:
    """`node_verify_vc` for several credentials in one Node process; same order."""
    args = ["--contexts", str(contexts_dir), "--origins", json.dumps(origins or {})]
    if check_status:
        args.append("--check-status")
    if now:
        args += ["--now", now]
    results: list[dict[str, Any]] = _run_json(
        _node("verify-vc.mjs", *args), json.dumps(list(credentials)), timeout
    )
    return results


def node_verify_vc(
    credential: dict[str, Any],
    contexts_dir: Path,
    *,
    check_status: bool = False,
    now: str | None = None,
    origins: Origins = None,
    timeout: float = RUN_TIMEOUT,
) -> dict[str, Any]:
    """Verify a Data Integrity credential with @digitalbazaar/vc (eddsa-rdfc-2022), offline.

    Returns {verified, errors, proofs, status: {present, checked, revoked, ...}, fetched, refused}.
    Keys, controllers and status lists are fetched on loopback only; `refused` lists URLs that
    were not. With check_status, a BitstringStatusListEntry is checked (the list credential is
    verified too) and a set revocation bit shows as status.revoked (verified stays about proofs).
    """
    return node_verify_vc_many(
        [credential],
        contexts_dir,
        check_status=check_status,
        now=now,
        origins=origins,
        timeout=timeout,
    )[0]


def node_sign_vc_many(
    credentials: Sequence[dict[str, Any]],
    contexts_dir: Path,
    *,
    verification_method: str,
    controller: str | None = None,
    key: dict[str, str] | None = None,
    created: str | None = None,
    proof_array: bool = False,
    origins: Origins = None,
    timeout: float = RUN_TIMEOUT,
) -> list[dict[str, Any]]:
    """`node_sign_vc` for several credentials with ONE key (fresh unless given); same order."""
    args = [
        "--contexts",
        str(contexts_dir),
        "--verification-method",
        verification_method,
        "--origins",
        json.dumps(origins or {}),
    ]
    if controller:
        args += ["--controller", controller]
    if key:
        args += [
            "--public-key-multibase",
            key["publicKeyMultibase"],
            "--secret-key-multibase",
            key["secretKeyMultibase"],
        ]
    if created:
        args += ["--created", created]
    if proof_array:
        args.append("--proof-array")
    results: list[dict[str, Any]] = _run_json(
        _node("sign-vc.mjs", *args), json.dumps(list(credentials)), timeout
    )
    return results


def node_sign_vc(
    credential: dict[str, Any],
    contexts_dir: Path,
    *,
    verification_method: str,
    controller: str | None = None,
    key: dict[str, str] | None = None,
    created: str | None = None,
    proof_array: bool = False,
    origins: Origins = None,
    timeout: float = RUN_TIMEOUT,
) -> dict[str, Any]:
    """Sign a credential with eddsa-rdfc-2022 through Digital Bazaar's stack.

    `key` = {"publicKeyMultibase", "secretKeyMultibase"} (Multikey encodings) or None for a fresh
    key; `controller` defaults to the credential's issuer id. Returns {credential,
    verificationMethod, controller, publicKeyMultibase, secretKeyMultibase, keyDocument}; serve
    keyDocument (a Multikey) at verification_method. proof_array wraps the proof in a list (the
    1EdTech schema requires it).
    """
    return node_sign_vc_many(
        [credential],
        contexts_dir,
        verification_method=verification_method,
        controller=controller,
        key=key,
        created=created,
        proof_array=proof_array,
        origins=origins,
        timeout=timeout,
    )[0]


def node_verify_core_many(
    credentials: Sequence[dict[str, Any]],
    *,
    contexts_dir: Path | None = None,
    schemas_dir: Path | None = None,
    registries: list[dict[str, Any]] | None = None,
    origins: Origins = None,
    timeout: float = RUN_TIMEOUT,
) -> list[dict[str, Any]]:
    """`node_verify_core` for several credentials in one Node process; same order."""
    args = [
        "--contexts",
        str(contexts_dir or default_contexts_dir()),
        "--schemas",
        str(schemas_dir or OB3_SCHEMAS),
        "--registries",
        json.dumps(registries or []),
        "--origins",
        json.dumps(origins or {}),
    ]
    results: list[dict[str, Any]] = _run_json(
        _node("verify-core.mjs", *args), json.dumps(list(credentials)), timeout
    )
    return results


def node_verify_core(
    credential: dict[str, Any],
    *,
    contexts_dir: Path | None = None,
    schemas_dir: Path | None = None,
    registries: list[dict[str, Any]] | None = None,
    origins: Origins = None,
    timeout: float = RUN_TIMEOUT,
) -> dict[str, Any]:
    """Verify a credential with @digitalcredentials/verifier-core (the DCC wallet's verifier).

    Offline: its fetches are answered from local contexts/1EdTech schemas or go to loopback.
    Returns {verified, revoked, expired, errors, log, schemaCheck, fetched, served, refused}.
    """
    return node_verify_core_many(
        [credential],
        contexts_dir=contexts_dir,
        schemas_dir=schemas_dir,
        registries=registries,
        origins=origins,
        timeout=timeout,
    )[0]


def node_verify_jwt(
    token: str,
    *,
    jwk: dict[str, Any] | None = None,
    algorithms: tuple[str, ...] = ("RS256", "EdDSA", "ES256"),
    now: str | None = None,
    origins: Origins = None,
    timeout: float = RUN_TIMEOUT,
) -> dict[str, Any]:
    """Verify an OB 3.0 VC-JWT with the `jose` npm package (kid fetched on loopback only).

    Returns {verified, errors, checks, header, payload, fetched, refused}.
    """
    args = ["--algorithms", ",".join(algorithms), "--origins", json.dumps(origins or {})]
    if jwk:
        args += ["--jwk", json.dumps(jwk)]
    if now:
        args += ["--now", now]
    result: dict[str, Any] = _run_json(_node("verify-jwt.mjs", *args), token, timeout)
    return result


def node_vcapi_client(
    lcw_url: str,
    contexts_dir: Path | str,
    *,
    origins: Origins = None,
    interaction: str | None = None,
    challenge: str | None = None,
    tamper: bool = False,
    timeout: float = RUN_TIMEOUT,
) -> dict[str, Any]:
    """Run a VC-API exchange as the Learner Credential Wallet does (``vcapi-client.mjs``: a
    did:key holder signs the DID Authentication presentation with @digitalbazaar/vc and
    Ed25519Signature2020). Returns {request, protocols?, vpr, holder, status, answer}."""
    args = ["--contexts", str(contexts_dir), "--link", lcw_url]
    args += ["--origins", json.dumps(origins or {})]
    if interaction:
        args += ["--interaction", interaction]
    if challenge:
        args += ["--challenge", challenge]
    if tamper:
        args.append("--tamper")
    result: dict[str, Any] = _run_json(_node("vcapi-client.mjs", *args), "", timeout)
    return result


def node_oid4vci_client(
    offer_url: str,
    *,
    wanted_format: str = "ldp_vc",
    holder: str = "did:key",
    origins: Origins = None,
    timeout: float = RUN_TIMEOUT,
) -> dict[str, Any]:
    """Run the OpenID4VCI pre-authorized code flow with the npm ``@openid4vc/openid4vci`` client
    (``oid4vci-client.mjs``; holder ``did:key`` Ed25519 or ``did:jwk`` P-256, proofs signed with
    ``jose``). Returns {holder, configuration, credential} or {error, body}."""
    args = ["--offer", offer_url, "--format", wanted_format, "--holder", holder]
    args += ["--origins", json.dumps(origins or {})]
    result: dict[str, Any] = _run_json(_node("oid4vci-client.mjs", *args), "", timeout)
    return result


# --- a loopback document server for tests -----------------------------------------------------


@dataclass
class DocumentServer:
    """Serve fixed documents on http://127.0.0.1:<free port> from a thread (for tests)."""

    documents: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("server not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def add_json(self, path: str, document: Any, content_type: str = "application/ld+json") -> str:
        self.documents[path] = (json.dumps(document).encode(), content_type)
        return self.url(path)

    def add_bytes(self, path: str, body: bytes, content_type: str) -> str:
        self.documents[path] = (body, content_type)
        return self.url(path)

    def start(self) -> DocumentServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def _handler_for(owner: DocumentServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            owner.requests.append(self.path)
            entry = owner.documents.get(self.path.split("?", 1)[0])
            # A plain-text 404: 1EdTech's validator ignores status codes and judges the body.
            body, content_type = entry or (b"Not Found", "text/plain")
            self.send_response(200 if entry else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Keep test output quiet."""

    return Handler
