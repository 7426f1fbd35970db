"""Batches of facts into the central database as a kiosk: idempotent, conflicts reported, bad records set aside."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from kiosk.domain.punches import ClockFacts, Punch, PunchKind
from sync.connection import CentralConnector
from sync.push import send_batch
from tests.central_database import CentralDatabase, utc
from wire.provisioning import CentralProfile
from wire.records import punch_from_row, punch_row
from wire.schema import punches


@pytest.fixture(scope="module")
def kiosks(central: CentralDatabase) -> dict[str, CentralProfile]:
    central.add_company("umbrella", sites={"lab": "Europe/Berlin", "depot": "Europe/Berlin"}, employees=5)
    return {"lab": central.add_kiosk("umbrella", "lab"), "depot": central.add_kiosk("umbrella", "depot")}


@pytest.fixture
def lab_engine(kiosks: dict[str, CentralProfile]) -> Iterator[Engine]:
    connector = CentralConnector(kiosks["lab"])
    engine = connector.engine()
    yield engine
    engine.dispose()
    connector.close()


def make_punch(profile: CentralProfile, employee: str, minutes: int, kind: PunchKind = PunchKind.CLOCK_IN) -> Punch:
    at = utc(2026, 3, 2, 6) + timedelta(minutes=minutes)
    return Punch(
        id=uuid.uuid4(),
        employee_id=employee,
        kind=kind,
        occurred_at=at,
        kiosk_id=profile.kiosk_id,
        match_distance=0.31,
        liveness_passed=True,
        clock=ClockFacts(pc_time=at + timedelta(seconds=3), anchored_time=at, suspect=False),
    )


def rows_of(profile: CentralProfile, batch: list[Punch]) -> list[dict[str, object]]:
    return [punch_row(p, company_id="umbrella", site_id=profile.site_id, recorded_at=p.occurred_at) for p in batch]


def central_count(central: CentralDatabase, ids: list[uuid.UUID]) -> int:
    with central.engine.connect() as admin:
        return int(admin.execute(select(func.count()).where(punches.c.id.in_(ids))).scalar_one())


def test_a_batch_is_stored_once_however_often_it_is_sent(
    central: CentralDatabase, kiosks: dict[str, CentralProfile], lab_engine: Engine
) -> None:
    batch = [
        make_punch(kiosks["lab"], central.employee_id("umbrella", f"umbrella-E00{1 + i % 5}"), i) for i in range(200)
    ]
    with lab_engine.begin() as connection:
        first = send_batch(connection, punches, rows_of(kiosks["lab"], batch))
    with lab_engine.begin() as connection:
        again = send_batch(connection, punches, rows_of(kiosks["lab"], batch))
    ids = [p.id for p in batch]
    assert sorted(first.stored) == sorted(ids)
    assert (first.already_there, first.conflicts, first.rejected) == ([], {}, {})
    assert sorted(again.already_there) == sorted(ids)
    assert (again.stored, again.conflicts, again.rejected) == ([], {}, {})
    assert central_count(central, ids) == 200
    with central.engine.connect() as admin:
        stored = admin.execute(select(punches).where(punches.c.id == batch[0].id)).mappings().one()
    assert punch_from_row(stored) == batch[0]


def test_a_bad_record_is_set_aside_and_the_rest_goes_through(
    central: CentralDatabase, kiosks: dict[str, CentralProfile], lab_engine: Engine
) -> None:
    lab, depot = kiosks["lab"], kiosks["depot"]
    batch = [make_punch(lab, central.employee_id("umbrella", "umbrella-E001"), i) for i in range(6)]
    unknown_employee = make_punch(lab, "nobody", 10)
    records = rows_of(lab, [*batch, unknown_employee])
    posing = make_punch(lab, central.employee_id("umbrella", "umbrella-E002"), 11)
    other_site = rows_of(depot, [posing])[0]  # the lab kiosk posing at the depot
    records.insert(2, other_site)
    with lab_engine.begin() as connection:
        outcome = send_batch(connection, punches, records)
    assert sorted(outcome.stored) == sorted(p.id for p in batch)
    assert set(outcome.rejected) == {unknown_employee.id, other_site["id"]}
    assert "row-level security" in outcome.rejected[other_site["id"]]
    assert outcome.rejected[unknown_employee.id] == "employee nobody is not on the roster of company umbrella"
    assert central_count(central, [unknown_employee.id, other_site["id"]]) == 0  # type: ignore[list-item]


def test_a_record_the_staging_copy_refuses_is_set_aside_and_the_rest_goes_through(
    central: CentralDatabase, kiosks: dict[str, CentralProfile], lab_engine: Engine
) -> None:
    lab = kiosks["lab"]
    batch = [make_punch(lab, central.employee_id("umbrella", "umbrella-E003"), 100 + i) for i in range(4)]
    records = rows_of(lab, batch)
    mangled = dict(records[1], kind="clock_in_and_out_again")  # longer than the column: COPY itself refuses it
    records[1] = mangled
    with lab_engine.begin() as connection:
        outcome = send_batch(connection, punches, records)
        again = send_batch(connection, punches, [r for r in records if r is not mangled])
    assert sorted(outcome.stored) == sorted(p.id for i, p in enumerate(batch) if i != 1)
    assert list(outcome.rejected) == [batch[1].id]
    assert "ck_punches_kind" in outcome.rejected[batch[1].id]
    assert (again.stored, sorted(again.already_there)) == ([], sorted(outcome.stored))  # once, in one transaction too
    assert central_count(central, [p.id for p in batch]) == 3


def test_same_id_with_another_payload_is_a_conflict_never_an_overwrite(
    central: CentralDatabase, kiosks: dict[str, CentralProfile], lab_engine: Engine
) -> None:
    lab = kiosks["lab"]
    original = make_punch(lab, central.employee_id("umbrella", "umbrella-E003"), 0)
    with lab_engine.begin() as connection:
        send_batch(connection, punches, rows_of(lab, [original]))
    forged = Punch(
        id=original.id,
        employee_id=central.employee_id("umbrella", "umbrella-E003"),
        kind=PunchKind.CLOCK_OUT,
        occurred_at=original.occurred_at + timedelta(hours=9),
        kiosk_id=lab.kiosk_id,
        match_distance=0.31,
        liveness_passed=True,
        clock=original.clock,
    )
    fine = make_punch(lab, central.employee_id("umbrella", "umbrella-E003"), 5)
    with lab_engine.begin() as connection:
        outcome = send_batch(connection, punches, rows_of(lab, [forged, fine]))
    assert outcome.stored == [fine.id]
    assert "kind='clock_in' (ours 'clock_out')" in outcome.conflicts[original.id]
    assert "occurred_at" in outcome.conflicts[original.id]
    with central.engine.connect() as admin:
        kept = admin.execute(select(punches).where(punches.c.id == original.id)).mappings().one()
    assert punch_from_row(kept) == original


def test_an_id_taken_by_a_record_the_kiosk_cannot_see_is_a_conflict(
    central: CentralDatabase, kiosks: dict[str, CentralProfile], lab_engine: Engine
) -> None:
    depot = kiosks["depot"]
    theirs = make_punch(depot, central.employee_id("umbrella", "umbrella-E004"), 0)
    connector = CentralConnector(depot)
    depot_engine = connector.engine()
    with depot_engine.begin() as connection:
        send_batch(connection, punches, rows_of(depot, [theirs]))
    depot_engine.dispose()
    connector.close()
    ours = Punch(
        id=theirs.id,
        employee_id=central.employee_id("umbrella", "umbrella-E004"),
        kind=PunchKind.CLOCK_IN,
        occurred_at=theirs.occurred_at,
        kiosk_id=kiosks["lab"].kiosk_id,
    )
    with lab_engine.begin() as connection:
        outcome = send_batch(connection, punches, rows_of(kiosks["lab"], [ours]))
    assert outcome.conflicts == {theirs.id: "the id is already used by a record this kiosk cannot see"}
