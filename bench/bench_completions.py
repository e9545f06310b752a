"""Completions per second on PostgreSQL: gunicorn sync workers, concurrent clients confirming
passed enrollments (``POST /api/v1/enrollments/{id}/complete``), as SPEC §7 and issue 14 measure.

Each run creates its own PostgreSQL database, seeds one issuer with an approved program through
the real API and clones as many passed enrollments as the run completes (earner, enrollment,
submission, three reviews), starts gunicorn (``--workers`` sync workers, default 2) on it, warms
each worker up, then ``--clients`` threads (default 8), each with its own keep-alive connection,
complete every enrollment once. Printed per run: awards/s (completed awards / wall time), p50,
p95 and p99 latency, and the CPU time the server side used per award (gunicorn master and
workers plus the PostgreSQL backends of the run's database, from /proc: what the award costs,
whatever else loads the machine); then the median of the runs.

``--peer DIR`` runs the same measurement against another source tree (e.g. the code before a
change, ``git archive <commit> | tar -x -C DIR``) in the same session, runs taking turns, so the
machine's load hits both alike.

    .venv/bin/python bench/bench_completions.py --awards 600 --repeat 3 [--peer /tmp/before]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
BASE_URL = "https://badges.bench"
SECRET = "bench-completions-" + "s" * 40


def admin_sql(statement: str) -> None:
    subprocess.run(
        ["psql", f"{SERVER}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", statement],
        check=True,
        capture_output=True,
    )


def seed(tree: Path, database: str, count: int, workdir: Path) -> dict[str, object]:
    """Seed with ``tree``'s own code (its models and migrations) in a child process."""
    env = {**os.environ, "PYTHONPATH": str(tree), "BENCH_CODE": str(tree)}
    answer = subprocess.run(
        [sys.executable, __file__, "--seed", database, str(count), str(workdir)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if answer.returncode:
        raise SystemExit(f"seeding failed:\n{answer.stderr[-3000:]}")
    return json.loads(answer.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def seed_here(database: str, count: int, workdir: Path) -> None:
    code = Path(os.environ.get("BENCH_CODE", str(ROOT)))
    sys.path[:0] = [str(code), str(ROOT / "bench")]
    from seeding import clone_passed_enrollments, passed_template

    from issuer import create_app
    from issuer.config import Settings, _database_url
    from tests.conftest import Api

    settings = Settings(
        base_url=BASE_URL,
        database_url=_database_url(database),
        instance_dir=workdir / "instance",
        keys_dir=workdir / "keys",
        secret_key=SECRET,
    )
    app = create_app(settings)
    api = Api(app.test_client(), app.test_cli_runner())
    issuer_id, admin = api.issuer("Bench District")
    program_id = api.approved_program(admin, issuer_id)
    template = passed_template(api, admin, issuer_id, program_id)
    db = app.extensions["issuer.services"].db
    enrollments = clone_passed_enrollments(db, template, count)
    db.dispose()
    print(json.dumps({"admin": admin, "enrollments": enrollments}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(tree: Path, database: str, workdir: Path, workers: int) -> tuple[Any, int]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "DATABASE_URL": database,
        "KEYS_DIR": str(workdir / "keys"),
        "INSTANCE_DIR": str(workdir / "instance"),
        "BASE_URL": BASE_URL,
        "SECRET_KEY": SECRET,
    }
    # The server's output (one JSON log line per request) goes to a file: a pipe nobody reads
    # fills after a few hundred requests and blocks every worker on its next log line.
    with (workdir / "gunicorn.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync"]
            + ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
            cwd=tree,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/openapi.json")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def complete_all(port: int, admin: str, enrollments: list[int], clients: int) -> list[float]:
    """Every enrollment completed once by ``clients`` threads; the latencies in seconds."""
    work: queue.Queue[int] = queue.Queue()
    for enrollment_id in enrollments:
        work.put(enrollment_id)
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while True:
            try:
                enrollment_id = work.get_nowait()
            except queue.Empty:
                break
            headers = {
                "Authorization": f"Bearer {admin}",
                "Idempotency-Key": uuid.uuid4().hex,
                "Content-Length": "0",
            }
            started = time.perf_counter()
            connection.request(
                "POST", f"/api/v1/enrollments/{enrollment_id}/complete", b"", headers
            )
            response = connection.getresponse()
            body = response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 201:
                with lock:
                    failures.append(f"{response.status} {body[:200]!r}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} completions failed, e.g. {failures[0]}")
    return latencies


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes used so far (from /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(gunicorn: Any, database: str) -> list[int]:
    """The gunicorn master and workers, and the PostgreSQL backends serving this database."""
    children = Path(f"/proc/{gunicorn.pid}/task/{gunicorn.pid}/children").read_text().split()
    name = database.rsplit("/", 1)[1]
    backends = subprocess.run(
        ["psql", f"{SERVER}/postgres", "-At", "-c"]
        + [f"SELECT pid FROM pg_stat_activity WHERE datname = '{name}'"],  # noqa: S608 - our own generated name
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [gunicorn.pid, *map(int, children), *map(int, backends)]


def one_run(tree: Path, args: argparse.Namespace) -> dict[str, float]:
    name = f"bench_completions_{uuid.uuid4().hex[:10]}"
    admin_sql(f'CREATE DATABASE "{name}"')
    workdir = Path(tempfile.mkdtemp(prefix="bench-completions-"))
    database = f"{SERVER}/{name}"
    process = None
    try:
        seeded = seed(tree, database, args.warmup + args.awards, workdir)
        enrollments: list[int] = seeded["enrollments"]  # type: ignore[assignment]
        process, port = start_gunicorn(tree, database, workdir, args.workers)
        admin = str(seeded["admin"])
        complete_all(port, admin, enrollments[: args.warmup], args.clients)
        pids = server_pids(process, database)
        cpu_before = cpu_seconds(pids)
        started = time.perf_counter()
        latencies = complete_all(port, admin, enrollments[args.warmup :], args.clients)
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(pids) - cpu_before
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
    latencies.sort()
    return {
        "awards_per_s": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "cpu_ms": 1000 * cpu / len(latencies),
    }


def line(label: str, result: dict[str, float]) -> str:
    return (
        f"{label:>8} {result['awards_per_s']:>9.1f} {result['p50_ms']:>8.1f}"
        f" {result['p95_ms']:>8.1f} {result['p99_ms']:>8.1f} {result['cpu_ms']:>11.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--awards", type=int, default=600, help="completions timed per run")
    parser.add_argument("--warmup", type=int, default=40, help="completions before timing")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peer", type=Path, help="another source tree, measured in turns")
    parser.add_argument("--seed", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed_here(args.seed[0], int(args.seed[1]), Path(args.seed[2]))
        return
    trees = [("ours", ROOT)] + ([("peer", args.peer.resolve())] if args.peer else [])
    print(
        json.dumps(
            {
                "database": "postgresql",
                "gunicorn_workers": args.workers,
                "worker_class": "sync",
                "clients": args.clients,
                "awards_per_run": args.awards,
                "load_average": round(os.getloadavg()[0], 2),
                "cpus": os.cpu_count(),
            }
        )
    )
    print(
        f"{'run':>8} {'awards/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'CPU ms/award':>11}"
    )
    results: dict[str, list[dict[str, float]]] = {label: [] for label, _ in trees}
    for number in range(args.repeat):
        for label, tree in trees if number % 2 == 0 else trees[::-1]:
            result = one_run(tree, args)
            results[label].append(result)
            print(line(f"{label}{number + 1}", result), flush=True)
    print("median of runs:")
    for label, runs in results.items():
        median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        results[label] = [median]
        print(line(label, median))
    ours = results["ours"][0]
    verdict = ours["awards_per_s"] >= 120 and ours["p95_ms"] <= 150
    print(
        f"target >= 120 awards/s and p95 <= 150 ms: {'PASS' if verdict else 'FAIL'}"
        + (
            f"; ours / peer: {ours['awards_per_s'] / results['peer'][0]['awards_per_s']:.2f}x"
            if args.peer
            else ""
        )
    )


if __name__ == "__main__":
    main()
