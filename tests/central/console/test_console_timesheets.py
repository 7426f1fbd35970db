"""The console's Timesheets page in a real browser: the totals it shows and the files it hands out are those of
`python -m central timesheet` on the same facts, and what it refuses it refuses with a reason."""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import select, text

from benchmarks.console_data import PASSWORD as SAMPLE_PASSWORD
from benchmarks.console_data import fill
from central.commands import main
from central.console.app import PAGE_SIZE
from central.reports import TimesheetScope, write_central_timesheet
from central.users import add_user
from kiosk.domain.punches import BreakType, PunchKind
from kiosk.domain.timesheet import Period
from tests.central.console.conftest import PASSWORD, Console, log_in, submit, text_of
from tests.central.test_incidents_admin import claimed_incident, send_incident
from tests.central_database import CentralDatabase, open_kiosk
from wire.schema import audit_log

NOW = datetime.now(UTC).replace(microsecond=0)
FIRST = (NOW - timedelta(days=12)).date()
LAST = NOW.date()


@dataclass
class Facts:
    central: CentralDatabase


@pytest.fixture(scope="module")
def facts(central: CentralDatabase, tmp_path_factory: pytest.TempPathFactory) -> Facts:
    central.add_company("acme", sites={"north": "Asia/Manila", "south": "Asia/Manila"}, employees=3)
    central.add_company("held", sites={"main": "Asia/Manila"}, employees=1)
    central.add_company("spread", sites={"manila": "Asia/Manila", "tokyo": "Asia/Tokyo"}, employees=1)
    for company, email, role, sites in (
        ("acme", "admin@acme.example", "admin", ()),
        ("acme", "payroll@acme.example", "payroll", ()),
        ("acme", "north@acme.example", "supervisor", ("north",)),
        ("held", "payroll@held.example", "payroll", ()),
        ("spread", "payroll@spread.example", "payroll", ()),
    ):
        add_user(
            central.engine, company_id=company, email=email, role=role, password=PASSWORD, site_codes=sites,
            actor="test", now=NOW,
        )  # fmt: skip
    folder = tmp_path_factory.mktemp("kiosks")
    start = NOW - timedelta(days=10)
    # A week of days at two sites: E001 and E003 at the north gate, E002 at the south gate, late and with lunch.
    for site, numbers in (("north", ("acme-E001", "acme-E003")), ("south", ("acme-E002",))):
        kiosk = open_kiosk(folder / f"{site}.db", central.add_kiosk("acme", site, f"{site} gate"), now=start)
        for day in range(5):
            morning = start + timedelta(days=day)
            for offset, number in enumerate(numbers):
                kiosk.time.set(morning + timedelta(minutes=7 * offset))
                kiosk.punch(number, PunchKind.CLOCK_IN)
                kiosk.time.set(morning + timedelta(hours=4, minutes=offset))
                kiosk.punch(number, PunchKind.BREAK_START, BreakType.LUNCH)
                kiosk.time.set(morning + timedelta(hours=5, minutes=offset))
                kiosk.punch(number, PunchKind.BREAK_END)
                kiosk.time.set(morning + timedelta(hours=9 + day, minutes=offset))
                kiosk.punch(number, PunchKind.CLOCK_OUT)
        kiosk.sync.run_once()
        kiosk.close()
    # "held" blocks its reports while a missed clock-out waits, and one does.
    with central.engine.begin() as owner:
        owner.execute(text("UPDATE companies SET block_reports_on_pending = true WHERE id = 'held'"))
    send_incident(
        central.add_kiosk("held", "main", "Main gate"),
        claimed_incident("held", central.employee_id("held", "held-E001"), 20),
    )
    return Facts(central)


def reference(central: CentralDatabase, *, site: str | None = None) -> tuple[bytes, bytes]:
    """The day rows and totals of acme's FIRST..LAST as `write_central_timesheet` writes them."""
    days, totals = io.StringIO(), io.StringIO()
    with central.engine.connect() as connection:
        write_central_timesheet(
            connection, TimesheetScope("acme", site), Period(FIRST, LAST), as_of=NOW, csv_out=days, totals_out=totals
        )
    return days.getvalue().encode(), totals.getvalue().encode()


def downloads_into(browser: webdriver.Chrome, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)})


def downloaded(folder: Path, suffix: str) -> bytes:
    """The one finished file ending in `suffix` that the browser saved into `folder`."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done = [path for path in folder.iterdir() if path.name.endswith(suffix)]
        if done and not any(path.name.endswith(".crdownload") for path in folder.iterdir()):
            assert len(done) == 1, done
            return done[0].read_bytes()
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} download in {folder}: {list(folder.iterdir())}")


def choose_dates(browser: webdriver.Chrome, console: Console, first: date, last: date) -> None:
    browser.get(f"{console.url}/timesheets")
    Select(browser.find_element(By.NAME, "period")).select_by_value("dates")
    for name, day in (("from", first), ("to", last)):
        field = browser.find_element(By.NAME, name)
        browser.execute_script("arguments[0].value = arguments[1]", field, day.isoformat())
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))


def test_payroll_downloads_the_same_csv_as_the_command(
    browser: webdriver.Chrome, console: Console, facts: Facts, tmp_path: Path
) -> None:
    days, totals = reference(facts.central)
    assert days.count(b"\n") == 1 + 15  # the header and five days of three people
    command_csv = tmp_path / "command.csv"
    with contextlib.redirect_stderr(io.StringIO()):
        assert main([
            "--database-url", facts.central.url, "timesheet", "--company", "acme", "--from", FIRST.isoformat(),
            "--to", LAST.isoformat(), "--as-of", NOW.isoformat(), "--csv", str(command_csv),
        ]) == 0  # fmt: skip
    assert command_csv.read_bytes() == days

    log_in(browser, console, "payroll@acme.example")
    choose_dates(browser, console, FIRST, LAST)
    body = text_of(browser)
    assert f"{FIRST} to {LAST}" in body
    assert "3 employees" in body
    for number in ("acme-E001", "acme-E002", "acme-E003"):
        assert number in body
    # The page's totals are the totals CSV's, row by row.
    shown = [
        [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in browser.find_elements(By.CSS_SELECTOR, "table.numbers tbody tr")
    ]
    assert shown == [line.split(",") for line in totals.decode().splitlines()[1:]]

    downloads_into(browser, tmp_path / "days")
    browser.find_element(By.LINK_TEXT, "Day rows (CSV)").click()
    assert downloaded(tmp_path / "days", "-days.csv") == days
    downloads_into(browser, tmp_path / "totals")
    browser.find_element(By.LINK_TEXT, "Totals (CSV)").click()
    assert downloaded(tmp_path / "totals", "-totals.csv") == totals
    downloads_into(browser, tmp_path / "book")
    browser.find_element(By.LINK_TEXT, "Workbook (.xlsx)").click()
    book = load_workbook(io.BytesIO(downloaded(tmp_path / "book", ".xlsx")), read_only=True)
    day_rows = [
        [("" if cell is None else str(cell)) for cell in row] for row in book.worksheets[0].iter_rows(values_only=True)
    ]
    assert len(day_rows) == 16
    assert [row[0] for row in day_rows[1:]] == [line.split(",")[0] for line in days.decode().splitlines()[1:]]
    with facts.central.engine.connect() as owner:
        logged = owner.execute(
            select(audit_log.c.subject).where(
                audit_log.c.actor == "payroll@acme.example", audit_log.c.action == "timesheet.downloaded"
            )
        ).scalars()
        assert sorted(logged) == [
            f"timesheet-acme-{FIRST}-{LAST}{ending}" for ending in ("-days.csv", "-totals.csv", ".xlsx")
        ]


def test_a_supervisor_gets_only_their_sites_rows(
    browser: webdriver.Chrome, console: Console, facts: Facts, tmp_path: Path
) -> None:
    north_days, _ = reference(facts.central, site="north")
    log_in(browser, console, "north@acme.example")
    choose_dates(browser, console, FIRST, LAST)
    body = text_of(browser)
    assert "acme-E001" in body and "acme-E003" in body
    assert "acme-E002" not in body  # E002 works at the south gate, which this supervisor does not see
    downloads_into(browser, tmp_path)
    browser.find_element(By.LINK_TEXT, "Day rows (CSV)").click()
    assert downloaded(tmp_path, "-days.csv") == north_days


@pytest.mark.usefixtures("facts")
def test_a_pay_period_is_chosen_by_name(browser: webdriver.Chrome, console: Console) -> None:
    log_in(browser, console, "admin@acme.example")
    browser.get(f"{console.url}/timesheets")
    Select(browser.find_element(By.NAME, "period")).select_by_value("last-monthly")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
    manila_today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Manila")).date()
    this_month = Period.month_of(manila_today)
    assert this_month.first is not None
    last_month = Period.month_of(this_month.first - timedelta(days=1))
    assert f"{last_month.first} to {last_month.last}" in text_of(browser)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=dates&from=2026-13-01&to=2026-12-01", "From: '2026-13-01' is not a date"),
        ("period=dates&from=2026-11-20&to=2026-11-01", "after it ends on 2026-11-01"),
        ("period=dates&from=2026-11-01", "give both the first and the last day"),
        ("period=fortnightly", "unknown period 'fortnightly'"),
        ("period=this-monthly&from=2026-11-01", 'choose "Any dates" to use From and To'),
        ("site=atlantis", "there is no site 'atlantis' among yours"),
        ("department=nobody", "there is no department 'nobody'"),
    ],
)
@pytest.mark.usefixtures("facts")
def test_bad_choices_are_refused_with_a_message(
    browser: webdriver.Chrome, console: Console, query: str, message: str, tmp_path: Path
) -> None:
    log_in(browser, console, "payroll@acme.example")
    browser.get(f"{console.url}/timesheets?{query}")
    assert message in text_of(browser)
    assert not browser.find_elements(By.LINK_TEXT, "Day rows (CSV)")
    # The download address refuses the same choice with the same message, and hands out no file.
    downloads_into(browser, tmp_path)
    browser.get(f"{console.url}/timesheets/days.csv?{query}")
    assert message in text_of(browser)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("facts")
def test_sites_in_several_time_zones_need_a_site(browser: webdriver.Chrome, console: Console) -> None:
    log_in(browser, console, "payroll@spread.example")
    browser.get(f"{console.url}/timesheets")
    assert "has sites in Asia/Manila, Asia/Tokyo: choose a site" in text_of(browser)
    Select(browser.find_element(By.NAME, "site")).select_by_value("tokyo")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]"))
    assert "0 employees" in text_of(browser)
    assert "Nobody worked in this period here." in text_of(browser)


@pytest.mark.usefixtures("facts")
def test_unresolved_claims_hold_the_timesheet(browser: webdriver.Chrome, console: Console, tmp_path: Path) -> None:
    log_in(browser, console, "payroll@held.example")
    browser.get(f"{console.url}/timesheets")
    assert "Timesheets are held: 1 unresolved missed clock-out blocks reports" in text_of(browser)
    downloads_into(browser, tmp_path)
    browser.get(f"{console.url}/timesheets/totals.csv?period=this-monthly")
    assert "Timesheets are held: 1 unresolved missed clock-out" in text_of(browser)
    assert list(tmp_path.iterdir()) == []
    submit(browser, browser.find_element(By.LINK_TEXT, "Resolve the unresolved claims"))
    assert browser.current_url.endswith("/incidents?status=unresolved")
    assert "Worker Number1" in text_of(browser)


def test_a_long_timesheet_is_paged(browser: webdriver.Chrome, console: Console, facts: Facts) -> None:
    fill(facts.central.engine, company="giovanni", sites=2, employees=60, days=5, now=NOW)
    first, last = (NOW - timedelta(days=6)).date(), NOW.date()
    totals = io.StringIO()
    with facts.central.engine.connect() as connection:
        write_central_timesheet(
            connection, TimesheetScope("giovanni"), Period(first, last), as_of=NOW, totals_out=totals
        )
    expected = [line.split(",")[0] for line in totals.getvalue().splitlines()[1:]]
    assert len(expected) > PAGE_SIZE
    log_in(browser, console, "payroll@sample.example", SAMPLE_PASSWORD)
    choose_dates(browser, console, first, last)
    assert f"{len(expected)} employees, page 1 of 2" in text_of(browser)
    seen = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "table.numbers tbody td:first-child")]
    assert len(seen) == PAGE_SIZE
    submit(browser, browser.find_element(By.LINK_TEXT, "Next"))
    assert "page 2 of 2" in text_of(browser)
    seen += [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "table.numbers tbody td:first-child")]
    assert seen == expected
    assert not browser.find_elements(By.LINK_TEXT, "Next")
