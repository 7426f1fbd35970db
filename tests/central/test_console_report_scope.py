"""Row-level security of the console on scheduled reports, queried as its database role directly, not through
pages: admins keep their company's schedules, payroll reads them, supervisors and other companies see nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import DBAPIError

from central.scheduled_reports import add_schedule, list_runs, list_schedules, remove_schedule
from central.scope import console_transaction
from central.users import ConsoleRole
from kiosk.domain.errors import RuleViolation
from tests.central.test_console_scope import console_user
from tests.central_database import CentralDatabase
from wire.schema import report_runs, report_schedules

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def schedules(central: CentralDatabase) -> dict[str, uuid.UUID]:
    """A payroll schedule per company, added by head office, each with a held run."""
    central.add_company("acme", sites={"north": "Asia/Manila", "south": "Asia/Manila"})
    central.add_company("globex", sites={"main": "Asia/Manila"})
    found = {}
    for company in ("acme", "globex"):
        schedule = add_schedule(
            central.engine, company_id=company, name="payroll", frequency="monthly",
            recipients=[f"hr@{company}.example"], created_by="head office", now=NOW,
        )  # fmt: skip
        with central.engine.begin() as owner:
            owner.execute(
                insert(report_runs).values(
                    id=uuid.uuid4(), company_id=company, schedule_id=schedule.id, period_first=date(2026, 10, 1),
                    period_last=date(2026, 10, 31), due_at=NOW - timedelta(days=1), status="blocked",
                    blocked_incidents=2, created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
        found[company] = schedule.id
    return found


def test_an_admin_sees_and_keeps_their_company_schedules_only(
    central: CentralDatabase, schedules: dict[str, uuid.UUID]
) -> None:
    admin = console_user(central, "acme", ConsoleRole.ADMIN)
    with console_transaction(central.engine, admin) as connection:
        assert [schedule.id for schedule in list_schedules(connection)] == [schedules["acme"]]
        assert {run.company_id for run in list_runs(connection)} == {"acme"}
        # Another company's schedule is not there to remove, by its name or by its key.
        with pytest.raises(RuleViolation, match="has no schedule named 'payroll'"):
            remove_schedule(connection, "globex", "payroll", removed_by=admin.email, now=NOW)
        assert connection.execute(
            update(report_schedules).where(report_schedules.c.id == schedules["globex"]).values(removed_at=NOW)
        ).rowcount == 0  # fmt: skip
    with central.engine.connect() as owner:
        assert (
            owner.scalar(select(report_schedules.c.removed_at).where(report_schedules.c.id == schedules["globex"]))
            is None
        )


def test_an_admin_cannot_add_a_schedule_for_another_company(
    central: CentralDatabase, schedules: dict[str, uuid.UUID]
) -> None:
    admin = console_user(central, "acme", ConsoleRole.ADMIN)
    with (
        pytest.raises(DBAPIError, match="row-level security"),
        console_transaction(central.engine, admin) as connection,
    ):
        connection.execute(
            insert(report_schedules).values(
                id=uuid.uuid4(), company_id="globex", name="stolen", frequency="monthly", rule="0 6 1 * *",
                timezone="Asia/Manila", recipients=["thief@acme.example"], created_at=NOW, created_by=admin.email,
            )
        )  # fmt: skip


def test_an_admin_adds_and_removes_through_the_command_functions(
    central: CentralDatabase, schedules: dict[str, uuid.UUID]
) -> None:
    admin = console_user(central, "acme", ConsoleRole.ADMIN)
    with console_transaction(central.engine, admin) as connection:
        added = add_schedule(
            connection, company_id="acme", name="weekly-north", frequency="weekly", recipients=["hr@acme.example"],
            site_code="north", created_by=admin.email, now=NOW,
        )  # fmt: skip
        assert added.timezone == "Asia/Manila"
    with console_transaction(central.engine, admin) as connection:
        assert "weekly-north" in [schedule.name for schedule in list_schedules(connection)]
        assert remove_schedule(connection, "acme", "weekly-north", removed_by=admin.email, now=NOW) == 0
    with console_transaction(central.engine, admin) as connection:
        assert "weekly-north" not in [schedule.name for schedule in list_schedules(connection)]


def test_payroll_reads_but_changes_nothing(central: CentralDatabase, schedules: dict[str, uuid.UUID]) -> None:
    payroll = console_user(central, "acme", ConsoleRole.PAYROLL)
    with console_transaction(central.engine, payroll) as connection:
        assert [schedule.id for schedule in list_schedules(connection)] == [schedules["acme"]]
        assert [run.status for run in list_runs(connection)] == ["blocked"]
        # Removing locks the row for update, which payroll's policies do not reach: the schedule is not found.
        with pytest.raises(RuleViolation, match="has no schedule named 'payroll'"):
            remove_schedule(connection, "acme", "payroll", removed_by=payroll.email, now=NOW)
        assert connection.execute(update(report_runs).values(status="cancelled")).rowcount == 0
    with (
        pytest.raises(DBAPIError, match="row-level security"),
        console_transaction(central.engine, payroll) as connection,
    ):
        add_schedule(
            connection, company_id="acme", name="mine", frequency="monthly", recipients=["me@acme.example"],
            created_by=payroll.email, now=NOW,
        )  # fmt: skip
    with central.engine.connect() as owner:
        assert (
            owner.scalar(select(func.count()).select_from(report_schedules).where(report_schedules.c.name == "mine"))
            == 0
        )
        assert owner.scalar(select(report_runs.c.status).where(report_runs.c.company_id == "acme")) == "blocked"


def test_a_supervisor_sees_no_reports(central: CentralDatabase, schedules: dict[str, uuid.UUID]) -> None:
    supervisor = console_user(central, "acme", ConsoleRole.SUPERVISOR, "north")
    with console_transaction(central.engine, supervisor) as connection:
        assert list_schedules(connection) == []
        assert list_runs(connection) == []
