"""The console's forms in a real browser: users, settings, roster and kiosks; each bad input is refused, changes
nothing and says why."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import Table, func, select

from central.users import add_user
from tests.central.console.conftest import PASSWORD, Console, log_in, submit, text_of
from tests.central_database import CentralDatabase
from wire.provisioning import decode_token
from wire.schema import audit_log, companies, console_users, departments, employees, kiosks

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def acme(central: CentralDatabase) -> CentralDatabase:
    central.add_company("acme", sites={"north": "Asia/Manila", "south": "Asia/Manila"}, employees=2)
    add_user(
        central.engine, company_id="acme", email="admin@acme.example", role="admin", password=PASSWORD,
        actor="test", now=NOW,
    )  # fmt: skip
    return central


def count(central: CentralDatabase, table: Table) -> int:
    with central.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def fill(browser: webdriver.Chrome, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = browser.find_element(By.NAME, name)
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        else:
            field.clear()
            field.send_keys(value)


def save(browser: webdriver.Chrome) -> None:
    submit(browser, browser.find_element(By.XPATH, "//form[contains(@class, 'stack')]//button[@type='submit']"))


def test_an_admin_adds_a_supervisor_who_then_sees_their_site(
    acme: CentralDatabase, browser: webdriver.Chrome, console: Console
) -> None:
    log_in(browser, console, "admin@acme.example")
    before = count(acme, console_users)
    for values, message in (
        ({"email": "ana@acme.example", "password": "short", "role": "supervisor"}, "at least 10 characters"),
        ({"email": "ana@acme.example", "password": "long enough pw", "role": "supervisor"}, "needs at least one site"),
        ({"email": "admin@acme.example", "password": "long enough pw", "role": "admin"}, "already has a console"),
    ):
        browser.get(f"{console.url}/users/new")
        fill(browser, values)
        save(browser)
        assert message in text_of(browser)
        assert count(acme, console_users) == before
    browser.get(f"{console.url}/users/new")
    fill(browser, {"email": "Ana@Acme.example", "password": "long enough pw", "role": "supervisor"})
    browser.find_element(By.CSS_SELECTOR, "input[name=sites][value=north]").click()
    save(browser)
    assert "Console user saved." in text_of(browser) and "ana@acme.example" in text_of(browser)
    browser.delete_all_cookies()
    log_in(browser, console, "ana@acme.example", "long enough pw")
    browser.get(f"{console.url}/kiosks")
    assert "Not allowed" not in text_of(browser)
    browser.get(f"{console.url}/users/new")
    assert "Not allowed" in text_of(browser)


def test_an_admin_cannot_take_away_their_own_admin_rights(
    acme: CentralDatabase, browser: webdriver.Chrome, console: Console
) -> None:
    log_in(browser, console, "admin@acme.example")
    browser.get(f"{console.url}/users")
    submit(browser, browser.find_element(By.LINK_TEXT, "admin@acme.example"))
    fill(browser, {"role": "payroll"})
    save(browser)
    assert "cannot take away your own admin rights" in text_of(browser)
    with acme.engine.connect() as connection:
        role = connection.execute(
            select(console_users.c.role).where(console_users.c.email == "admin@acme.example")
        ).scalar_one()
    assert role == "admin"


def test_company_settings_refuse_a_bad_limit_and_save_a_good_one(
    acme: CentralDatabase, browser: webdriver.Chrome, console: Console
) -> None:
    log_in(browser, console, "admin@acme.example")
    browser.get(f"{console.url}/settings")
    browser.execute_script("document.querySelector('input[name=open_session_limit_hours]').removeAttribute('max')")
    fill(browser, {"open_session_limit_hours": "30"})
    save(browser)
    assert "the open-session limit must be 60 to 1440 minutes" in text_of(browser)
    with acme.engine.connect() as connection:
        assert connection.execute(select(companies.c.open_session_limit_minutes)).scalar_one() == 960
    fill(browser, {"open_session_limit_hours": "12"})
    browser.find_element(By.NAME, "block_reports_on_pending").click()
    save(browser)
    assert "Company settings saved" in text_of(browser)
    with acme.engine.connect() as connection:
        row = connection.execute(select(companies).where(companies.c.id == "acme")).mappings().one()
        audited = (
            connection.execute(select(audit_log.c.actor).where(audit_log.c.action == "company.settings_saved"))
            .scalars()
            .all()
        )
    assert (row["open_session_limit_minutes"], row["block_reports_on_pending"]) == (720, True)
    assert audited == ["admin@acme.example"]


def test_roster_forms_refuse_bad_values_and_save_good_ones(
    acme: CentralDatabase, browser: webdriver.Chrome, console: Console
) -> None:
    log_in(browser, console, "admin@acme.example")
    before = count(acme, employees)
    browser.get(f"{console.url}/employees/new")
    fill(browser, {"number": "E 9", "first_name": "Rosa", "last_name": "Garcia", "daily_rate": "900"})
    save(browser)
    assert "employee number" in text_of(browser)
    fill(browser, {"number": "acme-E009", "daily_rate": "-5"})
    save(browser)
    assert "daily rate" in text_of(browser).lower()
    assert count(acme, employees) == before
    fill(browser, {"daily_rate": "900.50", "department": "acme-ops"})
    save(browser)
    assert "Employee acme-E009 saved." in text_of(browser)
    with acme.engine.connect() as connection:
        rate = connection.execute(select(employees.c.daily_rate).where(employees.c.number == "acme-E009")).scalar_one()
    assert str(rate) == "900.50"

    before = count(acme, departments)
    browser.get(f"{console.url}/departments/new")
    browser.execute_script("document.querySelector('input[name=grace_minutes]').removeAttribute('max')")
    fill(browser, {"code": "yard", "name": "Yard crew", "grace_minutes": "500"})
    save(browser)
    assert "grace" in text_of(browser).lower()
    assert count(acme, departments) == before
    fill(browser, {"grace_minutes": "5"})
    save(browser)
    assert "Department yard saved." in text_of(browser) and "Yard crew" in text_of(browser)


def test_provisioning_a_kiosk_shows_its_one_time_token(
    acme: CentralDatabase, browser: webdriver.Chrome, console: Console
) -> None:
    log_in(browser, console, "admin@acme.example")
    before = count(acme, kiosks)
    browser.get(f"{console.url}/kiosks/new")
    fill(browser, {"site": "south", "name": "South gate"})
    save(browser)
    assert "kiosks connect with TLS by default" in text_of(browser)
    assert count(acme, kiosks) == before
    fill(browser, {"port": "99999"})
    browser.find_element(By.NAME, "no_tls").click()
    save(browser)
    assert "the port is a number from 1 to 65535" in text_of(browser)
    fill(browser, {"port": "6543", "host": "db.acme.example"})
    save(browser)
    token = browser.find_element(By.CSS_SELECTOR, "pre.token").text.removeprefix("python main.py provision ")
    profile = decode_token(token)
    assert (profile.company_id, profile.host, profile.port, profile.require_tls) == (
        "acme",
        "db.acme.example",
        6543,
        False,
    )
    assert profile.site_id == acme.site_id("acme", "south")
    assert count(acme, kiosks) == before + 1
