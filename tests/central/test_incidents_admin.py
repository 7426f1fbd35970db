"""Head office lists and resolves missed clock-outs that kiosks sent: `python -m central incidents ...`."""

from __future__ import annotations

import contextlib
import csv
import io
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from central.commands import main
from central.incidents import list_incidents, pending_count
from kiosk.domain.incidents import IncidentStatus, MissedClockoutIncident
from sync.connection import CentralConnector
from sync.push import send_batch
from tests.central_database import ROOT, CentralDatabase
from wire.provisioning import CentralProfile
from wire.records import incident_rows
from wire.schema import audit_log, corrections, incident_resolutions, missed_clockout_claims, missed_clockout_incidents


def central_cli(central: CentralDatabase, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a `python -m central` command in this process (the entry point itself is run as a program below)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--database-url", central.url, *args])
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def central_program(central: CentralDatabase, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "central", "--database-url", central.url, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def send_incident(profile: CentralProfile, incident: MissedClockoutIncident) -> None:
    base, claim, resolution = incident_rows(incident, site_id=profile.site_id, kiosk_id=profile.kiosk_id)
    connector = CentralConnector(profile)
    engine = connector.engine()
    with engine.begin() as connection:
        assert send_batch(connection, missed_clockout_incidents, [base]).delivered == [incident.id]
        if claim is not None:
            assert send_batch(connection, missed_clockout_claims, [claim], key="incident_id").delivered
        if resolution is not None:
            assert send_batch(connection, incident_resolutions, [resolution], key="incident_id").delivered
    engine.dispose()
    connector.close()


def claimed_incident(company: str, employee: str, hours_ago: int) -> MissedClockoutIncident:
    now = datetime.now(UTC).replace(microsecond=0)
    login = now - timedelta(hours=hours_ago)
    return MissedClockoutIncident.submit_claim(
        id=uuid.uuid4(),
        company_id=company,
        employee_id=employee,
        first_name="Worker",
        last_name="Number1",
        clock_in_punch_id=uuid.uuid4(),
        login_time=login,
        logout_time=login + timedelta(hours=8),
        reason="Forgot",
        note="left in a hurry",
        now=now,
    )


@pytest.fixture(scope="module")
def gate(central: CentralDatabase) -> CentralProfile:
    central.add_company("hooli", sites={"campus": "America/Los_Angeles"})
    return central.add_kiosk("hooli", "campus")


def test_claims_from_a_kiosk_are_listed_and_counted(central: CentralDatabase, gate: CentralProfile) -> None:
    incident = claimed_incident("hooli", central.employee_id("hooli", "hooli-E001"), 20)
    send_incident(gate, incident)
    with central.engine.connect() as connection:
        assert incident in list_incidents(connection, company_id="hooli")
        before = pending_count(connection, company_id="hooli")
    assert before >= 1
    result = central_cli(central, "incidents", "list", "--status", "employee_claimed")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    mine = [row for row in rows if row["id"] == str(incident.id)]
    assert mine[0]["status"] == "employee_claimed"
    assert (mine[0]["employee_number"], mine[0]["name"]) == ("hooli-E001", "Worker Number1")
    assert "employee_id" not in mine[0]
    assert mine[0]["reason"] == "Forgot"
    assert mine[0]["claimed_logout_time"] == incident.employee_claimed_logout_time.isoformat()  # type: ignore[union-attr]
    count = central_cli(central, "pending-count", "--company", "hooli")
    assert count.stdout.strip() == str(before)


def test_approve_closes_the_session_with_the_claimed_time(central: CentralDatabase, gate: CentralProfile) -> None:
    incident = claimed_incident("hooli", central.employee_id("hooli", "hooli-E002"), 30)
    send_incident(gate, incident)
    result = central_program(
        central, "incidents", "resolve", str(incident.id), "--approve", "--by", "Dana", "--notes", "ok"
    )
    assert result.returncode == 0, result.stderr
    with central.engine.connect() as connection:
        (resolved,) = [i for i in list_incidents(connection) if i.id == incident.id]
        correction = (
            connection.execute(select(corrections).where(corrections.c.target_punch_id == incident.clock_in_punch_id))
            .mappings()
            .one()
        )
        audit = connection.execute(select(audit_log).where(audit_log.c.subject == str(incident.id))).mappings().one()
    assert resolved.status is IncidentStatus.APPROVED
    assert resolved.final_logout_time == incident.employee_claimed_logout_time
    assert correction["effective_at"] == incident.employee_claimed_logout_time
    assert correction["id"] == resolved.resolution_correction().id
    assert audit["actor"] == "Dana"
    again = central_cli(central, "incidents", "resolve", str(incident.id), "--approve", "--by", "Eve")
    assert again.returncode == 1
    assert "already approved" in again.stderr


def test_reject_sets_the_admins_time(central: CentralDatabase, gate: CentralProfile) -> None:
    incident = claimed_incident("hooli", central.employee_id("hooli", "hooli-E003"), 30)
    send_incident(gate, incident)
    admin_time = (incident.login_time + timedelta(hours=6)).isoformat()
    result = central_cli(
        central, "incidents", "resolve", str(incident.id), "--reject", "--time", admin_time, "--notes", "CCTV",
        "--by", "Dana",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with central.engine.connect() as connection:
        (resolved,) = [i for i in list_incidents(connection) if i.id == incident.id]
    assert resolved.status is IncidentStatus.REJECTED
    assert resolved.final_logout_time == incident.login_time + timedelta(hours=6)
    assert resolved.admin_notes == "CCTV"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--reject", "--notes", "x", "--by", "Dana"], "needs the clock-out time"),
        (["--approve", "--time", "2026-03-02T17:00:00Z", "--by", "Dana"], "approving keeps the claimed time"),
        (["--reject", "--time", "yesterday", "--notes", "x", "--by", "Dana"], "not an ISO 8601 time"),
        (["--reject", "--time", "2026-03-02T17:00:00", "--notes", "x", "--by", "Dana"], "has no offset"),
        (["--reject", "--time", "LOGIN-1h", "--notes", "x", "--by", "Dana"], "cannot be before the clock-in"),
        (["--reject", "--time", "LOGIN+25h", "--notes", "x", "--by", "Dana"], "within 24 hours"),
        (["--reject", "--time", "LOGIN+2h", "--by", "Dana"], "notes"),
        (["--approve", "--by", "  "], "say who resolved"),
    ],
)
def test_bad_resolutions_are_refused_and_change_nothing(
    central: CentralDatabase, gate: CentralProfile, extra: list[str], message: str
) -> None:
    incident = claimed_incident("hooli", central.employee_id("hooli", "hooli-E001"), 40)
    send_incident(gate, incident)
    offsets = {"LOGIN-1h": -1, "LOGIN+25h": 25, "LOGIN+2h": 2}
    extra = [
        (incident.login_time + timedelta(hours=offsets[arg])).isoformat() if arg in offsets else arg for arg in extra
    ]
    result = central_cli(central, "incidents", "resolve", str(incident.id), *extra)
    assert result.returncode == 1
    assert message in result.stderr
    with central.engine.connect() as connection:
        (unchanged,) = [i for i in list_incidents(connection) if i.id == incident.id]
    assert unchanged == incident


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["incidents", "resolve", "not-an-id", "--approve", "--by", "Dana"], "is not an incident id"),
        (["incidents", "resolve", str(uuid.UUID(int=7)), "--approve", "--by", "Dana"], "no missed clock-out incident"),
        (["incidents", "list", "--status", "lost"], "unknown status 'lost'"),
        (["incidents"], "say what to do"),
    ],
)
def test_bad_incident_commands_are_clear(central: CentralDatabase, args: list[str], message: str) -> None:
    result = central_cli(central, *args)
    assert result.returncode == 1
    assert message in result.stderr
