"""Issue 14, past one machine: Debian's nginx serving the exported tree with the shipped
configuration answers every public URL as the app does (bytes, Content-Type, ETag, Cache-Control
and the rest), sends browsers to the app, and shows a revocation once the export has caught up."""

from __future__ import annotations

import http.client
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from issuer.models import PublishedDocument
from issuer.public import negotiate
from issuer.public.static_origin import accept_classes, answer_headers
from issuer.workflow.awards.static_export import Follower, exportable
from tests.requirements import require_tool

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
MACHINE_ACCEPTS = (None, "application/ld+json", "application/json", "*/*")
# Headers that belong to the connection or the server, not to the document.
PER_SERVER = {"date", "server", "connection", "keep-alive", "x-request-id"}


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        require_tool("Debian's nginx is not installed (apt-get install nginx)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class CountingServer:
    """The app over real HTTP on a loopback port, remembering which paths reached it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[str] = []
        self.server = make_server("127.0.0.1", 0, self._dispatch, threaded=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _dispatch(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.seen.append(environ["PATH_INFO"])
        return self.app(environ, start_response)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Nginx:
    """nginx as a foreground process of this test (not a daemon), in a prefix of its own."""

    def __init__(self, prefix: Path, site: str, port: int) -> None:
        prefix.mkdir()
        (prefix / "logs").mkdir()
        user = f"user {pwd.getpwuid(os.getuid()).pw_name};" if os.geteuid() == 0 else ""
        temp = " ".join(
            f"{kind}_temp_path {prefix / 'logs' / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (prefix / "site.conf").write_text(site)
        (prefix / "nginx.conf").write_text(
            f"{user}\ndaemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\n"
            f"error_log {prefix / 'logs' / 'error.log'} warn;\nevents {{}}\n"
            f"http {{\n access_log off;\n {temp}\n include {prefix / 'site.conf'};\n}}\n"
        )
        self.port = port
        self.prefix = prefix
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and config
            [nginx_binary(), "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.process.stdout.read().decode() if self.process.stdout else ""
                pytest.fail(f"nginx did not start: {output}\n{self.errors()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail("nginx did not listen within 10 s")

    def errors(self) -> str:
        log = self.prefix / "logs" / "error.log"
        return log.read_text() if log.exists() else ""

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        found: dict[str, str] = {}
        for name, value in response.getheaders():
            found[name.lower()] = (
                f"{found[name.lower()]}, {value}" if name.lower() in found else value
            )
        return response.status, found, body
    finally:
        connection.close()


def document_headers(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name not in PER_SERVER}


@pytest.fixture
def app_server(app):
    server = CountingServer(app)
    yield server
    server.stop()


@pytest.fixture
def origin(tmp_path, runner, app_server):
    """The exported tree and nginx serving it with the shipped configuration (rendered after the
    export, as the README says), the app behind it."""
    tree = tmp_path / "tree"

    def export() -> None:
        result = runner.invoke(args=["publish", "export", str(tree)])
        assert result.exit_code == 0, result.output

    export()
    port = free_port()
    result = runner.invoke(
        args=[
            "publish",
            "nginx-config",
            "--root",
            str(tree),
            "--app-upstream",
            f"127.0.0.1:{app_server.port}",
            "--listen",
            f"127.0.0.1:{port}",
        ]
    )
    assert result.exit_code == 0, result.output
    nginx = Nginx(tmp_path / "nginx", result.output, port)
    nginx.export = export  # type: ignore[attr-defined]
    nginx.tree = tree  # type: ignore[attr-defined]
    yield nginx
    nginx.stop()


def public_paths(app) -> list[str]:
    svc = app.extensions["issuer.services"]
    with svc.db.session() as session:
        return list(
            session.scalars(select(PublishedDocument.path).order_by(PublishedDocument.path))
        )


def test_nginx_answers_every_public_url_with_the_apps_bytes_and_headers(
    app, award, origin, app_server
):
    paths = public_paths(app)
    assert any(p.startswith("/ob2/assertions/") for p in paths)
    assert any(p.endswith(".png") for p in paths) and any(p.endswith(".svg") for p in paths)
    for path in paths:
        for accept in MACHINE_ACCEPTS:
            headers = {"Accept": accept} if accept else {}
            app_server.seen.clear()
            from_nginx = get(origin.port, path, headers)
            assert app_server.seen == [], (path, accept, "nginx asked the app", origin.errors())
            from_app = get(app_server.port, path, headers)
            assert from_nginx[0] == from_app[0] == 200, (path, accept)
            assert from_nginx[2] == from_app[2], (path, accept)
            assert document_headers(from_nginx[1]) == document_headers(from_app[1]), (path, accept)
            assert re.fullmatch(r"[0-9a-f]{32}", from_nginx[1]["x-request-id"])


def test_a_browser_asking_for_an_image_gets_it_from_the_tree(app, award, origin, app_server):
    images = [p for p in public_paths(app) if p.endswith((".png", ".svg"))]
    assert images
    for path in images:
        app_server.seen.clear()
        from_nginx = get(origin.port, path, {"Accept": BROWSER})
        assert app_server.seen == [], path
        from_app = get(app_server.port, path, {"Accept": BROWSER})
        assert from_nginx[2] == from_app[2]
        assert document_headers(from_nginx[1]) == document_headers(from_app[1]), path


def test_a_browser_asking_for_a_json_document_is_sent_to_the_app(award, origin, app_server):
    path = award["ob2"]["assertion"].replace("https://badges.test", "")
    status, headers, body = get(origin.port, path, {"Accept": BROWSER})
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert path in app_server.seen
    assert b"<html" in body.lower()


def test_a_conditional_get_with_the_current_etag_is_not_modified_with_the_apps_headers(
    award, origin, app_server
):
    path = award["ob3"]["credential"].replace("https://badges.test", "")
    etag = get(app_server.port, path)[1]["etag"]
    app_server.seen.clear()
    from_nginx = get(origin.port, path, {"If-None-Match": etag})
    assert app_server.seen == []
    from_app = get(app_server.port, path, {"If-None-Match": etag})
    assert from_nginx[0] == from_app[0] == 304
    for name in ("etag", "cache-control", "vary"):
        assert from_nginx[1][name] == from_app[1][name], name


@pytest.mark.parametrize("form", ['"{other}", {etag}', "{etag}, {other}", "W/{etag}", "*"])
def test_an_if_none_match_nginx_cannot_judge_exactly_goes_to_the_app(
    award, origin, app_server, form
):
    """A list of ETags, a weak one or ``*``: nginx matches one exact strong ETag only, so the app
    judges these, and a list naming the current ETag is 304 as RFC 9110 says."""
    path = award["ob3"]["credential"].replace("https://badges.test", "")
    etag = get(app_server.port, path)[1]["etag"]
    header = {"If-None-Match": form.format(etag=etag, other='"' + "0" * 32 + '"')}
    app_server.seen.clear()
    from_nginx = get(origin.port, path, header)
    assert app_server.seen == [path]
    assert from_nginx[0] == get(app_server.port, path, header)[0] == 304


def test_an_if_none_match_of_another_etag_is_answered_by_nginx_in_full(award, origin, app_server):
    path = award["ob3"]["credential"].replace("https://badges.test", "")
    app_server.seen.clear()
    status, _headers, body = get(origin.port, path, {"If-None-Match": '"' + "0" * 32 + '"'})
    assert app_server.seen == []
    assert status == 200 and body == get(app_server.port, path)[2]


def test_if_modified_since_is_ignored_as_the_app_ignores_it(award, origin, app_server):
    path = award["ob2"]["assertion"].replace("https://badges.test", "")
    future = {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
    from_nginx, from_app = get(origin.port, path, future), get(app_server.port, path, future)
    assert from_nginx[0] == from_app[0] == 200 and from_nginx[2] == from_app[2]


def test_a_precondition_on_a_document_goes_to_the_app(award, origin, app_server):
    path = award["ob2"]["assertion"].replace("https://badges.test", "")
    status, _headers, _body = get(origin.port, path, {"If-Match": '"elsewhere"'})
    assert path in app_server.seen
    assert status == get(app_server.port, path, {"If-Match": '"elsewhere"'})[0]


def test_an_object_gone_under_a_link_is_answered_by_the_app(award, origin, app_server):
    path = award["ob2"]["assertion"].replace("https://badges.test", "")
    shutil.rmtree((origin.tree / "paths" / path.lstrip("/") / "@").resolve())
    from_nginx = get(origin.port, path)
    assert path in app_server.seen
    assert from_nginx[0] == 200 and from_nginx[2] == get(app_server.port, path)[2]


def test_a_path_not_in_the_tree_goes_to_the_app(origin, app_server):
    status, _headers, _body = get(origin.port, "/ob2/assertions/not-issued")
    assert status == 404 and "/ob2/assertions/not-issued" in app_server.seen


def test_a_revocation_is_visible_through_nginx_once_the_export_runs_again(
    app, api, district, award, origin, app_server
):
    _, admin = district
    path = award["ob2"]["assertion"].replace("https://badges.test", "")
    before = get(origin.port, path)
    revoked = api.client.post(
        f"/api/v1/awards/{award['id']}/revoke",
        json={"reason": "Plagiarised evidence"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert revoked.status_code == 200, revoked.get_json()
    assert get(origin.port, path)[2] == before[2]  # the tree is as exported

    origin.export()

    after = get(origin.port, path)
    assert b'"revoked": true' in after[2] and after[1]["etag"] != before[1]["etag"]
    assert after[2] == get(app_server.port, path)[2]
    assert document_headers(after[1]) == document_headers(get(app_server.port, path)[1])


def test_a_follower_shows_a_revocation_through_nginx_within_a_poll(
    app, api, district, award, origin, app_server
):
    _, admin = district
    svc = app.extensions["issuer.services"]
    https = svc.settings.base_url.startswith("https://")
    follower = Follower(svc.db, origin.tree, lambda d: answer_headers(d, https=https))
    follower.start()
    credential = award["ob3"]["credential"].replace("https://badges.test", "")
    status_list = get(origin.port, credential)[2]
    list_path = _status_list_path(status_list)
    before = get(origin.port, list_path)[2]
    revoked = api.client.post(
        f"/api/v1/awards/{award['id']}/revoke",
        json={"reason": "Plagiarised evidence"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert revoked.status_code == 200

    report = follower.poll()

    assert report.written >= 2  # the assertion and the status list at least
    after = get(origin.port, list_path)
    assert after[2] != before and after[2] == get(app_server.port, list_path)[2]
    assert after[1]["etag"] == get(app_server.port, list_path)[1]["etag"]


def test_export_follow_shows_a_revocation_through_nginx_within_seconds(
    settings, api, district, award, origin, app_server, tmp_path
):
    """The command an operator runs, as its own process beside nginx."""
    _, admin = district
    path = award["ob2"]["assertion"].replace("https://badges.test", "")
    env = {
        **os.environ,
        "BASE_URL": settings.base_url,
        "DATABASE_URL": settings.database_url,
        "KEYS_DIR": str(settings.keys_dir),
        "INSTANCE_DIR": str(settings.instance_dir),
        "SECRET_KEY": settings.secret_key,
    }
    log = (tmp_path / "follow.log").open("wb")
    follower = subprocess.Popen(  # noqa: S603 - this repository's own command
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "publish",
            "export",
            str(origin.tree),
            "--follow",
            "--interval",
            "0.2",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        started = time.monotonic()
        while b"full pass" not in (tmp_path / "follow.log").read_bytes():
            assert follower.poll() is None, (tmp_path / "follow.log").read_text()
            assert time.monotonic() - started < 30, (tmp_path / "follow.log").read_text()
            time.sleep(0.1)
        revoked = api.client.post(
            f"/api/v1/awards/{award['id']}/revoke",
            json={"reason": "Plagiarised evidence"},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert revoked.status_code == 200
        revoked_at = time.monotonic()
        while b'"revoked": true' not in get(origin.port, path)[2]:
            assert follower.poll() is None, (tmp_path / "follow.log").read_text()
            # a poll every 0.2 s: seconds at most, even on a loaded machine
            assert time.monotonic() - revoked_at < 5, (tmp_path / "follow.log").read_text()
            time.sleep(0.1)
    finally:
        follower.terminate()
        follower.wait(timeout=10)
        log.close()
    assert get(origin.port, path)[2] == get(app_server.port, path)[2]


def _status_list_path(credential: bytes) -> str:
    import json

    document = json.loads(credential)
    return document["credentialStatus"]["statusListCredential"].replace("https://badges.test", "")


def test_every_accept_header_nginx_decides_is_decided_as_the_app_negotiates():
    for accept, answer in accept_classes().items():
        expected = {"ld": "application/ld+json", "json": "application/json"}[answer]
        assert negotiate(accept or None) == expected, accept


def test_a_path_nginx_could_not_map_exactly_is_left_to_the_app():
    etag = '"' + "0" * 32 + '"'
    assert exportable("/ob2/assertions/abc", etag)
    assert not exportable("/ob2/assertions/a@b", etag)
    assert not exportable("/ob2/../etc", etag)
    assert not exportable("/elsewhere/abc", etag)
    assert not exportable("/ob2/assertions/abc", '"not-a-hash"')
    assert not exportable("/ob2/assertions/abc", etag, b"bytes whose hash differs")
