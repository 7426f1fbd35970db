"""Head office's dashboard figures from real central rows: who is on site, today's punches per local hour."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from central.dashboard import PresenceCache, on_site_now, punches_per_hour
from kiosk.domain.punches import BreakType, Punch, PunchKind
from tests.central_database import CentralDatabase
from wire.records import punch_row
from wire.schema import punches

NOW = datetime(2026, 11, 2, 7, 30, tzinfo=UTC)  # 15:30 in Manila, 09:30 in Johannesburg


def punch(central: CentralDatabase, site: str, number: str, kind: PunchKind, at: datetime) -> None:
    fact = Punch(
        id=uuid.uuid4(),
        employee_id=central.employee_id("acme", number),
        kind=kind,
        occurred_at=at,
        break_type=BreakType.LUNCH if kind is PunchKind.BREAK_START else None,
    )
    with central.engine.begin() as connection:
        connection.execute(
            insert(punches).values(
                punch_row(fact, company_id="acme", site_id=central.site_id("acme", site), recorded_at=at)
            )
        )


@pytest.fixture(scope="module")
def company(central: CentralDatabase) -> CentralDatabase:
    central.add_company("acme", sites={"manila": "Asia/Manila", "joburg": "Africa/Johannesburg"}, employees=5)
    # Manila: E001 in since 08:00 and on lunch since 12:00; E002 in at 08:00 and out at 12:00; E003 in yesterday and
    # never out (past the 16 h limit: not on site). Johannesburg: E004 in since 08:00 local.
    punch(central, "manila", "acme-E001", PunchKind.CLOCK_IN, datetime(2026, 11, 2, 0, 0, tzinfo=UTC))
    punch(central, "manila", "acme-E001", PunchKind.BREAK_START, datetime(2026, 11, 2, 4, 0, tzinfo=UTC))
    punch(central, "manila", "acme-E002", PunchKind.CLOCK_IN, datetime(2026, 11, 2, 0, 0, tzinfo=UTC))
    punch(central, "manila", "acme-E002", PunchKind.CLOCK_OUT, datetime(2026, 11, 2, 4, 0, tzinfo=UTC))
    punch(central, "manila", "acme-E003", PunchKind.CLOCK_IN, datetime(2026, 11, 1, 0, 0, tzinfo=UTC))
    punch(central, "joburg", "acme-E004", PunchKind.CLOCK_IN, datetime(2026, 11, 2, 6, 0, tzinfo=UTC))
    return central


def test_who_is_on_site_per_site(company: CentralDatabase) -> None:
    with company.engine.connect() as connection:
        found = {site.code: site for site in on_site_now(connection, "acme", NOW)}
    assert [(p.number, p.on_break, f"{p.clock_in:%H:%M}") for p in found["manila"].people] == [
        ("acme-E001", True, "08:00")
    ]
    assert [(p.number, p.on_break, f"{p.clock_in:%H:%M}") for p in found["joburg"].people] == [
        ("acme-E004", False, "08:00")
    ]


def test_punches_per_hour_in_each_sites_own_day(company: CentralDatabase) -> None:
    with company.engine.connect() as connection:
        hours = {hour.hour: hour for hour in punches_per_hour(connection, "acme", NOW)}
    # Manila's 08:00 has two clock-ins, Johannesburg's 08:00 one; 12:00 in Manila a lunch and a clock-out.
    assert (hours[8].clock_ins, hours[8].clock_outs, hours[8].breaks) == (3, 0, 0)
    assert (hours[12].clock_ins, hours[12].clock_outs, hours[12].breaks) == (0, 1, 1)
    assert sum(hour.total for hour in hours.values()) == 5  # yesterday's clock-in is not today's


def test_presence_is_shared_for_a_while_then_worked_out_again(company: CentralDatabase) -> None:
    cache = PresenceCache(max_age=timedelta(seconds=30))
    with company.engine.connect() as connection:
        first = cache.get(connection, "acme", "*", NOW)
        punch(company, "manila", "acme-E005", PunchKind.CLOCK_IN, NOW - timedelta(minutes=1))
        assert cache.get(connection, "acme", "*", NOW + timedelta(seconds=20)) is first
        other_scope = cache.get(connection, "acme", company.site_id("acme", "manila"), NOW + timedelta(seconds=20))
        later = cache.get(connection, "acme", "*", NOW + timedelta(seconds=31))
    assert other_scope is not first
    assert later.as_of == NOW + timedelta(seconds=31)
    manila = next(site for site in later.sites if site.code == "manila")
    assert [person.number for person in manila.people] == ["acme-E001", "acme-E005"]
