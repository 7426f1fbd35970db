"""The web console's Flask application: login, then every page in one transaction confined to the user's rows.

Each request of a logged-in user runs in a single database transaction that starts by switching to the
`timeclock_console` role with the user's company, role and sites (`central.scope`), so row-level security decides
what the page can read and write; the page code checks roles as well, to say "not allowed" plainly instead of
showing an empty page. Changes are made by the same functions the `python -m central` commands use, inside a
savepoint, so a refused change leaves nothing behind, and each is written to the audit log in the same transaction.
Forms carry Flask-WTF's CSRF token; sessions are Flask's signed cookies; passwords are argon2 hashes
(`central.users`).
"""

from __future__ import annotations

import logging
import math
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import (
    Flask,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DBAPIError
from werkzeug.wrappers.response import Response as BaseResponse

from central.audit import record
from central.dashboard import Presence, PresenceCache, punches_per_hour
from central.fleet import fleet
from central.incidents import (
    IncidentFilter,
    get_incident,
    pending_count,
    punches_around,
    resolve,
    resolving_kiosk,
    search_incidents,
)
from central.keys import HeadOfficeKey, default_key_file
from central.kiosks import add_kiosk
from central.report_rules import FREQUENCIES, WEEKDAYS, parse_clock
from central.reports import (
    TimesheetScope,
    central_timesheet,
    central_timesheet_chunks,
    report_zone,
    write_central_timesheet,
)
from central.roster import deactivate_employee, upsert_company, upsert_department, upsert_employee
from central.scheduled_reports import (
    RUN_STATUSES,
    XLSX_TYPE,
    add_schedule,
    list_runs,
    list_schedules,
    next_run,
    remove_schedule,
)
from central.scope import enter_scope
from central.users import (
    ConsoleRole,
    ConsoleUser,
    LoginRefused,
    add_user,
    authenticate,
    change_user,
    list_users,
    load_user,
    reset_password,
)
from kiosk.domain.errors import RuleViolation
from kiosk.domain.incidents import IncidentStatus
from kiosk.domain.timesheet import TOTALS_COLUMNS, Period, ReportsBlocked, employee_totals, parse_day, totals_row
from wire.schema import audit_log, companies, departments, employees, missed_clockout_incidents, rule_sets, sites

log = logging.getLogger(__name__)

PAGE_SIZE = 50
SESSION_LIFETIME = timedelta(hours=8)
INSUFFICIENT_PRIVILEGE = "42501"
NOT_ALLOWED = ("Not allowed", "Your role does not allow this; nothing was changed.")
View = TypeVar("View", bound=Callable[..., Any])


def _utcnow() -> datetime:
    return datetime.now(UTC)


def create_app(  # noqa: PLR0915 - the views are closures over this app's engine, clock and helpers
    engine: Engine,
    *,
    secret_key: bytes,
    now: Callable[[], datetime] = _utcnow,
    kiosk_host: str | None = None,
    kiosk_port: int | None = None,
    secure_cookies: bool = False,
    head_office_key: Path | None = None,
) -> Flask:
    """The console application.

    Args:
        engine: an engine of the central database's owner; requests switch to `timeclock_console` themselves.
        secret_key: signs the session cookies and CSRF tokens; keep it across restarts to keep people logged in.
        now: the clock (tests hand in their own).
        kiosk_host: the server name new kiosks dial (default: the engine's host).
        kiosk_port: the server port new kiosks dial (default: the engine's port).
        secure_cookies: send the session cookie over HTTPS only (set when the console is served behind TLS).
        head_office_key: head office's key file, which provisioning a kiosk needs to wrap the company's key set for
            it (default: `central.keys.default_key_file()`); read when a kiosk is provisioned, never kept in memory.
    """
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure_cookies,
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        WTF_CSRF_TIME_LIMIT=int(SESSION_LIFETIME.total_seconds()),
    )
    CSRFProtect(app)
    presence_cache = PresenceCache()
    app.jinja_env.filters["local"] = _local
    app.jinja_env.filters["hours"] = _hours

    def database() -> Connection:
        connection: Connection = g.db
        return connection

    def user() -> ConsoleUser:
        current: ConsoleUser = g.user
        return current

    @app.before_request
    def open_request() -> BaseResponse | None:
        if request.endpoint in {"login", "static"}:
            return None
        user_id = session.get("user_id")
        if user_id is None:
            return redirect(url_for("login", next=request.full_path if request.method == "GET" else None))
        connection = engine.connect()
        transaction = connection.begin()
        # Who is asking is read as the owner, in the request's own transaction, before it is confined to them.
        current = load_user(connection, uuid.UUID(user_id))
        if current is None or current.credential_stamp != session.get("stamp"):
            # Deactivated, removed or given a new password since: this session ends here.
            transaction.rollback()
            connection.close()
            session.clear()
            return redirect(url_for("login"))
        g.user, g.db, g.transaction = current, connection, transaction
        enter_scope(g.db, current)
        g.company_name = g.db.execute(select(companies.c.name).where(companies.c.id == current.company_id)).scalar()
        g.unresolved = pending_count(g.db, company_id=current.company_id)
        return None

    @app.teardown_request
    def close_request(error: BaseException | None) -> None:
        connection: Connection | None = g.pop("db", None)
        if connection is None:
            return
        transaction = g.pop("transaction")
        try:
            if error is None and transaction.is_active and not g.get("failed"):
                transaction.commit()
            elif transaction.is_active:
                transaction.rollback()
        finally:
            connection.close()

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'"
        )
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response

    def refusal(title: str, message: str, status: int) -> tuple[str, int]:
        g.failed = True  # whatever the request wrote before it was refused is rolled back
        return render_template("error.html", title=title, message=message), status

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError) -> tuple[str, int]:
        log.warning("refused a form without a valid CSRF token: %s", error.description)
        return refusal(
            "Form refused",
            "This form was not sent from this console or has expired; nothing was changed. "
            "Go back, reload the page and try again.",
            400,
        )

    @app.errorhandler(403)
    def forbidden(error: Exception) -> tuple[str, int]:
        return refusal(*NOT_ALLOWED, 403)

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return refusal("Not found", "There is no such page, or it is not one you may see.", 404)

    @app.errorhandler(DBAPIError)
    def database_refused(error: DBAPIError) -> tuple[str, int]:
        if getattr(error.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
            log.warning("the database refused %s %s for %s: %s", request.method, request.path, g.user.email, error.orig)
            return refusal(*NOT_ALLOWED, 403)
        g.failed = True
        raise error

    def streamed_in_request_transaction(pieces: Iterator[str]) -> Iterator[bytes]:
        """Hand the request's transaction over to a streamed body: the rows are read after the view has returned,
        so the transaction (with its row security) ends when the last piece has gone, not with the request."""
        connection: Connection = g.pop("db")
        transaction = g.pop("transaction")

        def body() -> Iterator[bytes]:
            try:
                for piece in pieces:
                    yield piece.encode("utf-8")
                transaction.commit()
            finally:
                # A download the browser abandoned, or a failure while deriving, leaves nothing behind.
                if transaction.is_active:
                    transaction.rollback()
                connection.close()

        return body()

    def requires(*roles: ConsoleRole) -> Callable[[View], View]:
        def decorate(view: View) -> View:
            @wraps(view)
            def checked(*args: Any, **kwargs: Any) -> Any:
                if user().role not in roles:
                    abort(403)
                return view(*args, **kwargs)

            return checked  # type: ignore[return-value]

        return decorate

    def attempt(change: Callable[[], object]) -> str | None:
        """Run a change in a savepoint; a broken rule rolls it back and comes back as the message to show."""
        try:
            with database().begin_nested():
                change()
        except RuleViolation as error:
            return error.message
        return None

    def audit(action: str, subject: str | None, **detail: object) -> None:
        record(
            database(), company_id=user().company_id, actor=user().email, action=action, subject=subject,
            at=now(), detail=detail,
        )  # fmt: skip

    # --- login ---------------------------------------------------------------------------------------------------

    @app.route("/login", methods=["GET", "POST"])
    def login() -> str | BaseResponse:
        problem = None
        if request.method == "POST":
            try:
                found = authenticate(
                    engine,
                    request.form.get("email", ""),
                    request.form.get("password", ""),
                    now=now(),
                    source=request.remote_addr or "unknown",
                )
            except LoginRefused as error:
                problem = error.message
            else:
                session.clear()
                session.permanent = True
                session["user_id"] = str(found.id)
                session["stamp"] = found.credential_stamp
                target = request.args.get("next") or ""
                # Only a path of this console: never an address elsewhere.
                if not target.startswith("/") or target.startswith("//"):
                    target = url_for("dashboard")
                return redirect(target)
        return render_template("login.html", problem=problem, email=request.form.get("email", ""))

    @app.post("/logout")
    def logout() -> BaseResponse:
        audit("console.logout", user().email)
        session.clear()
        return redirect(url_for("login"))

    # --- dashboard -----------------------------------------------------------------------------------------------

    @app.get("/")
    def dashboard() -> str:
        moment = now()
        company = user().company_id
        presence = presence_now(moment)
        hours = punches_per_hour(database(), company, moment)
        attention = [kiosk for kiosk in fleet(database(), company, moment) if kiosk.needs_attention]
        peak = max((hour.total for hour in hours), default=0)
        return render_template(
            "dashboard.html",
            presence=presence.sites,
            as_of=presence.as_of,
            hours=hours,
            scale=_chart_scale(peak),
            attention=attention,
            on_site=sum(len(site.people) for site in presence.sites),
        )

    def presence_now(moment: datetime) -> Presence:
        scope = "*" if user().all_sites else ",".join(user().site_ids)
        return presence_cache.get(database(), user().company_id, scope, moment)

    @app.get("/on-site/<site_code>")
    def on_site(site_code: str) -> str:
        presence = presence_now(now())
        site = next((site for site in presence.sites if site.code == site_code), None)
        if site is None:
            abort(404)
        return render_template("on_site.html", site=site, as_of=presence.as_of)

    # --- missed clock-outs ---------------------------------------------------------------------------------------

    def _site_choices() -> list[Any]:
        return list(
            database().execute(
                select(sites.c.id, sites.c.code, sites.c.name, sites.c.timezone)
                .where(sites.c.company_id == user().company_id)
                .order_by(sites.c.code)
            )
        )

    @app.get("/incidents")
    def incidents() -> str:
        site_rows = _site_choices()
        args = request.args
        problems = []
        wanted_site = args.get("site") or None
        site_id = next((row.id for row in site_rows if row.code == wanted_site), None)
        if wanted_site is not None and site_id is None:
            problems.append(f"there is no site {wanted_site!r} among yours")
        status = None
        unresolved = args.get("status") == "unresolved"
        if args.get("status") and not unresolved:
            try:
                status = IncidentStatus(args["status"])
            except ValueError:
                problems.append(f"unknown status {args['status']!r}")
        first_day, last_day = _day(args.get("from"), "from", problems), _day(args.get("to"), "to", problems)
        if first_day and last_day and first_day > last_day:
            problems.append("the first day is after the last day")
        page = max(_int(args.get("page"), 1), 1)
        lines: list[Any] = []
        total = 0
        if not problems:
            wanted = IncidentFilter(
                site_id, status, args.get("employee") or None, first_day, last_day, unresolved_only=unresolved
            )
            lines, total = search_incidents(
                database(), user().company_id, wanted, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
            )
        return render_template(
            "incidents.html",
            lines=lines,
            total=total,
            page=page,
            pages=max(math.ceil(total / PAGE_SIZE), 1),
            sites=site_rows,
            statuses=list(IncidentStatus),
            problems=problems,
            args=args,
        )

    def _incident_page(incident_id: str, problem: str | None = None, status: int = 200) -> tuple[str, int]:
        try:
            key = uuid.UUID(incident_id)
            incident = get_incident(database(), key)
        except (ValueError, RuleViolation):
            abort(404)  # another company's or site's incident is not found, as if it did not exist
        site = (
            database()
            .execute(
                select(sites.c.code, sites.c.name, sites.c.timezone)
                .select_from(sites)
                .where(sites.c.id == _incident_site(database(), key))
            )
            .first()
        )
        zone = ZoneInfo(site.timezone if site is not None else "UTC")
        number = database().execute(select(employees.c.number).where(employees.c.id == incident.employee_id)).scalar()
        day_punches = punches_around(database(), incident, zone)
        return render_template(
            "incident.html",
            incident=incident,
            site=site,
            zone=zone,
            number=number,
            punches=day_punches,
            kiosk=resolving_kiosk(database(), incident),
            problem=problem,
            form=request.form,
        ), status

    @app.get("/incidents/<incident_id>")
    def incident(incident_id: str) -> tuple[str, int]:
        return _incident_page(incident_id)

    @app.post("/incidents/<incident_id>/resolve")
    @requires(ConsoleRole.ADMIN, ConsoleRole.SUPERVISOR)
    def resolve_incident(incident_id: str) -> tuple[str, int] | BaseResponse:
        try:
            key = uuid.UUID(incident_id)
            found = get_incident(database(), key)
        except (ValueError, RuleViolation):
            abort(404)
        decision = request.form.get("decision")
        notes = request.form.get("notes", "").strip()
        problem = None
        logout_time = None
        if not found.is_unresolved:
            problem = "This claim was resolved while you were reviewing it; that decision stands. Nothing was changed."
        elif decision not in {"approve", "reject"}:
            problem = "choose Approve or Reject"
        elif not notes:
            problem = "notes are required: say why"
        elif decision == "reject":
            site_zone = (
                database()
                .execute(select(sites.c.timezone).where(sites.c.id == _incident_site(database(), key)))
                .scalar()
            )
            logout_time, problem = _local_time(request.form.get("time", ""), ZoneInfo(site_zone or "UTC"))
        if problem is None:
            problem = attempt(
                lambda: resolve(
                    database(), found.id, approve=decision == "approve", resolved_by=user().email, notes=notes,
                    logout_time=logout_time, now=now(),
                )
            )  # fmt: skip
        if problem is not None:
            return _incident_page(incident_id, problem, 400)
        flash(f"Missed clock-out of {found.full_name} {'approved' if decision == 'approve' else 'rejected'}.")
        return redirect(url_for("incident", incident_id=incident_id))

    # --- roster --------------------------------------------------------------------------------------------------

    def _departments() -> list[Any]:
        return list(
            database().execute(
                select(departments, rule_sets)
                .select_from(departments.outerjoin(rule_sets, rule_sets.c.department_id == departments.c.id))
                .where(departments.c.company_id == user().company_id)
                .order_by(departments.c.name)
            )
        )

    @app.get("/employees")
    def employee_list() -> str:
        args = request.args
        names = {row.id: row.name for row in _departments()}
        query = select(employees).where(employees.c.company_id == user().company_id)
        if args.get("q"):
            pattern = f"%{args['q'].strip()}%"
            query = query.where(
                employees.c.number.ilike(pattern)
                | (employees.c.first_name + " " + employees.c.last_name).ilike(pattern)
            )
        if not args.get("inactive"):
            query = query.where(employees.c.active)
        page = max(_int(args.get("page"), 1), 1)
        rows = list(
            database().execute(
                query.order_by(employees.c.last_name, employees.c.first_name, employees.c.number)
                .limit(PAGE_SIZE + 1)
                .offset((page - 1) * PAGE_SIZE)
            )
        )
        return render_template(
            "employees.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, page=page, names=names, args=args
        )

    @app.route("/employees/new", methods=["GET", "POST"])
    @app.route("/employees/<number>", methods=["GET", "POST"])
    def employee_form(number: str | None = None) -> tuple[str, int] | BaseResponse:
        existing = None
        if number is not None:
            existing = (
                database()
                .execute(
                    select(employees).where(employees.c.company_id == user().company_id, employees.c.number == number)
                )
                .first()
            )
            if existing is None:
                abort(404)
        problem = None
        if request.method == "POST":
            if not user().may_edit_roster:
                abort(403)
            form = request.form
            department = form.get("department") or None
            wanted = number or form.get("number", "")

            def save() -> None:
                upsert_employee(
                    database(), user().company_id, wanted, form.get("first_name", ""), form.get("last_name", ""),
                    department=department, daily_rate=form.get("daily_rate", "0") or "0",
                    active=existing.active if existing is not None else True,
                )  # fmt: skip
                audit("employee.saved", wanted, department=department, daily_rate=form.get("daily_rate"))

            problem = attempt(save)
            if problem is None:
                flash(f"Employee {wanted} saved.")
                return redirect(url_for("employee_list"))
        return render_template(
            "employee_form.html", existing=existing, departments=_departments(), problem=problem, form=request.form
        ), 400 if problem else 200

    @app.route("/employees/<number>/deactivate", methods=["GET", "POST"])
    @requires(ConsoleRole.ADMIN)
    def employee_deactivate(number: str) -> str | BaseResponse:
        existing = (
            database()
            .execute(select(employees).where(employees.c.company_id == user().company_id, employees.c.number == number))
            .first()
        )
        if existing is None:
            abort(404)
        if request.method == "GET":
            # Revoking faces on every kiosk cannot be undone: the person is asked to confirm first.
            return render_template("deactivate.html", employee=existing)
        revoked: list[int] = []

        def change() -> None:
            revoked.append(deactivate_employee(database(), user().company_id, number))
            audit("employee.deactivated", number, face_templates_revoked=revoked[0])

        problem = attempt(change)
        if problem is not None:
            abort(404)
        flash(f"Employee {number} deactivated; {revoked[0]} face templates revoked on every kiosk.")
        return redirect(url_for("employee_list"))

    @app.get("/departments")
    def department_list() -> str:
        return render_template("departments.html", rows=_departments())

    @app.route("/departments/new", methods=["GET", "POST"])
    @app.route("/departments/<code>", methods=["GET", "POST"])
    def department_form(code: str | None = None) -> tuple[str, int] | BaseResponse:
        existing = None
        if code is not None:
            existing = next((row for row in _departments() if row.code == code), None)
            if existing is None:
                abort(404)
        problem = None
        if request.method == "POST":
            if not user().may_edit_roster:
                abort(403)
            form = request.form
            wanted = code or form.get("code", "")

            def save() -> None:
                upsert_department(
                    database(), user().company_id, wanted, form.get("name", ""),
                    undertime=bool(form.get("undertime")), shift_start=form.get("shift_start", ""),
                    grace_minutes=_int(form.get("grace_minutes"), -1), half_day_after=form.get("half_day_after", ""),
                    half_day_hours=form.get("half_day_hours", ""), regular_hours=form.get("regular_hours", ""),
                )  # fmt: skip
                audit("department.saved", wanted, **_fields(form))

            problem = attempt(save)
            if problem is None:
                flash(f"Department {wanted} saved.")
                return redirect(url_for("department_list"))
        return render_template(
            "department_form.html", existing=existing, problem=problem, form=request.form
        ), 400 if problem else 200

    @app.route("/settings", methods=["GET", "POST"])
    def company_form() -> tuple[str, int] | BaseResponse:
        company = database().execute(select(companies).where(companies.c.id == user().company_id)).mappings().one()
        problem = None
        if request.method == "POST":
            if not user().may_edit_roster:
                abort(403)
            form = request.form

            def save() -> None:
                upsert_company(
                    database(), user().company_id, form.get("name", ""),
                    missed_clockout_enabled=bool(form.get("missed_clockout_enabled")),
                    block_reports_on_pending=bool(form.get("block_reports_on_pending")),
                    open_session_limit_minutes=_int(form.get("open_session_limit_hours"), 0) * 60,
                    kiosk_may_deactivate=bool(form.get("kiosk_may_deactivate")),
                )  # fmt: skip
                audit("company.settings_saved", user().company_id, **_fields(form))

            problem = attempt(save)
            if problem is None:
                flash("Company settings saved; kiosks take them at their next sync.")
                return redirect(url_for("company_form"))
        return render_template(
            "settings.html", company=company, problem=problem, form=request.form
        ), 400 if problem else 200

    # --- timesheets ----------------------------------------------------------------------------------------------

    def timesheet_choice() -> tuple[TimesheetScope | None, Period | None, list[str]]:
        """The scope and period the query asks for, or the problems with it (each said plainly)."""
        args = request.args
        problems: list[str] = []
        site_code = args.get("site") or None
        if site_code is not None and site_code not in {row.code for row in _site_choices()}:
            problems.append(f"there is no site {site_code!r} among yours")
        department_code = args.get("department") or None
        if department_code is not None and department_code not in {row.code for row in _departments()}:
            problems.append(f"there is no department {department_code!r}")
        kind = args.get("period") or PERIOD_CHOICES[0][0]
        if kind not in dict(PERIOD_CHOICES):
            problems.append(f"unknown period {kind!r}")
        elif kind != "dates" and (args.get("from") or args.get("to")):
            # As the command: a pay period or dates, never one silently ignored for the other.
            problems.append('choose "Any dates" to use From and To, or clear them to use a pay period')
        if problems:
            return None, None, problems
        scope = TimesheetScope(user().company_id, site_code, department_code)
        try:
            if kind == "dates":
                first = parse_day(args.get("from") or None, "From")
                last = parse_day(args.get("to") or None, "To")
                if first is None or last is None:
                    raise RuleViolation("dates_missing", "give both the first and the last day of the period")
                period = Period(first, last)
            else:
                which, pay_period = kind.split("-", 1)
                today = now().astimezone(report_zone(database(), scope)).date()
                period = Period.pay_period(pay_period, today)
                if which == "last" and period.first is not None:
                    period = Period.pay_period(pay_period, period.first - timedelta(days=1))
        except RuleViolation as error:
            return None, None, [_in_console_words(error.message)]
        return scope, period, problems

    def timesheet_refused(blocked: int | None, problems: list[str], status: int) -> tuple[str, int]:
        return render_template(
            "timesheets.html", **timesheet_form(), period=None, totals=[], page=1, pages=1, blocked=blocked,
            problems=problems,
        ), status  # fmt: skip

    def timesheet_form() -> dict[str, Any]:
        return {
            "sites": _site_choices(),
            "departments": _departments(),
            "periods": PERIOD_CHOICES,
            "columns": TOTALS_COLUMNS,
            "args": request.args,
        }

    @app.get("/timesheets")
    def timesheets() -> tuple[str, int]:
        scope, period, problems = timesheet_choice()
        if scope is None or period is None:
            return timesheet_refused(None, problems, 400)
        try:
            rows = central_timesheet(
                database(), scope.company_id, period, site_code=scope.site_code,
                department_code=scope.department_code, as_of=now(),
            )  # fmt: skip
            totals = [totals_row(line) for line in employee_totals(rows)]
        except ReportsBlocked as error:
            return timesheet_refused(error.unresolved, [], 409)
        except RuleViolation as error:
            return timesheet_refused(None, [_in_console_words(error.message)], 400)
        page = max(_int(request.args.get("page"), 1), 1)
        pages = max(math.ceil(len(totals) / PAGE_SIZE), 1)
        shown = totals[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        return render_template(
            "timesheets.html", **timesheet_form(), period=period, totals=shown, employees=len(totals), page=page,
            pages=pages, blocked=None, problems=[],
        ), 200  # fmt: skip

    @app.get("/timesheets/<part>")
    def timesheet_download(part: str) -> tuple[str, int] | BaseResponse:
        if part not in TIMESHEET_PARTS:
            abort(404)
        scope, period, problems = timesheet_choice()
        if scope is None or period is None:
            return timesheet_refused(None, problems, 400)
        name = f"timesheet-{scope.company_id}-{period.first}-{period.last}{TIMESHEET_PARTS[part]}"
        try:
            if part == "xlsx":
                # A workbook is a zip file, finished only at its end: it is built in a temporary file and then
                # sent, whereas the CSVs go out row by row as they are derived. send_file closes the file once sent.
                book = tempfile.TemporaryFile()  # noqa: SIM115
                write_central_timesheet(database(), scope, period, as_of=now(), workbook_out=book)
                book.seek(0)
                audit("timesheet.downloaded", name)
                return send_file(book, mimetype=XLSX_TYPE, as_attachment=True, download_name=name)
            pieces = central_timesheet_chunks(database(), scope, period, as_of=now(), totals=part == "totals.csv")
        except ReportsBlocked as error:
            return timesheet_refused(error.unresolved, [], 409)
        except RuleViolation as error:
            return timesheet_refused(None, [_in_console_words(error.message)], 400)
        audit("timesheet.downloaded", name)
        return Response(
            streamed_in_request_transaction(pieces),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # --- scheduled reports -----------------------------------------------------------------------------------

    def report_page(problem: str | None = None, status: int = 200) -> tuple[str, int]:
        args = request.args
        problems = [problem] if problem else []
        wanted = args.get("status") or None
        runs: list[Any] = []
        try:
            runs = list_runs(database(), company_id=user().company_id, status=wanted)
        except RuleViolation as error:
            problems.append(error.message)
            status = 400
        page = max(_int(args.get("page"), 1), 1)
        moment = now()
        schedules = [
            (schedule, next_run(schedule, moment)) for schedule in list_schedules(database(), user().company_id)
        ]
        return render_template(
            "reports.html", schedules=schedules, runs=runs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            total=len(runs), page=page, pages=max(math.ceil(len(runs) / PAGE_SIZE), 1), statuses=RUN_STATUSES,
            frequencies=FREQUENCIES, weekdays=WEEKDAYS, sites=_site_choices(), departments=_departments(),
            problems=problems, form=request.form, args=args,
        ), status  # fmt: skip

    @app.get("/reports")
    @requires(ConsoleRole.ADMIN, ConsoleRole.PAYROLL)
    def report_list() -> tuple[str, int]:
        return report_page()

    @app.post("/reports/schedules")
    @requires(ConsoleRole.ADMIN)
    def report_schedule_add() -> tuple[str, int] | BaseResponse:
        form = request.form
        name = form.get("name", "")

        def add() -> None:
            schedule = add_schedule(
                database(), company_id=user().company_id, name=name, frequency=form.get("every", ""),
                recipients=form.get("recipients", "").replace(",", " ").split(),
                at=parse_clock(form.get("at") or "06:00", "Time"), weekday=form.get("weekday") or None,
                rule=form.get("rule") or None, site_code=form.get("site") or None,
                department_code=form.get("department") or None, timezone=form.get("timezone") or None,
                created_by=user().email, now=now(),
            )  # fmt: skip
            audit("report_schedule.added", schedule.name, rule=schedule.rule, recipients=list(schedule.recipients))

        problem = attempt(add)
        if problem is not None:
            return report_page(_in_console_words(problem), 400)
        flash(f"Schedule {name.strip()} saved.")
        return redirect(url_for("report_list"))

    @app.post("/reports/schedules/<name>/remove")
    @requires(ConsoleRole.ADMIN)
    def report_schedule_remove(name: str) -> BaseResponse:
        cancelled: list[int] = []

        def remove() -> None:
            cancelled.append(remove_schedule(database(), user().company_id, name, removed_by=user().email, now=now()))
            audit("report_schedule.removed", name, runs_cancelled=cancelled[0])

        if attempt(remove) is not None:
            abort(404)
        runs = "run" if cancelled[0] == 1 else "runs"
        flash(f"Schedule {name} removed; {cancelled[0]} {runs} not yet sent cancelled.")
        return redirect(url_for("report_list"))

    # --- fleet ---------------------------------------------------------------------------------------------------

    @app.get("/kiosks")
    def kiosk_list() -> str:
        return render_template("kiosks.html", kiosks=fleet(database(), user().company_id, now()))

    @app.route("/kiosks/new", methods=["GET", "POST"])
    @requires(ConsoleRole.ADMIN)
    def kiosk_form() -> tuple[str, int]:
        site_rows = _site_choices()
        problem = None
        token = None
        if request.method == "POST":
            form = request.form
            site_code = form.get("site", "")
            port = _int(form.get("port"), 0) or None
            if site_code not in {row.code for row in site_rows}:
                problem = f"there is no site {site_code!r} among yours"
            elif form.get("port") and (port is None or not 0 < port < 65536):
                problem = "the port is a number from 1 to 65535"
            else:
                try:
                    key = HeadOfficeKey.load(head_office_key or default_key_file())
                    # A kiosk needs a login role of its own, which only the owner may create: this one call runs
                    # as the owner, for a site this user's scope was just seen to hold.
                    registration = add_kiosk(
                        engine, company_id=user().company_id, site_code=site_code, name=form.get("name", ""),
                        host=form.get("host") or kiosk_host, port=port or kiosk_port,
                        ca_pem=form.get("ca_pem") or None, require_tls=not form.get("no_tls"), head_office=key,
                    )  # fmt: skip
                except RuleViolation as error:
                    problem = error.message
                else:
                    token = registration.token
                    audit("kiosk.registered", str(registration.kiosk_id), name=form.get("name"), site=site_code)
        return render_template(
            "kiosk_form.html", sites=site_rows, problem=problem, token=token, form=request.form
        ), 400 if problem else 200

    # --- console users -------------------------------------------------------------------------------------------

    @app.get("/users")
    @requires(ConsoleRole.ADMIN)
    def user_list() -> str:
        return render_template("users.html", users=list_users(database()))

    @app.route("/users/new", methods=["GET", "POST"])
    @app.route("/users/<user_id>", methods=["GET", "POST"])
    @requires(ConsoleRole.ADMIN)
    def user_form(user_id: str | None = None) -> tuple[str, int] | BaseResponse:
        existing = None
        if user_id is not None:
            try:
                key = uuid.UUID(user_id)
            except ValueError:
                abort(404)
            existing = next(((u, codes) for u, codes in list_users(database()) if u.id == key), None)
            if existing is None:
                abort(404)
        problem = None
        if request.method == "POST":
            form = request.form
            site_codes = form.getlist("sites")
            if existing is None:
                problem = attempt(
                    lambda: add_user(
                        database(), company_id=user().company_id, email=form.get("email", ""),
                        role=form.get("role", ""), password=form.get("password", ""), site_codes=site_codes,
                        actor=user().email, now=now(),
                    )
                )  # fmt: skip
            elif form.get("password"):
                problem = attempt(
                    lambda: reset_password(
                        database(), company_id=user().company_id, email=existing[0].email,
                        password=form.get("password", ""), actor=user().email, now=now(),
                    )
                )  # fmt: skip
            elif existing[0].id == user().id and (form.get("role") != "admin" or not form.get("active")):
                problem = "you cannot take away your own admin rights or access"
            else:
                problem = attempt(
                    lambda: change_user(
                        database(), company_id=user().company_id, user_id=existing[0].id,
                        role=form.get("role", ""), site_codes=site_codes, active=bool(form.get("active")),
                        actor=user().email, now=now(),
                    )
                )  # fmt: skip
            if problem is None and existing is not None and existing[0].id == user().id and form.get("password"):
                # One's own new password keeps one's own session (every other session of the account ends).
                refreshed = load_user(database(), user().id)
                session["stamp"] = refreshed.credential_stamp if refreshed is not None else None
            if problem is None:
                flash("Console user saved.")
                return redirect(url_for("user_list"))
        return render_template(
            "user_form.html", existing=existing, sites=_site_choices(), roles=list(ConsoleRole), problem=problem,
            form=request.form,
        ), 400 if problem else 200  # fmt: skip

    @app.get("/audit")
    @requires(ConsoleRole.ADMIN)
    def audit_list() -> str:
        page = max(_int(request.args.get("page"), 1), 1)
        rows = list(
            database().execute(
                select(audit_log)
                .where(audit_log.c.company_id == user().company_id)
                .order_by(audit_log.c.at.desc())
                .limit(PAGE_SIZE + 1)
                .offset((page - 1) * PAGE_SIZE)
            )
        )
        return render_template("audit.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE, page=page)

    return app


PERIOD_CHOICES = (
    ("this-semi-monthly", "This semi-monthly pay period"),
    ("last-semi-monthly", "Last semi-monthly pay period"),
    ("this-monthly", "This month"),
    ("last-monthly", "Last month"),
    ("dates", "Any dates"),
)
TIMESHEET_PARTS = {"days.csv": "-days.csv", "totals.csv": "-totals.csv", "xlsx": ".xlsx"}


CONSOLE_WORDS = (("choose one with --site", "choose a site"), (" (--to)", ""))


def _in_console_words(message: str) -> str:
    """A refusal of the functions the commands share, in the console's words: they name the command's options."""
    for said, meant in CONSOLE_WORDS:
        message = message.replace(said, meant)
    return message


def _incident_site(connection: Connection, incident_id: uuid.UUID) -> str | None:
    return connection.execute(
        select(missed_clockout_incidents.c.site_id).where(missed_clockout_incidents.c.id == incident_id)
    ).scalar()


def _fields(form: Any) -> dict[str, str]:
    """A form's fields for the audit log, without its CSRF token or any password."""
    return {key: value for key, value in form.items() if key not in {"csrf_token", "password"}}


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def _day(value: str | None, name: str, problems: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{name}: {value!r} is not a date (YYYY-MM-DD)")
        return None


def _local_time(value: str, zone: ZoneInfo) -> tuple[datetime | None, str | None]:
    """A time typed in the site's local time (an HTML datetime-local field) as UTC, or the problem with it."""
    try:
        local = datetime.fromisoformat(value.strip())
    except ValueError:
        return None, "give the clock-out time to use (date and time)"
    if local.tzinfo is not None:
        return local.astimezone(UTC), None
    return local.replace(tzinfo=zone).astimezone(UTC), None


def _local(moment: datetime | None, zone: ZoneInfo | str | None = None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    if moment is None:
        return ""
    where = ZoneInfo(zone) if isinstance(zone, str) else zone
    return moment.astimezone(where or UTC).strftime(pattern)


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds:+.1f} s"


def _chart_scale(peak: int) -> int:
    """A round top for the chart's axis (10, 20, 50, 100, 200, ...) at or above the peak."""
    top, steps = 10, (2, 5 / 2, 2)
    index = 0
    while top < peak:
        top = int(top * steps[index % 3])
        index += 1
    return top
