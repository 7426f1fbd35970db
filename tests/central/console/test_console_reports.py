"""The console's Reports page in a real browser: schedules added and removed through the command's functions and
checks, runs listed with their outcomes, and the roles that may only look, or not even that."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import func, insert, select

from central.scheduled_reports import add_schedule
from central.users import add_user
from tests.central.console.conftest import PASSWORD, Console, log_in, submit, text_of
from tests.central_database import CentralDatabase
from wire.schema import audit_log, report_runs, report_schedules

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def company(central: CentralDatabase) -> CentralDatabase:
    """acme with a monthly payroll schedule whose runs were sent, held and failed; globex with its own."""
    central.add_company("acme", sites={"north": "Asia/Manila", "south": "Asia/Manila"})
    central.add_company("globex", sites={"main": "Asia/Manila"})
    for company_id, email, role, sites in (
        ("acme", "admin@acme.example", "admin", ()),
        ("acme", "payroll@acme.example", "payroll", ()),
        ("acme", "north@acme.example", "supervisor", ("north",)),
    ):
        add_user(
            central.engine, company_id=company_id, email=email, role=role, password=PASSWORD, site_codes=sites,
            actor="test", now=NOW,
        )  # fmt: skip
    monthly = add_schedule(
        central.engine, company_id="acme", name="payroll", frequency="monthly", recipients=["hr@acme.example"],
        created_by="head office", now=NOW,
    )  # fmt: skip
    add_schedule(
        central.engine, company_id="globex", name="globex-secret", frequency="weekly",
        recipients=["hr@globex.example"], created_by="head office", now=NOW,
    )  # fmt: skip
    outcomes = (
        (date(2026, 8, 1), "sent", {"rows": 412, "sent_at": NOW - timedelta(days=60)}),
        (date(2026, 9, 1), "blocked", {"blocked_incidents": 3}),
        (date(2026, 10, 1), "failed", {"last_error": "SMTP 550: mailbox hr@acme.example unavailable"}),
    )
    with central.engine.begin() as owner:
        for first, status, detail in outcomes:
            owner.execute(
                insert(report_runs).values(
                    id=uuid.uuid4(), company_id="acme", schedule_id=monthly.id, period_first=first,
                    period_last=first.replace(day=28), due_at=NOW - timedelta(days=10), status=status,
                    created_at=NOW, updated_at=NOW, **detail,
                )
            )  # fmt: skip
    return central


def live_schedules(central: CentralDatabase, company_id: str = "acme") -> list[str]:
    with central.engine.connect() as owner:
        return list(
            owner.execute(
                select(report_schedules.c.name)
                .where(report_schedules.c.company_id == company_id, report_schedules.c.removed_at.is_(None))
                .order_by(report_schedules.c.name)
            ).scalars()
        )


def fill_schedule(browser: webdriver.Chrome, fields: dict[str, str]) -> None:
    form = browser.find_element(By.CSS_SELECTOR, "form.schedule-form")
    for name, value in fields.items():
        field = form.find_element(By.NAME, name)
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        else:
            field.clear()
            field.send_keys(value)
    submit(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def test_runs_are_listed_with_their_outcomes(
    browser: webdriver.Chrome, console: Console, company: CentralDatabase
) -> None:
    log_in(browser, console, "payroll@acme.example")
    browser.find_element(By.LINK_TEXT, "Reports").click()
    body = text_of(browser)
    assert "3 runs" in body
    assert "held: 3 unresolved missed clock-outs" in body
    assert "SMTP 550: mailbox hr@acme.example unavailable" in body
    assert "2026-08-01 to 2026-08-28" in body and "412" in body
    assert "globex-secret" not in body
    Select(browser.find_element(By.NAME, "status")).select_by_value("failed")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
    rows = browser.find_elements(By.CSS_SELECTOR, "table.runs tbody tr")
    assert len(rows) == 1 and "failed" in rows[0].text
    browser.find_element(By.LINK_TEXT, "Reports").click()
    browser.get(f"{console.url}/reports?status=lost")
    assert "unknown status 'lost'" in text_of(browser)


def test_payroll_reads_schedules_but_cannot_change_them(
    browser: webdriver.Chrome, console: Console, company: CentralDatabase
) -> None:
    log_in(browser, console, "payroll@acme.example")
    browser.get(f"{console.url}/reports")
    assert "payroll" in browser.find_element(By.CSS_SELECTOR, "table.schedules").text
    assert not browser.find_elements(By.CSS_SELECTOR, "form.schedule-form")
    assert not browser.find_elements(By.XPATH, "//button[text()='Remove']")
    # A form built by hand, with this session's own CSRF token, is still refused: the role may not.
    before = live_schedules(company)
    browser.execute_script(
        """
        const form = document.createElement('form');
        form.method = 'post';
        form.action = '/reports/schedules/payroll/remove';
        const token = document.querySelector('input[name=csrf_token]').cloneNode();
        form.appendChild(token);
        document.body.appendChild(form);
        form.submit();
        """
    )
    WebDriverWait(browser, 30).until(lambda _: "Not allowed" in text_of(browser))
    assert live_schedules(company) == before


def test_a_supervisor_has_no_reports(browser: webdriver.Chrome, console: Console, company: CentralDatabase) -> None:
    log_in(browser, console, "north@acme.example")
    assert not browser.find_elements(By.LINK_TEXT, "Reports")
    browser.get(f"{console.url}/reports")
    assert "Not allowed" in text_of(browser)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "weekly", "recipients": ""}, "give at least one recipient"),
        ({"name": "weekly", "recipients": "nobody-at-acme"}, "'nobody-at-acme' is not an email address"),
        ({"name": "weekly", "recipients": "a@acme.example a@acme.example"}, "a recipient is listed twice"),
        ({"name": "weekly", "at": "25:00", "recipients": "a@acme.example"}, "'25:00' is not a time of day"),
        ({"name": "weekly", "every": "cron", "recipients": "a@acme.example"}, "a cron schedule needs its rule"),
        ({"name": "weekly", "rule": "0 6 * * *", "recipients": "a@acme.example"}, "a rule is given with the cron"),
        ({"name": "weekly", "every": "cron", "rule": "61 6 * * *", "recipients": "a@acme.example"}, "61"),
        ({"name": "weekly", "timezone": "Mars/Olympus", "recipients": "a@acme.example"}, "not an IANA time zone"),
        ({"name": "bad name!", "recipients": "a@acme.example"}, "schedule name"),
        ({"name": "payroll", "recipients": "a@acme.example"}, "already has a schedule named 'payroll'"),
    ],
)
def test_bad_schedules_are_refused_with_the_commands_message(
    browser: webdriver.Chrome, console: Console, company: CentralDatabase, fields: dict[str, str], message: str
) -> None:
    before = live_schedules(company)
    log_in(browser, console, "admin@acme.example")
    browser.get(f"{console.url}/reports")
    fill_schedule(browser, fields)
    assert message in browser.find_element(By.CSS_SELECTOR, ".problem").text
    assert "--" not in browser.find_element(By.CSS_SELECTOR, ".problem").text
    assert live_schedules(company) == before
    # What was typed is kept, to be corrected rather than typed again.
    assert browser.find_element(By.NAME, "name").get_attribute("value") == fields["name"]


def test_an_admin_adds_and_removes_a_schedule(
    browser: webdriver.Chrome, console: Console, company: CentralDatabase
) -> None:
    log_in(browser, console, "admin@acme.example")
    browser.get(f"{console.url}/reports")
    fill_schedule(
        browser,
        {"name": "north-weekly", "every": "weekly", "weekday": "fri", "at": "17:30", "site": "north",
         "recipients": "boss@acme.example, hr@acme.example"},
    )  # fmt: skip
    assert "Schedule north-weekly saved." in text_of(browser)
    row = next(
        row for row in browser.find_elements(By.CSS_SELECTOR, "table.schedules tbody tr") if "north-weekly" in row.text
    )
    assert "30 17 * * fri" in row.text and "Asia/Manila" in row.text
    assert "boss@acme.example, hr@acme.example" in row.text
    assert live_schedules(company) == ["north-weekly", "payroll"]
    submit(browser, row.find_element(By.XPATH, ".//button[text()='Remove']"))
    assert "Schedule north-weekly removed; 0 runs not yet sent cancelled." in text_of(browser)
    assert live_schedules(company) == ["payroll"]
    assert live_schedules(company, "globex") == ["globex-secret"]
    with company.engine.connect() as owner:
        actions = owner.execute(
            select(audit_log.c.action, func.count())
            .where(audit_log.c.company_id == "acme", audit_log.c.subject == "north-weekly")
            .group_by(audit_log.c.action)
        ).all()
    assert dict(actions) == {"report_schedule.added": 1, "report_schedule.removed": 1}
