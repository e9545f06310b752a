"""Completions per second on PostgreSQL: gunicorn sync workers, concurrent clients confirming
passed enrollments (``POST /api/v1/enrollments/{id}/complete``), as SPEC §7 and issue 14 measure.

Each run creates its own PostgreSQL database, seeds one issuer with an approved program through
the real API and clones as many passed enrollments as the run completes (earner, enrollment,
submission, three reviews), starts gunicorn (``--workers`` sync workers, default 2) on it and
warms each worker up with ``--warmup`` completions from Python. The timed load comes from
``wrk`` (Debian's, a native generator: a Python client would share the 2 cores with the server
and hide its speed), ``wrk -t2 -c<clients>`` (default 8 connections), driven by a Lua script
written into the run's folder (``completions.lua``):

- ``request()`` issues ``POST /api/v1/enrollments/{id}/complete`` (admin token, a JSON ``{}``
  body, an ``Idempotency-Key`` and an ``X-Request-Id`` per enrollment) for every seeded
  enrollment exactly once: the ids are in a table in the script and handed out round-robin over
  wrk's threads (thread ``t`` of ``T`` takes the ids at positions ``t, t+T, t+2T, ...``);
- once a thread's ids are used up, its connections send ``GET /healthz`` fillers until its last
  completion is answered, then the thread stops itself. (A connection left idle instead is
  accepted by a sync worker, which then blocks reading it while a completion waits in the
  listen queue: runs stalled that way.) wrk also calls ``request()`` once before the run to check
  the request's shape; that call gets a filler too, so no enrollment is used up unsent;
- latency is measured in the script, per completion: LuaJIT's clock (``clock_gettime``,
  monotonic) when ``request()`` hands the completion to wrk, and when ``response()`` sees the
  answer carrying the same ``X-Request-Id`` (the server echoes it); fillers are left out. So
  p50/p95/p99 are of completions only (nearest rank), with no coordinated-omission correction;
  wrk's own ``latency:percentile(95)`` (fillers included, corrected by wrk) is printed beside them
  in the run's ``wrk.out``;
- ``response()`` counts the non-2xx answers; ``done()`` prints the percentiles, the counts
  (sent, answered, 201, non-2xx, fillers, socket errors) and one non-2xx example as JSON.

awards/s is computed here, not by wrk (wrk's own duration is the ``-d`` it was given): the bench
polls the run's database every 20 ms (``SELECT count(*) FROM awards``, on a connection opened
after the server's processes were listed, so it is not counted as server CPU) and takes the
time from wrk's start to the first poll that sees every timed award committed; then it stops
wrk (SIGINT) and reads ``done()``'s JSON. awards/s = timed awards / that time (so it includes
up to 20 ms of polling granularity and wrk's start-up: slightly pessimistic). A run fails if any
answer was not 2xx, on a socket error, or if the database holds fewer awards than enrollments
(no new award for 10 s ends the run). ``BENCH_KEEP=1`` keeps the run's folder (script, wrk's
output, the server's log).

Printed per run: awards/s, p50, p95 and p99 latency (the script's, above), and the CPU time the
server side used per award (gunicorn master and workers plus the PostgreSQL backends of the
run's database, from /proc: what the award costs, whatever else loads the machine; the few
fillers at the end are counted in it), split into ``app`` (gunicorn) and ``pg`` (the backends);
then the median of the runs and the load average.

``--peer DIR`` runs the same measurement against another source tree (e.g. the code before a
change, ``git archive <commit> | tar -x -C DIR``) in the same session, runs taking turns, so the
machine's load hits both alike.

    .venv/bin/python bench/bench_completions.py --awards 600 --warmup 20 --repeat 3 [--peer DIR]
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
WRK_THREADS = 2
POLL_SECONDS = 0.02
STALL_SECONDS = 10


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


LUA_TEMPLATE = """-- Written by bench/bench_completions.py for one run: every id completed exactly once.
local ids = {%(ids)s}
local token = "%(token)s"
local threads_total = %(threads)d
local threads = {}
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")

local function now_us()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  mine = {}
  for position = tid, #ids, threads_total do
    table.insert(mine, ids[position])
  end
  sent, completed, created, non2xx, fillers = 0, 0, 0, 0, 0
  started_at = {}
  latencies = {}
  if #mine == 0 then
    wrk.thread:stop()
  end
end

function delay()
  started = true -- wrk asks delay() before each real request (connections start delayed)
  return 0
end

function request()
  if not started or sent >= #mine then
    -- wrk calls request() once before the run only to check the request's shape, and a
    -- connection whose thread has no ids left must not sit idle (a sync worker would accept it
    -- and wait for its request while a completion queues): both get a cheap filler request
    return wrk.format("GET", "/healthz")
  end
  sent = sent + 1
  local id = mine[sent]
  started_at["bench-" .. id] = now_us()
  return wrk.format("POST", "/api/v1/enrollments/" .. id .. "/complete", {
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = "bench-" .. id,
    ["X-Request-Id"] = "bench-" .. id,
    ["Content-Type"] = "application/json",
  }, "{}")
end

function response(status, headers, body)
  local rid = headers["X-Request-Id"] or headers["x-request-id"]
  local since = rid and started_at[rid]
  if not since then
    fillers = fillers + 1
    return
  end
  started_at[rid] = nil
  table.insert(latencies, now_us() - since)
  completed = completed + 1
  if status == 201 then
    created = created + 1
  elseif status < 200 or status > 299 then
    non2xx = non2xx + 1
    if non2xx == 1 then
      first_bad = status .. " " .. string.sub(body or "", 1, 300)
    end
  end
  if completed >= #mine then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local all = {}
  local totals = {sent = 0, completed = 0, created = 0, non2xx = 0, fillers = 0}
  local example = ""
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
    for _, value in ipairs(thread:get("latencies") or {}) do
      table.insert(all, value)
    end
    if thread:get("first_bad") then
      example = thread:get("first_bad")
    end
  end
  table.sort(all)
  local function percentile(p)
    if #all == 0 then
      return 0
    end
    return all[math.max(1, math.ceil(p / 100 * #all))]
  end
  io.write(string.format(
    '{"p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d, "sent": %%d,'
      .. ' "completed": %%d, "created": %%d, "non2xx": %%d, "fillers": %%d,'
      .. ' "socket_errors": %%d, "wrk_p95_us_with_fillers": %%d, "example": %%q}\\n',
    percentile(50), percentile(95), percentile(99), all[#all] or 0, totals.sent,
    totals.completed, totals.created, totals.non2xx, totals.fillers,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(95), example))
end
"""


def wrk_script(workdir: Path, admin: str, enrollments: list[int], threads: int) -> Path:
    script = workdir / "completions.lua"
    ids = ", ".join(str(enrollment_id) for enrollment_id in enrollments)
    script.write_text(LUA_TEMPLATE % {"ids": ids, "token": admin, "threads": threads})
    return script


def awards_count(connection: Any) -> int:
    return int(connection.execute("SELECT count(*) FROM awards").fetchone()[0])


def complete_with_wrk(
    port: int, database: str, workdir: Path, admin: str, enrollments: list[int], clients: int
) -> tuple[float, dict[str, float]]:
    """Every enrollment completed once under ``wrk``; the seconds until the last award was
    committed (seen by polling the database) and wrk's latency report."""
    import psycopg

    threads = min(WRK_THREADS, clients)
    script = wrk_script(workdir, admin, enrollments, threads)
    with psycopg.connect(database, autocommit=True) as connection:
        target = awards_count(connection) + len(enrollments)
        # Long enough for the slowest plausible run; stopped as soon as every award is in.
        duration = 120 + len(enrollments) // 2
        command = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{duration}s", "--timeout", "60s"]
        command += ["-s", str(script), f"http://127.0.0.1:{port}"]
        started = time.perf_counter()
        wrk = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        elapsed = None
        last_count, last_change = -1, started
        while wrk.poll() is None:
            count = awards_count(connection)
            now = time.perf_counter()
            if count >= target:
                elapsed = now - started
                break
            if count != last_count:
                last_count, last_change = count, now
            elif now - last_change > STALL_SECONDS:
                break  # a completion failed: wrk's report says which
            time.sleep(POLL_SECONDS)
        if wrk.poll() is None:
            time.sleep(0.2)  # the last answers leave the server after the commit
            wrk.send_signal(signal.SIGINT)
        out, err = wrk.communicate(timeout=60)
        stored = awards_count(connection)
    report = next((json.loads(row) for row in out.splitlines() if row.startswith("{")), None)
    if report is None:
        raise SystemExit(f"wrk printed no report:\n{out}\n{err}")
    (workdir / "wrk.out").write_text(out + err)
    if report["non2xx"] or report["socket_errors"]:
        raise SystemExit(f"wrk saw failures: {report}; server log in {workdir}/gunicorn.log")
    if elapsed is None or stored < target:
        made = stored - target + len(enrollments)
        raise SystemExit(f"{made} of {len(enrollments)} awards stored; wrk: {report}")
    return elapsed, report


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


def server_pids(gunicorn: Any, database: str) -> tuple[list[int], list[int]]:
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
    return [gunicorn.pid, *map(int, children)], list(map(int, backends))


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
        app_pids, database_pids = server_pids(process, database)
        app_before, database_before = cpu_seconds(app_pids), cpu_seconds(database_pids)
        timed = enrollments[args.warmup :]
        elapsed, report = complete_with_wrk(port, database, workdir, admin, timed, args.clients)
        app_cpu = cpu_seconds(app_pids) - app_before
        database_cpu = cpu_seconds(database_pids) - database_before
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)  # BENCH_KEEP=1 keeps the run folder
    return {
        "awards_per_s": len(timed) / elapsed,
        "p50_ms": report["p50_us"] / 1000,
        "p95_ms": report["p95_us"] / 1000,
        "p99_ms": report["p99_us"] / 1000,
        "cpu_ms": 1000 * (app_cpu + database_cpu) / len(timed),
        "app_ms": 1000 * app_cpu / len(timed),
        "pg_ms": 1000 * database_cpu / len(timed),
    }


def line(label: str, result: dict[str, float]) -> str:
    return (
        f"{label:>8} {result['awards_per_s']:>9.1f} {result['p50_ms']:>8.1f}"
        f" {result['p95_ms']:>8.1f} {result['p99_ms']:>8.1f} {result['cpu_ms']:>12.1f}"
        f" {result['app_ms']:>6.1f} {result['pg_ms']:>6.1f}"
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
        f"{'run':>8} {'awards/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'CPU ms/award':>12}"
        f" {'app':>6} {'pg':>6}"
    )
    results: dict[str, list[dict[str, float]]] = {label: [] for label, _ in trees}
    for number in range(args.repeat):
        for label, tree in trees if number % 2 == 0 else trees[::-1]:
            result = one_run(tree, args)
            results[label].append(result)
            print(line(f"{label}{number + 1}", result), flush=True)
    print(f"median of runs (load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}):")
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
