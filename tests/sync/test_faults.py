"""Faults survived: a server restarted mid-push, a commit whose acknowledgement was lost, many kiosks at once.

The restart test needs a server it may restart, so this module starts its own (from the same binaries) instead of
using the shared one.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from kiosk.domain.punches import BreakType, ClockFacts, IdentifiedBy, Punch, PunchKind
from kiosk.domain.sessions import SessionPolicy, derive
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.schema import PunchRow, SyncState
from sync.errors import CentralUnreachable
from sync.kiosk_sync import KioskSync
from tests.central_database import CentralDatabase, PostgresServer, new_central_database, open_kiosk
from tests.pg import LocalPostgres
from tests.sync.proxy import PostgresProxy
from wire.provisioning import CentralProfile
from wire.records import correction_from_row, punch_from_row
from wire.schema import corrections, punches

START = datetime(2026, 10, 1, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Manila
ZONE = "Asia/Manila"


@pytest.fixture(scope="module")
def own_server() -> Iterator[LocalPostgres]:
    root = Path(tempfile.mkdtemp(prefix="timeclock-pg-faults-"))
    server = LocalPostgres(root / "cluster")
    server.init()
    server.start()
    yield server
    server.destroy()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def restartable(own_server: LocalPostgres) -> Iterator[CentralDatabase]:
    server = PostgresServer(host="127.0.0.1", port=own_server.port, user="postgres", password=own_server.password)
    with new_central_database(server) as database:
        database.add_company("acme", sites={"yard": ZONE}, employees=50)
        yield database


def backlog(database: Database, profile: CentralProfile, employees: list[str], days: int) -> list[Punch]:
    """Four punches a day for each employee, straight into the kiosk's outbox (one transaction per day)."""
    made: list[Punch] = []
    for day in range(days):
        daily: list[Punch] = []
        for number, employee in enumerate(employees):
            start = START + timedelta(days=day, seconds=number)
            for kind, offset, break_type in (
                (PunchKind.CLOCK_IN, timedelta(0), None),
                (PunchKind.BREAK_START, timedelta(hours=4), BreakType.LUNCH),
                (PunchKind.BREAK_END, timedelta(hours=5), None),
                (PunchKind.CLOCK_OUT, timedelta(hours=9), None),
            ):
                at = start + offset
                daily.append(
                    Punch(
                        id=uuid.uuid4(),
                        employee_id=employee,
                        kind=kind,
                        occurred_at=at,
                        break_type=break_type,
                        kiosk_id=profile.kiosk_id,
                        identified_by=IdentifiedBy.FACE,
                        match_distance=0.4,
                        liveness_passed=True,
                        clock=ClockFacts(pc_time=at, anchored_time=at),
                    )
                )
        with database.write() as session:
            for punch in daily:
                repository.add_punch(session, punch, company_id="acme", site_id="yard", recorded_at=punch.occurred_at)
        made += daily
    return made


def central_ids(central: CentralDatabase) -> list[uuid.UUID]:
    with central.engine.connect() as admin:
        return list(admin.execute(select(punches.c.id)).scalars())


def local_states(database: Database) -> dict[SyncState, int]:
    with database.read() as session:
        return repository.count_punches_by_state(session)


def test_server_restarted_in_the_middle_of_a_push(
    restartable: CentralDatabase, own_server: LocalPostgres, tmp_path: Path
) -> None:
    kiosk = open_kiosk(tmp_path / "kiosk.db", restartable.add_kiosk("acme", "yard"))
    employees = [kiosk.employee_id(f"acme-E{n:03d}") for n in range(1, 51)]
    made = backlog(kiosk.database, kiosk.profile, employees, days=30)  # 6,000 punches
    sync = KioskSync(kiosk.database, kiosk.profile, batch_size=100)
    failure: list[BaseException] = []

    def push() -> None:
        try:
            sync.push()
        except Exception as error:  # the push is expected to die with the server
            failure.append(error)

    pusher = threading.Thread(target=push)
    pusher.start()
    deadline = time.monotonic() + 60
    while len(central_ids(restartable)) < 1000:
        assert time.monotonic() < deadline, "the push made no progress"
        time.sleep(0.01)
    restartable.engine.dispose()
    own_server.restart("immediate")  # a crash: connections cut, no shutdown checkpoint
    pusher.join(timeout=120)
    assert failure, "the push was meant to be interrupted"
    interrupted_at = len(central_ids(restartable))
    assert 1000 <= interrupted_at < len(made)
    assert local_states(kiosk.database)[SyncState.SENT] <= interrupted_at  # nothing marked sent that is not there

    report = sync.push()
    assert not report.conflicts and not report.rejected
    stored = central_ids(restartable)
    assert len(stored) == len(set(stored)) == len(made)
    assert set(stored) == {p.id for p in made}
    assert local_states(kiosk.database) == {SyncState.SENT: len(made)}
    sync.close()
    kiosk.close()


def test_commit_acknowledgement_lost_then_resent_without_doubling(
    restartable: CentralDatabase, own_server: LocalPostgres, tmp_path: Path
) -> None:
    proxy = PostgresProxy(("127.0.0.1", own_server.port))
    direct = restartable.add_kiosk("acme", "yard")
    kiosk = open_kiosk(tmp_path / "kiosk.db", direct)
    made = backlog(
        kiosk.database, kiosk.profile, [kiosk.employee_id("acme-E001"), kiosk.employee_id("acme-E002")], days=5
    )  # 40 punches
    sync = KioskSync(kiosk.database, replace(direct, port=proxy.port), batch_size=1000)
    proxy.cut_after_commit()
    with pytest.raises(CentralUnreachable):
        sync.push()
    assert proxy.commits_cut == 1
    assert len(central_ids(restartable)) == len(made), "the server committed the batch"
    assert local_states(kiosk.database) == {SyncState.PENDING: len(made)}, "the kiosk never heard of it"

    report = sync.push()
    assert report.delivered == len(made)
    assert not report.conflicts and not report.rejected
    stored = central_ids(restartable)
    assert len(stored) == len(set(stored)) == len(made)
    assert local_states(kiosk.database) == {SyncState.SENT: len(made)}
    sync.close()
    kiosk.close()
    proxy.close()


def test_twenty_kiosks_five_hundred_punches_each_some_offline(
    central: CentralDatabase, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """20 kiosks of one site record 500 punches each (employees clock in at one kiosk and out at another) and sync
    concurrently; five are offline for a while. Afterwards the server holds every punch exactly once, every kiosk
    holds the whole site, and all of them and the server derive the same sessions."""
    central.add_company("mega", sites={"plant": ZONE}, employees=100)
    profiles = [central.add_kiosk("mega", "plant", f"k{k:02d}") for k in range(20)]
    kiosks = [open_kiosk(tmp_path / f"k{k:02d}.db", profile) for k, profile in enumerate(profiles)]
    rng = random.Random(20)
    made: list[Punch] = []
    per_kiosk: list[list[tuple[Punch, str]]] = [[] for _ in kiosks]
    for k in range(20):
        employees = [kiosks[k].employee_id(f"mega-E{n:03d}") for n in range(1 + 5 * k, 6 + 5 * k)]
        for day in range(25):
            for number, employee in enumerate(employees):
                start = START + timedelta(days=day, minutes=rng.randrange(0, 90), seconds=number)
                out_at = rng.randrange(20)  # the kiosk the employee leaves by
                for kind, offset, break_type, where in (
                    (PunchKind.CLOCK_IN, timedelta(0), None, k),
                    (PunchKind.BREAK_START, timedelta(hours=4), BreakType.LUNCH, k),
                    (PunchKind.BREAK_END, timedelta(hours=5), None, k),
                    (PunchKind.CLOCK_OUT, timedelta(hours=9), None, out_at),
                ):
                    at = start + offset
                    punch = Punch(
                        id=uuid.uuid4(),
                        employee_id=employee,
                        kind=kind,
                        occurred_at=at,
                        break_type=break_type,
                        kiosk_id=profiles[where].kiosk_id,
                        identified_by=IdentifiedBy.FACE,
                        clock=ClockFacts(pc_time=at, anchored_time=at),
                    )
                    per_kiosk[where].append((punch, employee))
                    made.append(punch)
    assert len(made) == 20 * 500
    for kiosk, batch in zip(kiosks, per_kiosk, strict=True):
        with kiosk.database.write() as session:
            for punch, _ in batch:
                repository.add_punch(session, punch, company_id="mega", site_id="plant", recorded_at=punch.occurred_at)

    offline = set(rng.sample(range(20), 5))
    dead = [replace(profile, port=1) for profile in profiles]
    back_online = threading.Event()
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            if k in offline:
                unreachable = KioskSync(kiosks[k].database, dead[k])
                while not back_online.is_set():
                    with pytest.raises(CentralUnreachable):
                        unreachable.push()
                    time.sleep(0.05)
                unreachable.close()
            sync = KioskSync(kiosks[k].database, profiles[k], batch_size=250)
            for _ in range(3):
                sync.run_once()
            sync.close()
        except BaseException as error:
            errors.append(error)
            raise

    threads = [threading.Thread(target=run, args=(k,)) for k in range(20)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    back_online.set()
    for thread in threads:
        thread.join(timeout=240)
    assert not errors, errors
    for kiosk in kiosks:  # a last pull, once everybody has pushed
        kiosk.sync.pull()

    stored = central_ids(central)
    mine = [punch_id for punch_id in stored if punch_id in {p.id for p in made}]
    assert len(mine) == len(set(mine)) == len(made)
    plant = central.site_id("mega", "plant")
    with central.engine.connect() as admin:
        site_punches = [
            punch_from_row(row) for row in admin.execute(select(punches).where(punches.c.site_id == plant)).mappings()
        ]
        fixes = [correction_from_row(row) for row in admin.execute(select(corrections)).mappings()]
        count = admin.execute(select(func.count()).where(punches.c.site_id == plant)).scalar_one()
    assert count == len(made)
    as_of = START + timedelta(days=40)
    policy = SessionPolicy(auto_close_at_limit=True)
    at_central = derive(site_punches, fixes, tz=ZoneInfo(ZONE), policy=policy, as_of=as_of)
    assert len(at_central.sessions) == 100 * 25
    assert not at_central.anomalies
    for kiosk in kiosks:
        assert local_states(kiosk.database).get(SyncState.PENDING, 0) == 0
        with kiosk.database.read() as session:
            assert session.scalar(select(func.count()).select_from(PunchRow)) == len(made)
        assert kiosk.derive_site(as_of) == at_central
        kiosk.close()
