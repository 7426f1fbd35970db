"""Sample head-office data for the console's benchmark and its screen renders: sites, employees, punches, claims.

Everything is inserted by set-based SQL as the database's owner, so a company of 200 sites and 10,000 employees
with a month of punches takes about a minute. Every site is in Asia/Manila; employees work weekdays, arriving
between 07:00 and 08:30, lunching from about 12:00 and leaving between 16:30 and 18:00, so the day has the
shift-change bursts the dashboard's chart shows. About one session in 150 is left open: its clock-out is missing,
the kiosk made an incident and the employee claimed a time; those older than a week were approved at a kiosk.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from central.roster import upsert_company, upsert_department, upsert_site
from central.users import add_user

ZONE = "Asia/Manila"
PASSWORD = "console sample password"  # noqa: S105 - the sample users' password, printed in the docs
USERS = (
    ("admin@sample.example", "admin", ()),
    ("payroll@sample.example", "payroll", ()),
    ("supervisor@sample.example", "supervisor", ("site-001",)),
)
FIRST_NAMES = ("Maria", "Jose", "Ana", "Juan", "Rosa", "Pedro", "Liza", "Marco", "Grace", "Ramon", "Joy", "Carlo")
LAST_NAMES = ("Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza", "Torres", "Flores", "Ramos", "Aquino")

_PUNCHES = """
WITH staff AS (
    SELECT e.id AS employee_id, s.id AS site_id, k.id AS kiosk_id
    FROM employees e
    JOIN sites s ON s.company_id = e.company_id
        AND s.code = 'site-' || lpad((((substring(e.number FROM 2)::int - 1) % :sites) + 1)::text, 3, '0')
    JOIN kiosks k ON k.site_id = s.id
    WHERE e.company_id = CAST(:company AS varchar)
),
days AS (
    SELECT day::date AS day FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS day
    WHERE extract(isodow FROM day) < 6
),
shifts AS (
    SELECT st.*, d.day,
        abs(hashtext(st.employee_id || d.day::text)) AS h,
        abs(hashtext(st.employee_id || d.day::text)) % 150 = 0 AS missed
    FROM staff st CROSS JOIN days d
),
moments AS (
    SELECT s.*, m.kind, m.break_type,
        ((s.day + m.at) AT TIME ZONE :zone) AS at
    FROM shifts s
    CROSS JOIN LATERAL (VALUES
        ('clock_in', NULL, time '07:00' + (s.h % 90) * interval '1 minute'),
        ('break_start', 'lunch', time '12:00' + (s.h % 40) * interval '1 minute'),
        ('break_end', NULL, time '12:45' + (s.h % 40) * interval '1 minute'),
        ('clock_out', NULL, time '16:30' + (s.h % 90) * interval '1 minute')
    ) AS m(kind, break_type, at)
    WHERE NOT (s.missed AND m.kind = 'clock_out')
)
INSERT INTO punches (id, company_id, site_id, kiosk_id, employee_id, kind, break_type, occurred_at, identified_by,
                     pc_time, anchored_time, recorded_at, received_at)
SELECT gen_random_uuid(), CAST(:company AS varchar), site_id, kiosk_id, employee_id, kind, break_type, at, 'face',
       at, at, at, at
FROM moments WHERE at <= :now
"""

_INCIDENTS = """
INSERT INTO missed_clockout_incidents (id, company_id, site_id, kiosk_id, clock_in_punch_id, employee_id, first_name,
                                       last_name, login_time, created_at)
SELECT gen_random_uuid(), p.company_id, p.site_id, p.kiosk_id, p.id, p.employee_id, e.first_name, e.last_name,
       p.occurred_at, p.occurred_at + interval '1 day'
FROM punches p JOIN employees e ON e.id = p.employee_id
WHERE p.company_id = CAST(:company AS varchar) AND p.kind = 'clock_in' AND p.occurred_at + interval '1 day' <= :now
  AND abs(hashtext(p.employee_id || (p.occurred_at AT TIME ZONE :zone)::date::text)) % 150 = 0
"""

_CLAIMS = """
INSERT INTO missed_clockout_claims (incident_id, company_id, employee_claimed_logout_time, employee_reason,
                                    employee_note, employee_claimed_at)
SELECT i.id, i.company_id, i.login_time + interval '9 hours',
       (ARRAY['forgot', 'closed_tab_by_accident', 'system_issue', 'emergency', 'internet_lost', 'device_died'])
           [1 + abs(hashtext(i.id::text)) % 6],
       CASE WHEN abs(hashtext(i.id::text)) % 3 = 0 THEN 'left with the crane crew' END,
       i.created_at
FROM missed_clockout_incidents i WHERE i.company_id = CAST(:company AS varchar)
"""

_RESOLUTIONS = """
INSERT INTO incident_resolutions (incident_id, company_id, status, admin_set_logout_time, admin_notes, resolved_at,
                                  resolved_by)
SELECT i.id, i.company_id, 'approved', i.login_time + interval '9 hours', 'matches the gate log',
       i.created_at + interval '1 hour', 'site supervisor'
FROM missed_clockout_incidents i
WHERE i.company_id = CAST(:company AS varchar) AND i.login_time < :now - interval '7 days'
"""

# The session closes with the resolution's correction, made (as a supervisor's resolution is) at the kiosk.
_CLOSINGS = """
INSERT INTO corrections (id, company_id, kind, employee_id, target_punch_id, effective_at, made_at, made_by, reason,
                         kiosk_id)
SELECT gen_random_uuid(), i.company_id, 'close_session', i.employee_id, i.clock_in_punch_id, r.admin_set_logout_time,
       r.resolved_at, r.resolved_by, 'missed clock-out approved', i.kiosk_id
FROM missed_clockout_incidents i JOIN incident_resolutions r ON r.incident_id = i.id
WHERE i.company_id = CAST(:company AS varchar)
"""


def fill(
    engine: Engine, *, company: str, sites: int, employees: int, days: int, now: datetime, zone: str = ZONE
) -> None:
    """Create the company with its sites (one kiosk each, all in `zone`), a department, employees, punches, claims
    and users."""
    upsert_company(engine, company, "Giovanni Construction", missed_clockout_enabled=True)
    upsert_department(engine, company, "eng", "ENGINEER SA SITE", undertime=True)
    for number in range(1, sites + 1):
        upsert_site(engine, company, f"site-{number:03d}", f"Site {number:03d}", zone)
    with engine.begin() as connection:
        connection.execute(
            text(
                """
                INSERT INTO employees (id, company_id, number, first_name, last_name, department_id, daily_rate)
                SELECT md5(CAST(:company AS varchar) || n::text), CAST(:company AS varchar),
                       'E' || lpad(n::text, 5, '0'),
                       (CAST(:first_names AS text[]))[1 + n % cardinality(CAST(:first_names AS text[]))],
                       (CAST(:last_names AS text[]))[1 + (n / 7) % cardinality(CAST(:last_names AS text[]))],
                       (SELECT id FROM departments WHERE company_id = CAST(:company AS varchar) AND code = 'eng'), 800
                FROM generate_series(1, :employees) AS n
                """
            ),
            {
                "company": company,
                "employees": employees,
                "first_names": list(FIRST_NAMES),
                "last_names": list(LAST_NAMES),
            },
        )
        connection.execute(
            text(
                """
                INSERT INTO kiosks (id, company_id, site_id, name, role_name, provisioned_at)
                SELECT gen_random_uuid(), CAST(:company AS varchar), id, name || ' gate', 'sample_' || md5(id), now()
                FROM sites WHERE company_id = CAST(:company AS varchar)
                """
            ),
            {"company": company},
        )
        window = {"company": company, "zone": zone, "now": now, "sites": sites}
        # Days of the sites' own calendar: today there may already be tomorrow in UTC terms, or still yesterday.
        today = now.astimezone(ZoneInfo(zone)).date()
        first, last = today - timedelta(days=days), today
        connection.execute(text(_PUNCHES), {**window, "first": first, "last": last})
        connection.execute(text(_INCIDENTS), window)
        connection.execute(text(_CLAIMS), window)
        connection.execute(text(_RESOLUTIONS), window)
        connection.execute(text(_CLOSINGS), window)
        connection.execute(
            text(
                """
                INSERT INTO kiosk_status (kiosk_id, company_id, reported_at, app_version, clock_offset_seconds,
                                          punches_waiting, last_error, camera_status)
                SELECT k.id, k.company_id,
                       CASE WHEN s.code = 'site-002' THEN :now - interval '3 hours' ELSE :now - interval '1 minute' END,
                       '0.1.0', CASE WHEN s.code = 'site-003' THEN 187.5 ELSE 0.4 END,
                       CASE WHEN s.code = 'site-002' THEN 42 ELSE 0 END, NULL,
                       CASE WHEN s.code = 'site-003' THEN 'unplugged' ELSE 'ok' END
                FROM kiosks k JOIN sites s ON s.id = k.site_id WHERE k.company_id = CAST(:company AS varchar)
                """
            ),
            {"now": now, "company": company},
        )
        connection.execute(text("ANALYZE"))
    for email, role, site_codes in USERS:
        add_user(
            engine, company_id=company, email=email, role=role, password=PASSWORD, site_codes=site_codes,
            actor="sample data", now=now,
        )  # fmt: skip


def sample_incident(engine: Engine, company: str, *, resolved: bool) -> uuid.UUID:
    """The newest incident of the company that is (or is not) resolved."""
    query = """
        SELECT i.id FROM missed_clockout_incidents i
        LEFT JOIN incident_resolutions r ON r.incident_id = i.id
        WHERE i.company_id = CAST(:company AS varchar) AND (r.incident_id IS NOT NULL) = :resolved
        ORDER BY i.login_time DESC LIMIT 1
    """
    with engine.connect() as connection:
        found: uuid.UUID = connection.execute(text(query), {"company": company, "resolved": resolved}).scalar_one()
    return found
