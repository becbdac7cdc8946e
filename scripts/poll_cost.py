"""What polling costs the database: the projector's and a waiting phone's reads, timed.

    python scripts/poll_cost.py                       # SQLite (a temporary file)
    python scripts/poll_cost.py --database-url postgresql+psycopg://pte@127.0.0.1:55432/pte

Opens a room with ``--answers`` answers to one activity, then times ``--ticks`` projector ticks
(the live fragment's reads: the current activity, then its answers) and as many waiting-phone
ticks (the 4 s fragment's read: the current activity), in this process, one after another. With
a projector every 1.5 s and each waiting phone every 4 s, the database's busy share follows:
phones / 4 × phone tick + 1 / 1.5 × projector tick, in seconds of database work per second.
On PostgreSQL a fresh database is created for the run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from core.rooms.workshop import PICK_EPSILON, new_secret  # noqa: E402
from core.store.room_store import RoomStore  # noqa: E402

PROJECTOR_EVERY_S = 1.5
PHONE_EVERY_S = 4.0


def timed(call, ticks: int) -> list[float]:
    times = []
    for _ in range(ticks):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def measure(url: str, answers: int, ticks: int) -> dict:
    store = RoomStore(url)
    code, key = store.open_room()
    activity = store.start_activity(code, key, PICK_EPSILON)
    for _ in range(answers):
        store.submit_answer(code, activity, new_secret(), {"epsilon": 1.0})

    def projector_tick() -> None:
        current = store.current_activity(code)
        store.answers(current.id)

    projector = timed(projector_tick, ticks)
    phone = timed(lambda: store.current_activity(code), ticks)
    store.dispose()
    return {
        "projector_tick_ms": 1000 * statistics.median(projector),
        "phone_tick_ms": 1000 * statistics.median(phone),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (default: SQLite)")
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--ticks", type=int, default=300)
    parser.add_argument("--phones", type=int, default=200, help="waiting phones to cost")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        admin = name = None
        if options.database_url:
            server = sa.make_url(options.database_url)
            name = f"pte_poll_{os.getpid()}"
            admin = sa.create_engine(
                server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
            )
            with admin.connect() as connection:
                connection.exec_driver_sql(f"CREATE DATABASE {name}")
            url = server.set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{Path(folder) / 'poll.sqlite3'}"
        try:
            result = measure(url, options.answers, options.ticks)
        finally:
            if admin is not None:
                with admin.connect() as connection:
                    connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                admin.dispose()
    busy = (
        options.phones / PHONE_EVERY_S * result["phone_tick_ms"]
        + result["projector_tick_ms"] / PROJECTOR_EVERY_S
    ) / 1000
    backend = "postgresql" if options.database_url else "sqlite"
    print(
        f"{backend}: projector tick {result['projector_tick_ms']:.2f} ms "
        f"({options.answers} answers), waiting-phone tick {result['phone_tick_ms']:.2f} ms "
        f"(medians of {options.ticks}); {options.phones} waiting phones + 1 projector: "
        f"{busy:.3f} s of reads per second (client side, one connection at a time); "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
