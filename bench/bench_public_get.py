"""Public GET throughput of a hosted assertion, against a static file server serving the same bytes.

Both servers run in this process's machine on loopback, one at a time, under the same load: N client
threads with keep-alive connections issuing GETs for a fixed time. The app is served by gunicorn
(the deployment server) with the given workers; the peer is Python's http.server (ThreadingHTTPServer)
serving the assertion's exact bytes from a file. Prints requests per second and the ratio.

    .venv/bin/python bench/bench_public_get.py --seconds 5 --clients 8 --workers 2
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(workdir: Path, base_url: str) -> str:
    """A fresh SQLite deployment with the demo seeded; returns one award's assertion path."""
    from issuer import create_app
    from issuer.config import Settings
    from issuer.domain.actors import SYSTEM
    from issuer.workflow.demo import seed_demo

    settings = Settings(base_url=base_url, instance_dir=workdir, keys_dir=workdir / "keys")
    app = create_app(settings)
    services = app.extensions["issuer.services"]
    with services.db.transaction() as session:
        seed_demo(services.context(session, SYSTEM))
    with services.db.session() as session:
        from sqlalchemy import select

        from issuer.models import Award

        award_id = session.scalar(select(Award.id).where(Award.kind == "program").limit(1))
    services.db.dispose()
    return f"/ob2/assertions/{award_id}"


def hammer(port: int, path: str, seconds: float, clients: int) -> tuple[float, bytes]:
    """Requests per second from ``clients`` keep-alive threads over ``seconds``."""
    counts = [0] * clients
    stop = time.monotonic() + seconds
    sample: list[bytes] = []

    def run(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < stop:
            connection.request("GET", path, headers={"Accept": "application/ld+json"})
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"status {response.status}")
            if not sample:
                sample.append(body)
            counts[index] += 1
        connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started), sample[0]


def wait_until_up(port: int, path: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not come up")


class KeepAliveHandler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn's gthread workers give

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-get-"))
    port = free_port()
    path = seed(workdir, f"http://127.0.0.1:{port}")
    env = {
        **os.environ,
        "INSTANCE_DIR": str(workdir),
        "KEYS_DIR": str(workdir / "keys"),
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(args.workers),
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(port, path)
        app_rps, body = hammer(port, path, args.seconds, args.clients)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)

    static_dir = workdir / "static"
    target = static_dir / path.lstrip("/")
    target.parent.mkdir(parents=True)
    target.write_bytes(body)
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(KeepAliveHandler, directory=str(static_dir))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        static_rps, static_body = hammer(server.server_address[1], path, args.seconds, args.clients)
    finally:
        server.shutdown()
        server.server_close()
    assert static_body == body
    shutil.rmtree(workdir, ignore_errors=True)
    print(
        json.dumps(
            {
                "assertion_bytes": len(body),
                "clients": args.clients,
                "gunicorn_workers": args.workers,
                "seconds": args.seconds,
                "load_average": os.getloadavg()[0],
            }
        )
    )
    print(f"app (gunicorn, {args.workers} workers x 4 threads): {app_rps:8.0f} req/s")
    print(f"static file server (http.server):    {static_rps:8.0f} req/s")
    print(f"app / static: {app_rps / static_rps:.2f}x")


if __name__ == "__main__":
    main()
