"""The head-office console in a real browser against a real PostgreSQL, with a real kiosk syncing beside it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from sqlalchemy import func, insert, select, text

from central.users import add_user, change_user, reset_password
from kiosk.domain.incidents import IncidentStatus
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.store import repository
from tests.central.console.conftest import PASSWORD, Console, log_in, submit, text_of
from tests.central.test_incidents_admin import claimed_incident, send_incident
from tests.central_database import CentralDatabase, KioskUnderTest, open_kiosk
from wire.console import incident_url
from wire.schema import audit_log, employees, face_templates, incident_resolutions

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class World:
    kiosk: KioskUnderTest
    kiosk_incident: uuid.UUID
    clock_in: datetime
    claimed: datetime
    south_incident: uuid.UUID
    globex_incident: uuid.UUID


@pytest.fixture(scope="module")
def world(central: CentralDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    central.add_company("acme", sites={"north": "Asia/Manila", "south": "Asia/Manila"}, employees=4)
    central.add_company("globex", sites={"main": "Asia/Manila"})
    with central.engine.begin() as admin:
        admin.execute(text("UPDATE companies SET missed_clockout_enabled = true WHERE id = 'acme'"))
    for company, email, role, sites in (
        ("acme", "admin@acme.example", "admin", ()),
        ("acme", "payroll@acme.example", "payroll", ()),
        ("acme", "north@acme.example", "supervisor", ("north",)),
        ("globex", "boss@globex.example", "admin", ()),
    ):
        add_user(
            central.engine, company_id=company, email=email, role=role, password=PASSWORD, site_codes=sites,
            actor="test", now=NOW,
        )  # fmt: skip
    # A claim made at a real kiosk at the north site: clocked in 21 h ago, back now, says they left after 9 h.
    kiosk = open_kiosk(
        tmp_path_factory.mktemp("kiosk") / "north.db", central.add_kiosk("acme", "north", "North gate"),
        now=NOW - timedelta(hours=21),
    )  # fmt: skip
    opened = kiosk.punch("acme-E001", PunchKind.CLOCK_IN)
    kiosk.time.advance(hours=21)
    claimed = opened.occurred_at + timedelta(hours=9)
    outcome = kiosk.missed.create_and_submit_clockout_claim(
        kiosk.employee_id("acme-E001"), claimed, "Forgot", identified_by=IdentifiedBy.FACE
    )
    kiosk.sync.run_once()
    south = claimed_incident("acme", central.employee_id("acme", "acme-E002"), 20)
    send_incident(central.add_kiosk("acme", "south", "South gate"), south)
    other = claimed_incident("globex", central.employee_id("globex", "globex-E001"), 20)
    send_incident(central.add_kiosk("globex", "main", "Main gate"), other)
    yield World(kiosk, outcome.incident.id, opened.occurred_at, claimed, south.id, other.id)
    kiosk.close()


def resolutions(central: CentralDatabase) -> int:
    with central.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(incident_resolutions)).scalar_one())


def test_a_wrong_password_is_refused(browser: webdriver.Chrome, console: Console, world: World) -> None:
    log_in(browser, console, "admin@acme.example", "not the password")
    assert "wrong email or password" in text_of(browser)
    browser.get(f"{console.url}/")
    assert browser.current_url.startswith(f"{console.url}/login")


def test_the_review_emails_link_opens_the_claim_after_logging_in(
    browser: webdriver.Chrome, console: Console, world: World
) -> None:
    browser.get(incident_url(console.url, world.kiosk_incident))
    assert browser.current_url.startswith(f"{console.url}/login")
    browser.find_element(By.NAME, "email").send_keys("admin@acme.example")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    assert browser.current_url == incident_url(console.url, world.kiosk_incident)
    assert "Missed clock-out of Worker Number1" in text_of(browser)


def test_the_admin_sees_the_banner_and_every_site(browser: webdriver.Chrome, console: Console, world: World) -> None:
    log_in(browser, console, "admin@acme.example")
    page = text_of(browser)
    assert "2 Unresolved Missed Clock-Outs" in page
    assert "On site now: 1" in page  # the employee who claimed was clocked in again by the claim
    submit(browser, browser.find_element(By.LINK_TEXT, "Who is there"))
    assert "On site at north site: 1" in text_of(browser) and "Worker Number1" in text_of(browser)
    browser.get(f"{console.url}/")
    submit(browser, browser.find_element(By.LINK_TEXT, "Review now"))
    listed = text_of(browser)
    assert "2 found" in listed and "north" in listed and "south" in listed
    for page_name in ("Employees", "Departments", "Kiosks", "Settings", "Users", "Audit log"):
        browser.find_element(By.LINK_TEXT, page_name).click()
        assert "Not allowed" not in text_of(browser), page_name
    browser.get(f"{console.url}/kiosks")
    fleet = text_of(browser)
    assert "North gate" in fleet and "South gate" in fleet and "Main gate" not in fleet


def test_the_supervisor_sees_their_site_only(browser: webdriver.Chrome, console: Console, world: World) -> None:
    log_in(browser, console, "north@acme.example")
    assert "1 Unresolved Missed Clock-Out" in text_of(browser)
    browser.get(f"{console.url}/incidents")
    listed = text_of(browser)
    assert "1 found" in listed and "south" not in listed.split("found", 1)[1]
    browser.get(f"{console.url}/incidents/{world.south_incident}")
    assert "Not found" in text_of(browser)
    browser.get(f"{console.url}/users")
    assert "Not allowed" in text_of(browser)
    browser.get(f"{console.url}/on-site/south")
    assert "Not found" in text_of(browser)


def test_payroll_reads_but_cannot_resolve(browser: webdriver.Chrome, console: Console, world: World) -> None:
    log_in(browser, console, "payroll@acme.example")
    browser.get(f"{console.url}/incidents/{world.south_incident}")
    assert "The claim" in text_of(browser)
    assert not browser.find_elements(By.NAME, "decision"), "payroll is offered the resolution form"
    browser.get(f"{console.url}/employees")
    assert not browser.find_elements(By.LINK_TEXT, "Deactivate")
    browser.get(f"{console.url}/employees/acme-E003/deactivate")
    assert "Not allowed" in text_of(browser)


def test_another_companys_incident_is_refused_by_url(browser: webdriver.Chrome, console: Console, world: World) -> None:
    log_in(browser, console, "boss@globex.example")
    browser.get(f"{console.url}/incidents/{world.kiosk_incident}")
    assert "Not found" in text_of(browser)
    assert "Forgot" not in text_of(browser)
    browser.get(f"{console.url}/incidents/{world.globex_incident}")
    assert "The claim" in text_of(browser)


def test_a_wrong_csrf_token_is_refused_and_changes_nothing(
    central: CentralDatabase, browser: webdriver.Chrome, console: Console, world: World
) -> None:
    log_in(browser, console, "admin@acme.example")
    browser.get(f"{console.url}/incidents/{world.south_incident}")
    browser.find_element(By.CSS_SELECTOR, "input[value=approve]").click()
    browser.find_element(By.NAME, "notes").send_keys("checked the gate log")
    browser.execute_script("document.querySelector('form.stack input[name=csrf_token]').value = 'forged'")
    before = resolutions(central)
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Resolve']"))
    assert "Form refused" in text_of(browser)
    assert resolutions(central) == before


def test_notes_are_required(
    central: CentralDatabase, browser: webdriver.Chrome, console: Console, world: World
) -> None:
    log_in(browser, console, "admin@acme.example")
    browser.get(f"{console.url}/incidents/{world.south_incident}")
    browser.find_element(By.CSS_SELECTOR, "input[value=approve]").click()
    browser.execute_script("document.querySelector('textarea[name=notes]').removeAttribute('required')")
    before = resolutions(central)
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Resolve']"))
    assert "notes are required" in text_of(browser)
    assert resolutions(central) == before


def test_a_claim_resolved_in_the_browser_closes_the_session_at_the_kiosk(
    central: CentralDatabase, browser: webdriver.Chrome, console: Console, world: World
) -> None:
    log_in(browser, console, "north@acme.example")
    browser.get(f"{console.url}/incidents/{world.kiosk_incident}")
    assert "Forgot" in text_of(browser)
    browser.find_element(By.CSS_SELECTOR, "input[value=approve]").click()
    browser.find_element(By.NAME, "notes").send_keys("matches the gate log")
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Resolve']"))
    assert "approved" in text_of(browser)
    assert "north@acme.example" in text_of(browser)

    pulled = world.kiosk.sync.run_once()[1]
    assert pulled.resolutions == 1
    with world.kiosk.database.read() as session:
        local = repository.get_incident(session, world.kiosk_incident)
    assert local is not None and local.status is IncidentStatus.APPROVED
    sessions = world.kiosk.derive_site(world.kiosk.time.now).sessions_of(world.kiosk.employee_id("acme-E001"))
    assert sessions[0].clock_in == world.clock_in and sessions[0].clock_out == world.claimed
    with central.engine.connect() as connection:
        actions = connection.execute(
            select(audit_log.c.action).where(audit_log.c.subject == str(world.kiosk_incident))
        ).scalars()
        assert "missed_clockout.approved" in set(actions)


def test_an_admin_rejects_with_a_time_in_the_sites_zone(
    central: CentralDatabase, browser: webdriver.Chrome, console: Console, world: World
) -> None:
    log_in(browser, console, "admin@acme.example")
    browser.get(f"{console.url}/incidents/{world.south_incident}")
    browser.find_element(By.CSS_SELECTOR, "input[value=reject]").click()
    with central.engine.connect() as connection:
        login = connection.execute(
            text("SELECT login_time FROM missed_clockout_incidents WHERE id = :id"), {"id": world.south_incident}
        ).scalar_one()
    local = (login + timedelta(hours=8)).astimezone(ZoneInfo("Asia/Manila"))
    field = browser.find_element(By.NAME, "time")
    browser.execute_script("arguments[0].value = arguments[1]", field, local.strftime("%Y-%m-%dT%H:%M"))
    browser.find_element(By.NAME, "notes").send_keys("badge shows 8 hours")
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Resolve']"))
    assert "rejected" in text_of(browser)
    with central.engine.connect() as connection:
        used = connection.execute(
            select(incident_resolutions.c.admin_set_logout_time).where(
                incident_resolutions.c.incident_id == world.south_incident
            )
        ).scalar_one()
    assert used == (login + timedelta(hours=8)).replace(second=0)


def test_the_admin_deactivates_an_employee(
    central: CentralDatabase, browser: webdriver.Chrome, console: Console, world: World
) -> None:
    template = uuid.uuid4()
    with central.engine.begin() as connection:
        connection.execute(
            insert(face_templates).values(
                id=template, company_id="acme", employee_id=central.employee_id("acme", "acme-E004"),
                sealed=b"sealed template", pose="front", created_at=NOW,
            )
        )  # fmt: skip
    log_in(browser, console, "admin@acme.example")
    browser.get(f"{console.url}/employees?q=acme-E004")
    submit(browser, browser.find_element(By.LINK_TEXT, "Deactivate"))
    assert "face data will be deleted" in text_of(browser)
    submit(browser, browser.find_element(By.XPATH, "//button[contains(., 'Deactivate')]"))
    assert "Employee acme-E004 deactivated" in text_of(browser)
    with central.engine.connect() as connection:
        active = connection.execute(select(employees.c.active).where(employees.c.number == "acme-E004")).scalar_one()
        face = connection.execute(select(face_templates).where(face_templates.c.id == template)).mappings().one()
    assert active is False
    assert face["sealed"] is None and face["revoked_at"] is not None


def test_a_resolution_made_at_a_kiosk_meanwhile_is_shown_not_overwritten(
    central: CentralDatabase,
    browser: webdriver.Chrome,
    console: Console,
    world: World,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    kiosk = open_kiosk(
        tmp_path_factory.mktemp("dock") / "dock.db", central.add_kiosk("acme", "north", "North dock"),
        now=NOW - timedelta(hours=21),
    )  # fmt: skip
    try:
        opened = kiosk.punch("acme-E003", PunchKind.CLOCK_IN)
        kiosk.time.advance(hours=21)
        incident = kiosk.missed.create_and_submit_clockout_claim(
            kiosk.employee_id("acme-E003"), opened.occurred_at + timedelta(hours=9), "Forgot",
            identified_by=IdentifiedBy.FACE,
        ).incident  # fmt: skip
        kiosk.sync.run_once()
        # Head office opens the claim while the site's supervisor, at the kiosk, settles it on other terms.
        log_in(browser, console, "admin@acme.example")
        browser.get(f"{console.url}/incidents/{incident.id}")
        kiosk_time = opened.occurred_at + timedelta(hours=7)
        kiosk.missed.resolve_missed_clockout(
            incident.id, approve=False, resolved_by="Dock supervisor", notes="left with the dock crew",
            logout_time=kiosk_time,
        )  # fmt: skip
        kiosk.sync.run_once()
        browser.find_element(By.CSS_SELECTOR, "input[value=approve]").click()
        browser.find_element(By.NAME, "notes").send_keys("claimed 9 hours")
        submit(browser, browser.find_element(By.XPATH, "//button[text()='Resolve']"))
        page = text_of(browser)
        assert "resolved while you were reviewing it" in page
        assert "Resolved at the kiosk North dock" in page and "Dock supervisor" in page
        with central.engine.connect() as connection:
            kept = (
                connection.execute(
                    select(incident_resolutions).where(incident_resolutions.c.incident_id == incident.id)
                )
                .mappings()
                .one()
            )
        assert (kept["status"], kept["admin_set_logout_time"]) == ("rejected", kiosk_time)
    finally:
        kiosk.close()


def test_a_user_whose_access_is_removed_is_logged_out_at_once(
    central: CentralDatabase, browser: webdriver.Chrome, console: Console, world: World
) -> None:
    user_id = add_user(
        central.engine, company_id="acme", email="temp@acme.example", role="payroll", password=PASSWORD,
        actor="test", now=NOW,
    )  # fmt: skip
    log_in(browser, console, "temp@acme.example")
    assert "Dashboard" in text_of(browser)
    change_user(
        central.engine, company_id="acme", user_id=user_id, role="payroll", site_codes=(), active=False,
        actor="test", now=NOW,
    )  # fmt: skip
    browser.get(f"{console.url}/incidents")
    assert browser.current_url.startswith(f"{console.url}/login")
    log_in(browser, console, "temp@acme.example")
    assert "wrong email or password" in text_of(browser)


def test_a_password_reset_ends_the_sessions_made_with_the_old_one(
    central: CentralDatabase, browser: webdriver.Chrome, console: Console, world: World
) -> None:
    add_user(
        central.engine, company_id="acme", email="reset@acme.example", role="payroll", password=PASSWORD,
        actor="test", now=NOW,
    )  # fmt: skip
    log_in(browser, console, "reset@acme.example")
    browser.get(f"{console.url}/incidents")
    assert "Missed clock-outs" in text_of(browser)
    reset_password(
        central.engine, company_id="acme", email="reset@acme.example", password="a brand new password",
        actor="test", now=NOW,
    )  # fmt: skip
    browser.get(f"{console.url}/incidents")
    assert browser.current_url.startswith(f"{console.url}/login")
    log_in(browser, console, "reset@acme.example", "a brand new password")
    assert "Dashboard" in text_of(browser)


def test_the_incident_filters_and_their_bad_values(browser: webdriver.Chrome, console: Console, world: World) -> None:
    log_in(browser, console, "admin@acme.example")
    for query, message in (
        ("from=yesterday", "from: 'yesterday' is not a date (YYYY-MM-DD)"),
        ("status=lost", "unknown status 'lost'"),
        ("site=east", "there is no site 'east' among yours"),
        ("from=2026-12-02&to=2026-12-01", "the first day is after the last day"),
    ):
        browser.get(f"{console.url}/incidents?{query}")
        assert message in text_of(browser), query
        assert "0 found" in text_of(browser)
    day = world.clock_in.astimezone(ZoneInfo("Asia/Manila")).date().isoformat()
    browser.get(f"{console.url}/incidents?site=north&employee=acme-E001&from={day}&to={day}")
    assert "1 found" in text_of(browser)
    browser.get(f"{console.url}/incidents?site=north&employee=Nobody")
    assert "0 found" in text_of(browser)
