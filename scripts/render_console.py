"""Draw every page of the head-office console into renders/console/ at 1366x768 and 1920x1080, as each role sees it.

    python scripts/render_console.py [--database-url SUPERUSER_URL]

Without a URL a temporary PostgreSQL is started (as the tests do) and removed afterwards. A fresh database is
filled with sample data (benchmarks/console_data.py), the console is served in this process, and Debian's Chromium
(`apt-get install chromium chromium-driver`) visits each page.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import waitress  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from sqlalchemy import Engine, insert, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.console_data import PASSWORD, USERS, fill, sample_incident  # noqa: E402
from central.console.app import create_app  # noqa: E402
from central.database import admin_engine, migrate  # noqa: E402
from central.keys import HeadOfficeKey  # noqa: E402
from central.scheduled_reports import add_schedule  # noqa: E402
from central.users import change_user  # noqa: E402
from tests.central.console.conftest import chromium, submit  # noqa: E402
from tests.pg import LocalPostgres, create_database, drop_database  # noqa: E402
from wire.schema import companies, report_runs  # noqa: E402

COMPANY = "giovanni"
SIZES = ((1366, 768), (1920, 1080))


@contextmanager
def superuser_url(given: str | None) -> Iterator[str]:
    if given:
        yield given
        return
    local = LocalPostgres(Path(tempfile.mkdtemp(prefix="timeclock-render-pg-")) / "cluster")
    local.init()
    local.start()
    try:
        yield f"postgresql://postgres:{local.password}@127.0.0.1:{local.port}/postgres"
    finally:
        local.destroy()
        shutil.rmtree(local.root.parent, ignore_errors=True)


def pages(incident_open: uuid.UUID, incident_closed: uuid.UUID) -> dict[str, list[tuple[str, str]]]:
    """Per role (email), the pages to draw: (file name, path)."""
    admin = [
        ("dashboard", "/"),
        ("on-site", "/on-site/site-001"),
        ("incidents", "/incidents?status=unresolved"),
        ("incidents-filtered", "/incidents?site=site-001&status=approved&employee=Santos"),
        ("incidents-bad-filter", "/incidents?from=yesterday"),
        ("incident-claimed", f"/incidents/{incident_open}"),
        ("incident-resolved-at-kiosk", f"/incidents/{incident_closed}"),
        ("employees", "/employees"),
        ("employee", "/employees/E00001"),
        ("employee-new", "/employees/new"),
        ("employee-deactivate", "/employees/E00002/deactivate"),
        ("departments", "/departments"),
        ("department", "/departments/eng"),
        ("settings", "/settings"),
        ("kiosks", "/kiosks"),
        ("kiosk-new", "/kiosks/new"),
        ("users", "/users"),
        ("user-new", "/users/new"),
        ("audit", "/audit"),
        ("timesheets", "/timesheets"),
        ("timesheets-last-period-page-2", "/timesheets?period=last-semi-monthly&page=2"),
        ("timesheets-bad-dates", "/timesheets?period=dates&from=2026-13-01&to=2026-11-30"),
        ("reports", "/reports"),
        ("not-found", f"/incidents/{uuid.uuid4()}"),
    ]
    return {
        "admin@sample.example": admin,
        "supervisor@sample.example": [
            ("dashboard", "/"),
            ("incidents", "/incidents"),
            ("incident-claimed", f"/incidents/{incident_open}"),
            ("users-refused", "/users"),
            ("timesheets", "/timesheets"),
            ("reports-refused", "/reports"),
        ],
        "payroll@sample.example": [
            ("incident-claimed", f"/incidents/{incident_open}"),
            ("employees", "/employees"),
            ("timesheets-month", "/timesheets?period=this-monthly&department=eng"),
            ("reports", "/reports"),
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL superuser URL (default: a temporary server)")
    parser.add_argument("--out", default=str(ROOT / "renders" / "console"))
    args = parser.parse_args()
    out = Path(args.out)
    now = _afternoon()
    with superuser_url(args.database_url) as url:
        name = f"console_render_{uuid.uuid4().hex[:8]}"
        base = url.rsplit("/", 1)[0]
        create_database(_dsn(url), name)
        engine = admin_engine(f"{base}/{name}")
        try:
            migrate(engine)
            fill(engine, company=COMPANY, sites=6, employees=120, days=21, now=now)
            claimed, closed = (
                sample_incident(engine, COMPANY, resolved=False),
                sample_incident(engine, COMPANY, resolved=True),
            )
            _supervise_site_of(engine, claimed, now)
            _sample_reports(engine, now)
            key_file = Path(tempfile.mkdtemp(prefix="timeclock-render-key-")) / "head-office.key"
            HeadOfficeKey.create(key_file)
            app = create_app(
                engine, secret_key=b"render", now=lambda: now, kiosk_host="db.sample.example", head_office_key=key_file
            )
            server = waitress.create_server(app, host="127.0.0.1", port=0)
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            console = f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
            try:
                _draw(console, out, pages(claimed, closed), engine)
            finally:
                server.close()
                shutil.rmtree(key_file.parent, ignore_errors=True)
        finally:
            engine.dispose()
            drop_database(_dsn(url), name)
    print(f"pages drawn into {out}")
    return 0


def _supervise_site_of(engine: Engine, incident_id: uuid.UUID, now: datetime) -> None:
    """Give the sample supervisor the site of the claim they are drawn resolving, beside site-001."""
    with engine.connect() as connection:
        code, user_id = connection.execute(
            text(
                "SELECT s.code, u.id FROM missed_clockout_incidents i JOIN sites s ON s.id = i.site_id, "
                "console_users u WHERE i.id = :id AND u.email = 'supervisor@sample.example'"
            ),
            {"id": incident_id},
        ).one()
    change_user(
        engine, company_id=COMPANY, user_id=user_id, role="supervisor", site_codes=sorted({"site-001", code}),
        active=True, actor="sample data", now=now,
    )  # fmt: skip


def _sample_reports(engine: Engine, now: datetime) -> None:
    """Two schedules, and runs of the semi-monthly one that were sent, held and failed."""
    semi = add_schedule(
        engine, company_id=COMPANY, name="payroll", frequency="semi-monthly",
        recipients=["payroll@sample.example", "accounts@sample.example"], created_by="sample data", now=now,
    )  # fmt: skip
    add_schedule(
        engine, company_id=COMPANY, name="site-001-weekly", frequency="weekly", weekday="fri", at=time(17, 30),
        site_code="site-001", recipients=["supervisor@sample.example"], created_by="sample data", now=now,
    )  # fmt: skip
    outcomes = (
        (45, "sent", {"rows": 1514, "sent_at": now - timedelta(days=30, minutes=-2)}),
        (30, "failed", {"last_error": "SMTP 451: temporary local problem, will retry"}),
        (15, "blocked", {"blocked_incidents": 2}),
    )
    with engine.begin() as owner:
        for days_ago, status, detail in outcomes:
            first = (now - timedelta(days=days_ago)).date()
            owner.execute(
                insert(report_runs).values(
                    id=uuid.uuid4(), company_id=COMPANY, schedule_id=semi.id, period_first=first,
                    period_last=first + timedelta(days=14), due_at=now - timedelta(days=days_ago - 15),
                    status=status, created_at=now, updated_at=now, **detail,
                )
            )  # fmt: skip


def _afternoon() -> datetime:
    """The latest weekday 15:30 in Manila (07:30 UTC) that has passed: a day's punches, people still on site."""
    moment = datetime.now(UTC).replace(hour=7, minute=30, second=0, microsecond=0)
    while moment > datetime.now(UTC) or moment.weekday() >= 5:
        moment -= timedelta(days=1)
    return moment


def _dsn(url: str) -> str:
    parsed = make_url(url)
    return f"host={parsed.host} port={parsed.port} dbname=postgres user={parsed.username} password={parsed.password}"


def _draw(console: str, out: Path, plan: dict[str, list[tuple[str, str]]], engine: Engine) -> None:
    roles = {email: role for email, role, _ in USERS}
    for width, height in SIZES:
        folder = out / f"{width}x{height}"
        folder.mkdir(parents=True, exist_ok=True)
        browser = chromium(width, height)
        # The window's size includes the browser's own frame; the page itself is drawn at exactly this size.
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        try:
            # The login page itself, and a refused login.
            browser.get(f"{console}/login")
            browser.save_screenshot(str(folder / "login.png"))
            _log_in(browser, console, "admin@sample.example", "wrong password")
            browser.save_screenshot(str(folder / "login-refused.png"))
            for email, visits in plan.items():
                browser.delete_all_cookies()
                _log_in(browser, console, email, PASSWORD)
                for file_name, path in visits:
                    browser.get(console + path)
                    browser.save_screenshot(str(folder / f"{roles[email]}-{file_name}.png"))
            # A kiosk registered: the one-time token.
            browser.delete_all_cookies()
            _log_in(browser, console, "admin@sample.example", PASSWORD)
            browser.get(f"{console}/kiosks/new")
            browser.find_element(By.NAME, "name").send_keys(f"Render gate {width}")
            browser.find_element(By.NAME, "no_tls").click()
            submit(browser, browser.find_element(By.XPATH, "//button[@type='submit' and contains(., 'Register')]"))
            browser.save_screenshot(str(folder / "admin-kiosk-token.png"))
            # A schedule refused, with what was typed kept.
            browser.get(f"{console}/reports")
            browser.find_element(By.NAME, "name").send_keys("month-end")
            browser.find_element(By.NAME, "recipients").send_keys("accounts@sample.example, accounts@sample.example")
            submit(browser, browser.find_element(By.XPATH, "//button[@type='submit' and contains(., 'Add schedule')]"))
            browser.save_screenshot(str(folder / "admin-reports-refused.png"))
            # Timesheets held while the sample's claim waits and the company blocks reports.
            _block_reports(engine, blocked=True)
            try:
                browser.get(f"{console}/timesheets")
                browser.save_screenshot(str(folder / "admin-timesheets-held.png"))
            finally:
                _block_reports(engine, blocked=False)
        finally:
            browser.quit()


def _block_reports(engine: Engine, *, blocked: bool) -> None:
    with engine.begin() as owner:
        owner.execute(update(companies).where(companies.c.id == COMPANY).values(block_reports_on_pending=blocked))


def _log_in(browser: WebDriver, console: str, email: str, password: str) -> None:
    browser.get(f"{console}/login")
    browser.find_element(By.NAME, "email").send_keys(email)
    browser.find_element(By.NAME, "password").send_keys(password)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


if __name__ == "__main__":
    raise SystemExit(main())
