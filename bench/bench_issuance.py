"""Issue-to-signed-and-baked award throughput, and how it grows from 10 to 100,000 awards.

For each database size (10, 100, 1,000, 10,000 and, with ``--max 100000``, 100,000 awards already
issued) it times confirming K passed
enrollments through the real API call (POST /enrollments/{id}/complete: build, sign the OB 2.0 JWS,
bake PNG and SVG twice, store, write the PTSB notice and audit entry, commit). The peer, timed in the
same run, is the bare cryptographic and baking work of one award without the service around it
(RS256 JWS of the assertion + two PNG and two SVG bakes). Filler awards (with three documents and
a notice each) and the passed enrollments to time are inserted directly, in bulk (bench/seeding.py).

    .venv/bin/python bench/bench_issuance.py --per-size 20 --max 100000
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_issuance.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from bench_completions import cpu_seconds  # noqa: E402
from seeding import clone_passed_enrollments, fill_awards  # noqa: E402

from tests.conftest import Api  # noqa: E402 - the same workflow script the tests use

SIZES = (10, 100, 1000, 10000, 100000)


def make_app(workdir: Path):
    from issuer import create_app
    from issuer.config import Settings, _database_url

    url = os.environ.get("DATABASE_URL", "")
    settings = Settings(
        base_url="https://badges.bench",
        database_url=_database_url(url),
        instance_dir=workdir,
        keys_dir=workdir / "keys",
        secret_key="bench-" + uuid.uuid4().hex * 2,
    )
    if url:
        reset_postgres(settings.database_url)
    return create_app(settings)


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def passed_enrollments(app, template_id: int, count: int) -> list[int]:
    """Passed enrollments cloned in bulk from one made through the API (bench/seeding.py)."""
    return clone_passed_enrollments(app.extensions["issuer.services"].db, template_id, count)


def time_completions(app, api: Api, admin: str, enrollments: list[int]) -> dict[str, float]:
    """Median wall time, and per award: SQL statements and CPU time (this process, where the app
    runs, plus the database server's backends on PostgreSQL), which the machine's load does not
    change."""
    from sqlalchemy import event, text

    engine = app.extensions["issuer.services"].db.engine
    statements = [0]

    def count(*_args: object) -> None:
        statements[0] += 1

    backends: list[int] = []
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            backends = list(connection.execute(text(query)).scalars())
    event.listen(engine, "before_cursor_execute", count)
    times = []
    cpu = time.process_time() + cpu_seconds(backends)
    for enrollment_id in enrollments:
        started = time.perf_counter()
        api.complete(admin, enrollment_id)
        times.append(time.perf_counter() - started)
    cpu = time.process_time() + cpu_seconds(backends) - cpu
    event.remove(engine, "before_cursor_execute", count)
    return {
        "median": statistics.median(times),
        "rate": 1 / statistics.mean(times),
        "statements": statements[0] / len(enrollments),
        "cpu": cpu / len(enrollments),
    }


def bare_work_seconds(repeat: int = 20) -> float:
    """One award's signing and baking with nothing around it (the floor the service adds to)."""
    from issuer.baking import bake_png, bake_svg
    from issuer.openbadges.artwork import generated_png, generated_svg
    from issuer.signing.jws import sign_compact
    from issuer.signing.keys import KeyKind, generate_key

    key = generate_key(KeyKind.RSA_2048).private_key
    png, svg = generated_png("Bench Badge"), generated_svg("Bench Badge")
    url = "https://badges.bench/ob2/assertions/x"
    payload = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "urn:uuid:x",
        "badge": url,
        "recipient": {"type": "email", "hashed": True, "identity": "sha256$" + "0" * 64},
    }
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        token = sign_compact(payload, key, "RS256")
        bake_png(png, url), bake_svg(svg, url), bake_png(png, token), bake_svg(svg, token)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-size", type=int, default=20, help="awards timed at each size")
    parser.add_argument("--max", type=int, default=10000, help="largest size (up to 100000)")
    args = parser.parse_args()
    app = make_app(Path(tempfile.mkdtemp(prefix="bench-issue-")))
    api = Api(app.test_client(), app.test_cli_runner())
    issuer_id, admin = api.issuer("Bench District")
    program_id = api.approved_program(admin, issuer_id)
    template_id, _ = api.passed_enrollment(admin, issuer_id, program_id)
    first = api.complete(admin, passed_enrollments(app, template_id, 1)[0])
    template = {
        "kind": "program",
        "earner_id": first["earner_id"],
        "issuer_id": issuer_id,
        "name": "filler",
        "credit_hours": Decimal("0.5"),
        "program_id": program_id,
    }
    floor = bare_work_seconds()
    rows, have = [], 1
    db = app.extensions["issuer.services"].db
    for size in (s for s in SIZES if s <= args.max):
        fill_awards(db, template, max(size - have, 0))
        have = max(have, size)
        timed = time_completions(
            app, api, admin, passed_enrollments(app, template_id, args.per_size)
        )
        have += args.per_size
        rows.append((size, timed))
    db = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    print(
        json.dumps({"database": db, "per_size": args.per_size, "load_average": os.getloadavg()[0]})
    )
    print(f"bare sign+bake of one award (peer): {floor * 1000:.2f} ms")
    print(
        f"{'awards':>8} {'median ms':>10} {'awards/s':>9} {'x bare':>7} {'x at 10':>8}"
        f" {'SQL/award':>10} {'CPU ms/award':>13} {'CPU x at 10':>12}"
    )
    first_row = rows[0][1]
    for size, timed in rows:
        print(
            f"{size:>8} {timed['median'] * 1000:>10.1f} {timed['rate']:>9.1f}"
            f" {timed['median'] / floor:>7.1f} {timed['median'] / first_row['median']:>8.2f}"
            f" {timed['statements']:>10.1f} {timed['cpu'] * 1000:>13.1f}"
            f" {timed['cpu'] / first_row['cpu']:>12.2f}"
        )
    app.extensions["issuer.services"].db.dispose()


if __name__ == "__main__":
    main()
