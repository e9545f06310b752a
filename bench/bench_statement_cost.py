"""What one SQL statement costs the Python process, by the layer that runs it (issue 14).

A completion runs 14 statements; this prices one of them on this machine, so the completion
benchmark's CPU per award can be read against what the database layer alone takes. Each row is
the client process's CPU time (``time.process_time``, so PostgreSQL's own work and the waits are
not in it) per operation, median of ``--repeat`` rounds of ``--count`` operations, on a fresh
PostgreSQL database holding one small table:

- the peer: psycopg's own cursor (``execute`` + ``fetchone``), what any Python code pays;
- SQLAlchemy Core: a ``text()`` statement, and a ``select()`` built on each call as the
  workflow's queries are (compiled once, then found in SQLAlchemy's statement cache);
- the ORM: ``Session.scalar(select(Model))`` and ``Session.get`` (the identity map misses, as a
  unit of work's first read does);
- six inserts: ORM objects and a flush, against one Core ``insert()`` executemany and against
  six Core ``insert()`` calls (each in a fresh connection checkout, rolled back).

Printed: microseconds per operation and the ratio to psycopg's cursor.

    .venv/bin/python bench/bench_statement_cost.py [--count 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable

from sqlalchemy import LargeBinary, String, create_engine, insert, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

SERVER = "postgresql://postgres@127.0.0.1:5432"
ROWS = 1000


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "bench_rows"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(100), nullable=True)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


def admin_sql(statement: str) -> None:
    subprocess.run(
        ["psql", f"{SERVER}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", statement],
        check=True,
        capture_output=True,
    )


def cost(operation: Callable[[int], object], count: int, repeat: int) -> float:
    """Median microseconds of client CPU per call of ``operation`` (warmed up first)."""
    for n in range(50):
        operation(n)
    rounds = []
    for _ in range(repeat):
        start = time.process_time()
        for n in range(count):
            operation(n)
        rounds.append(1e6 * (time.process_time() - start) / count)
    return statistics.median(rounds)


def measure(url: str, count: int, repeat: int) -> list[tuple[str, float]]:
    engine = create_engine(url, pool_pre_ping=True)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Row(id=n, name=f"row {n}") for n in range(1, ROWS + 1)])
        session.commit()
    results = []
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]

        def driver(n: int) -> object:
            cursor.execute("SELECT id, name FROM bench_rows WHERE id = %s", (n % ROWS + 1,))
            return cursor.fetchone()

        by_text = text("SELECT id, name FROM bench_rows WHERE id = :id")
        results.append(("psycopg cursor", cost(driver, count, repeat)))
        results.append(
            (
                "Core text()",
                cost(
                    lambda n: connection.execute(by_text, {"id": n % ROWS + 1}).first(),
                    count,
                    repeat,
                ),
            )
        )
        results.append(
            (
                "Core select() built per call",
                cost(
                    lambda n: connection.execute(
                        select(Row.id, Row.name).where(Row.id == n % ROWS + 1)
                    ).first(),
                    count,
                    repeat,
                ),
            )
        )
        connection.rollback()

    def orm_scalar(n: int) -> object:
        with Session(engine) as session:
            return session.scalar(select(Row).where(Row.id == n % ROWS + 1))

    def orm_get(n: int) -> object:
        with Session(engine) as session:
            return session.get(Row, n % ROWS + 1)

    results.append(("ORM Session.scalar(select(Model)) *", cost(orm_scalar, count, repeat)))
    results.append(("ORM Session.get, identity map miss *", cost(orm_get, count, repeat)))
    next_id = [ROWS * 10]

    def six_rows() -> list[dict[str, object]]:
        rows = []
        for _ in range(6):
            next_id[0] += 1
            rows.append({"id": next_id[0], "name": "x", "note": "y", "body": b"z" * 100})
        return rows

    def orm_flush(_: int) -> None:
        with Session(engine) as session:
            session.add_all([Row(**row) for row in six_rows()])
            session.flush()
            session.rollback()

    def core_many(_: int) -> None:
        with engine.connect() as connection:
            connection.execute(insert(Row), six_rows())
            connection.rollback()

    def core_each(_: int) -> None:
        with engine.connect() as connection:
            for row in six_rows():
                connection.execute(insert(Row), row)
            connection.rollback()

    def checkout(_: int) -> None:
        with engine.connect() as connection:
            connection.rollback()

    inserts = max(count // 4, 100)
    results.append(("checkout + rollback only *", cost(checkout, inserts, repeat)))
    results.append(("6 inserts: ORM objects + flush *", cost(orm_flush, inserts, repeat)))
    results.append(("6 inserts: Core insert() executemany *", cost(core_many, inserts, repeat)))
    results.append(("6 inserts: 6 Core insert() calls *", cost(core_each, inserts, repeat)))
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    name = f"bench_statements_{uuid.uuid4().hex[:10]}"
    admin_sql(f'CREATE DATABASE "{name}"')
    try:
        results = measure(
            f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", args.count, args.repeat
        )
    finally:
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    peer = results[0][1]
    print(
        f"{'operation (* includes a pool checkout with pre-ping)':52} {'us CPU':>8} {'/ psycopg':>10}"
    )
    for label, micros in results:
        print(f"{label:52} {micros:8.1f} {micros / peer:9.1f}x")


if __name__ == "__main__":
    main()
