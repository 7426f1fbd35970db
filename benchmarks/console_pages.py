"""Response times of the head-office console's dashboard and incident list on a large company, alone and under load.

    .venv/bin/python -m benchmarks.console_pages [--sites 200] [--employees 10000] [--days 30]
                                                 [--users 50] [--rounds 20] [--database-url SUPERUSER_URL]

The company (200 sites, 10,000 employees, `days` days of weekday punches, about one session in 150 left open and
claimed; see benchmarks/console_data.py) is generated once into the database `timeclock_console_bench` and
reused by later runs with the same sizes. Its sites are put in the time zone where it is a weekday afternoon at
generation, the dashboard's heaviest moment (everyone on site, the day's punches in the chart); a later run
measures whatever local time it is then, which the script prints with how many people are on site. Without
--database-url a PostgreSQL cluster with durable settings is kept for the purpose under benchmarks/out/console-pg
(its superuser password beside it, readable by root only), started for each run and stopped after.

The console runs as `python -m central serve` in its own process; the requests come from this process over HTTP.
First one user asks for each page `rounds` times in turn; then `users` logged-in users (admins, who see every site)
do the same at once. Printed: median, p95 and worst per page. Target: p95 under 300 ms, with 50 users too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import requests
from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.console_data import PASSWORD, fill
from central.dashboard import on_site_now
from central.database import admin_engine, migrate
from central.users import add_user
from tests.pg import LocalPostgres, create_database

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = ROOT / "benchmarks" / "out" / "console-pg"
DATABASE = "timeclock_console_bench"
COMPANY = "bench"
PAGES = {
    "dashboard": "/",
    "who is on one site": "/on-site/site-001",
    "incidents (unresolved)": "/incidents?status=unresolved",
    "incidents (all, newest page)": "/incidents",
    "incidents (one employee)": "/incidents?employee=Santos",
}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def server_url(given: str | None) -> Iterator[str]:
    """A superuser URL: the one given, or the kept benchmark cluster's (created on the first run)."""
    if given:
        yield given
        return
    state = CLUSTER.parent / "console-pg.json"
    local = LocalPostgres(CLUSTER, durable=True)
    if state.exists():
        saved = json.loads(state.read_text())
        local.password, local.port = saved["password"], saved["port"]
    else:
        local.init()
        state.write_text(json.dumps({"password": local.password, "port": local.port}))
        state.chmod(0o600)
    local.start()
    try:
        yield f"postgresql://postgres:{local.password}@127.0.0.1:{local.port}/postgres"
    finally:
        local.stop()


def prepare(url: str, *, sites: int, employees: int, days: int, users: int) -> str:
    """The benchmark database's URL, generated unless it holds this company at these sizes already."""
    parsed = make_url(url)
    dsn = f"host={parsed.host} port={parsed.port} dbname=postgres user={parsed.username} password={parsed.password}"
    target = str(parsed.set(database=DATABASE).render_as_string(hide_password=False))
    with psycopg.connect(dsn, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
    if not exists:
        create_database(dsn, DATABASE)
    engine = admin_engine(target)
    try:
        migrate(engine)
        with engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM sites WHERE company_id = :c), "
                    "(SELECT count(*) FROM employees WHERE company_id = :c)"
                ),
                {"c": COMPANY},
            ).one()
        if tuple(found) == (0, 0):
            started = time.perf_counter()
            print(f"generating {sites} sites, {employees} employees, {days} days of punches ...", flush=True)
            zone = afternoon_zone(datetime.now(UTC))
            print(f"sites in {zone}", flush=True)
            fill(engine, company=COMPANY, sites=sites, employees=employees, days=days, now=datetime.now(UTC), zone=zone)
            print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
        elif tuple(found) != (sites, employees):
            raise SystemExit(f"{DATABASE} holds {found[0]} sites and {found[1]} employees; drop it to change sizes")
        with engine.connect() as connection:
            counts = connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM punches), (SELECT count(*) FROM missed_clockout_incidents), "
                    "(SELECT count(*) FROM console_users WHERE email LIKE 'bench%')"
                )
            ).one()
        print(f"database: {counts[0]:,} punches, {counts[1]:,} missed clock-outs", flush=True)
        for number in range(counts[2], users):
            add_user(
                engine, company_id=COMPANY, email=f"bench{number:03d}@sample.example", role="admin",
                password=PASSWORD, actor="benchmark", now=datetime.now(UTC),
            )  # fmt: skip
    finally:
        engine.dispose()
    return target


# Whole-hour zones around the world, one of which is mid-afternoon at any moment.
ZONES = (
    "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Chicago",
    "America/New_York", "America/Halifax", "America/Sao_Paulo", "Atlantic/South_Georgia", "Atlantic/Cape_Verde",
    "UTC", "Africa/Lagos", "Africa/Johannesburg", "Europe/Moscow", "Asia/Dubai", "Asia/Karachi", "Asia/Dhaka",
    "Asia/Bangkok", "Asia/Manila", "Asia/Tokyo", "Australia/Brisbane", "Pacific/Noumea", "Pacific/Tarawa",
    "Pacific/Tongatapu",
)  # fmt: skip


def afternoon_zone(now: datetime) -> str:
    """The zone of ZONES whose local time is nearest 15:30 on a weekday (shift workers in, lunch over)."""

    def distance(zone: str) -> float:
        local = now.astimezone(ZoneInfo(zone))
        minutes = abs(local.hour * 60 + local.minute - 15 * 60 - 30)
        return minutes + (10_000 if local.weekday() >= 5 else 0)

    return min(ZONES, key=distance)


def presence(database_url: str) -> str:
    """The sites' local time now and how many people are on site, as the dashboard computes it."""
    engine = admin_engine(database_url)
    try:
        with engine.connect() as connection:
            zone = connection.execute(text("SELECT min(timezone) FROM sites WHERE company_id = :c"), {"c": COMPANY})
            name = zone.scalar_one()
            present = sum(len(site.people) for site in on_site_now(connection, COMPANY, datetime.now(UTC)))
    finally:
        engine.dispose()
    return f"{datetime.now(ZoneInfo(name)):%a %H:%M} at the sites ({name}), {present:,} people on site"


@contextmanager
def console(database_url: str) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server_log = (CLUSTER.parent / "console-serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "central", "--database-url", database_url, "serve", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "TIMECLOCK_CONSOLE_SECRET_KEY": "benchmark"},
        stdout=subprocess.DEVNULL,
        # waitress warns of its queue under load; kept apart so that the figures stay readable.
        stderr=server_log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("the console did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        server_log.close()


def logged_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=60)
    token = _CSRF.search(page.text)
    assert token is not None
    answer = session.post(
        f"{base}/login", data={"csrf_token": token.group(1), "email": email, "password": PASSWORD}, timeout=60
    )
    if "Log out" not in answer.text:
        raise SystemExit(f"{email} could not log in")
    return session


def visit(session: requests.Session, base: str, rounds: int, times: dict[str, list[float]]) -> None:
    for _ in range(rounds):
        for name, path in PAGES.items():
            started = time.perf_counter()
            answer = session.get(base + path, timeout=120)
            elapsed = time.perf_counter() - started
            if answer.status_code != 200:
                raise SystemExit(f"{path}: HTTP {answer.status_code}")
            times[name].append(elapsed)


def report(title: str, times: dict[str, list[float]]) -> None:
    print(title)
    for name, values in times.items():
        ordered = sorted(values)
        p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
        print(
            f"  {name:30s} median {statistics.median(ordered) * 1000:7.0f} ms   p95 {p95 * 1000:7.0f} ms"
            f"   worst {ordered[-1] * 1000:7.0f} ms   ({len(ordered)} requests)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20, help="visits of each page per user")
    parser.add_argument("--database-url", help="a PostgreSQL superuser URL (default: the kept benchmark cluster)")
    args = parser.parse_args()
    with server_url(args.database_url) as url:
        target = prepare(url, sites=args.sites, employees=args.employees, days=args.days, users=args.users)
        print(presence(target), flush=True)
        with console(target) as base:
            alone: dict[str, list[float]] = defaultdict(list)
            visit(logged_in(base, "bench000@sample.example"), base, args.rounds, alone)
            report("one user:", alone)
            sessions = [logged_in(base, f"bench{number:03d}@sample.example") for number in range(args.users)]
            together: dict[str, list[float]] = defaultdict(list)
            lock = threading.Lock()

            def one_user(session: requests.Session) -> None:
                mine: dict[str, list[float]] = defaultdict(list)
                visit(session, base, args.rounds, mine)
                with lock:
                    for name, values in mine.items():
                        together[name].extend(values)

            threads = [threading.Thread(target=one_user, args=(session,)) for session in sessions]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            total = sum(len(values) for values in together.values())
            elapsed = time.perf_counter() - started
            report(
                f"{args.users} users at once ({total} requests in {elapsed:.0f} s, {total / elapsed:.1f}/s):", together
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
