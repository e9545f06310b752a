"""Public reads against a minimal Flask app answering the same bytes, both under gunicorn, loaded
by ``wrk`` (SPEC §7, issue 14).

In one run: seed a temporary deployment (a SQLite file, or a fresh database on the PostgreSQL
server of ``--database-url``), start gunicorn serving our app (``wsgi:app``, as deployed: metrics
on in multiprocess mode, one JSON log line per request) and gunicorn serving a hello-world Flask
app that answers the bytes and headers our app answered, same worker class and count. Then, for
each read -- the hosted OB 2.0 assertion, the OB 3.0 credential (JSON-LD) and the award's
verification page (``Accept: text/html``) -- load each server in turn with
``wrk -t2 -c32 -d10s`` (the order alternates between rounds), and print requests per second and
the ratio ours / hello of each round and their medians.

    .venv/bin/python bench/bench_public_get.py
    .venv/bin/python bench/bench_public_get.py --database-url postgresql://postgres@127.0.0.1:5432/postgres

Needs ``wrk`` (Debian: ``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON_LD = "application/ld+json"
# What gunicorn itself writes on every answer of both servers.
SERVER_HEADERS = {"date", "server", "connection", "content-length", "transfer-encoding"}

HELLO = '''"""A minimal Flask app answering recorded bytes and headers (the benchmark's peer)."""
import json
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

RECORDED = json.loads((Path(__file__).parent / "recorded.json").read_text())
app = Flask(__name__)


@app.get("/<path:path>")
def answer(path):
    kind = "html" if "text/html" in request.headers.get("Accept", "") else "json"
    headers, body = RECORDED["/" + path + " " + kind]
    return Response(body.encode(), headers=headers)
'''


@dataclass(frozen=True)
class Read:
    name: str
    path: str
    accept: str
    target: float  # ours / hello at least


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def temporary_database(server_url: str | None, workdir: Path) -> tuple[str, str | None]:
    """A fresh database: a SQLite file in ``workdir``, or a new database on ``server_url``'s
    PostgreSQL server. Returns ``(url, name to drop afterwards)``."""
    if not server_url:
        return f"sqlite:///{workdir / 'issuer.sqlite3'}", None
    from sqlalchemy import create_engine, text

    from issuer.config import _database_url

    url = _database_url(server_url)
    name = f"bench_public_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.rsplit("/", 1)[0] + "/" + name, name


def drop_database(server_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    from issuer.config import _database_url

    engine = create_engine(_database_url(server_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def seed(env: dict[str, str]) -> str:
    """The demo deployment (programs, earners, awards); returns one program award's id."""
    from sqlalchemy import select

    from issuer import create_app
    from issuer.config import Settings
    from issuer.domain.actors import SYSTEM
    from issuer.models import Award
    from issuer.workflow.demo import seed_demo

    settings = Settings.from_env(env)
    app = create_app(settings)
    services = app.extensions["issuer.services"]
    with services.db.transaction() as session:
        seed_demo(services.context(session, SYSTEM), settings.secret_key)
    with services.db.session() as session:
        award_id = session.scalar(
            select(Award.id).where(Award.kind == "program").order_by(Award.id).limit(1)
        )
    services.db.dispose()
    assert award_id, "the demo seeded no award"
    return str(award_id)


def gunicorn(app: str, port: int, workers: int, cwd: Path, env: dict[str, str], log: Path):
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", app]
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=out)


def fetch(port: int, read: Read) -> tuple[int, list[tuple[str, str]], bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{read.path}", headers={"Accept": read.accept}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        return response.status, list(response.headers.items()), response.read()


def wait_until_up(port: int, read: Read, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if fetch(port, read)[0] == 200:
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def wrk(port: int, read: Read, args: argparse.Namespace) -> float:
    """Requests per second; any non-2xx answer or socket error fails the run."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s"]
    command += ["-H", f"Accept: {read.accept}", f"http://127.0.0.1:{port}{read.path}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"wrk reported errors:\n{output}")
    errors = re.search(r"Socket errors: .*", output)
    if errors:  # e.g. connections still open when the run ends
        print(f"  (wrk on port {port}: {errors.group(0)})", flush=True)
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match is None:
        raise RuntimeError(f"no rate in wrk's output:\n{output}")
    return float(match.group(1))


def record(port: int, reads: list[Read]) -> dict[str, tuple[list[tuple[str, str]], str]]:
    """What our app answers to each read: the headers a client sees (less gunicorn's) and body."""
    recorded = {}
    for read in reads:
        status, headers, body = fetch(port, read)
        assert status == 200, (read, status)
        kept = [(k, v) for k, v in headers if k.lower() not in SERVER_HEADERS]
        kind = "html" if "text/html" in read.accept else "json"
        recorded[f"{read.path} {kind}"] = (kept, body.decode())
    return recorded


def same_answer(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    def comparable(recorded: dict[str, Any]) -> list[Any]:
        return [
            (key, sorted((k, v) for k, v in headers if k.lower() != "x-request-id"), body)
            for key, (headers, body) in sorted(recorded.items())
        ]

    return comparable(ours) == comparable(theirs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--only", choices=["ob2", "ob3", "page"], action="append", help="some reads only"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")

    workdir = Path(tempfile.mkdtemp(prefix="bench-public-"))
    database_url, created = temporary_database(args.database_url, workdir)
    ours_port, hello_port = free_port(), free_port()
    metrics_dir = workdir / "metrics"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "BASE_URL": f"http://127.0.0.1:{ours_port}",
        "DATABASE_URL": database_url,
        "INSTANCE_DIR": str(workdir / "instance"),
        "KEYS_DIR": str(workdir / "keys"),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    servers: list[subprocess.Popen[bytes]] = []
    try:
        award_id = seed(env)
        reads = [
            Read("OB 2.0 assertion", f"/ob2/assertions/{award_id}", JSON_LD, 0.8),
            Read("OB 3.0 credential", f"/ob3/credentials/{award_id}", JSON_LD, 0.8),
            Read("verification page", f"/ob2/assertions/{award_id}", BROWSER, 0.5),
        ]
        if args.only:
            chosen = {"ob2": 0, "ob3": 1, "page": 2}
            reads = [reads[chosen[name]] for name in args.only]
        servers.append(
            gunicorn("wsgi:app", ours_port, args.workers, ROOT, env, workdir / "ours.log")
        )
        wait_until_up(ours_port, reads[0])
        recorded = record(ours_port, reads)
        (workdir / "hello.py").write_text(HELLO)
        (workdir / "recorded.json").write_text(json.dumps(recorded))
        hello_env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        servers.append(
            gunicorn("hello:app", hello_port, args.workers, workdir, hello_env, workdir / "h.log")
        )
        wait_until_up(hello_port, reads[0])
        for read in reads:  # the peer answers exactly what we answer (its request id is fixed)
            ours, theirs = record(ours_port, [read]), record(hello_port, [read])
            assert same_answer(ours, theirs), (read, ours, theirs)

        rates: dict[str, list[tuple[float, float]]] = {read.name: [] for read in reads}
        for round_number in range(args.rounds):
            for read in reads:
                order = ["ours", "hello"] if round_number % 2 == 0 else ["hello", "ours"]
                got = {}
                for who in order:
                    got[who] = wrk(ours_port if who == "ours" else hello_port, read, args)
                rates[read.name].append((got["ours"], got["hello"]))
                print(
                    f"round {round_number + 1} {read.name:18} ours {got['ours']:8.0f} req/s  "
                    f"hello {got['hello']:8.0f} req/s  ratio {got['ours'] / got['hello']:.2f}",
                    flush=True,
                )
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)
        if created:
            drop_database(args.database_url, created)
        shutil.rmtree(workdir, ignore_errors=True)

    print(
        json.dumps(
            {
                "database": "postgresql" if created else "sqlite",
                "gunicorn_workers": args.workers,
                "worker_class": "sync",
                "wrk": f"-t{args.threads} -c{args.connections} -d{args.seconds}s",
                "rounds": args.rounds,
                "load_average": round(os.getloadavg()[0], 2),
                "cpus": os.cpu_count(),
            }
        )
    )
    print(f"{'read':18} {'ours req/s':>11} {'hello req/s':>12} {'ratio':>6}  target")
    for read in reads:
        pairs = rates[read.name]
        ratio = statistics.median(ours / hello for ours, hello in pairs)
        verdict = "PASS" if ratio >= read.target else "FAIL"
        print(
            f"{read.name:18} {statistics.median(o for o, _ in pairs):11.0f} "
            f"{statistics.median(h for _, h in pairs):12.0f} {ratio:6.2f}  "
            f">= {read.target} {verdict}"
        )


if __name__ == "__main__":
    main()
