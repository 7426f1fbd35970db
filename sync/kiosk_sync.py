"""One kiosk's sync with the central database: measure the server's clock, push the outbox, pull what changed.

Push: the local outbox (punches, corrections, missed clock-out incidents with their claims and resolutions, face
data deletions, face enrolments sealed under the company's newest key, roster changes) goes up in batches, each in
one central transaction (see `sync.push`). Local rows are marked only after
that transaction committed: a crash or a lost connection in between leaves them pending, and the resend finds them
already there. Records the server refuses or that conflict are marked so with the reason and leave the queue.

Pull: see `pull()` for the change cursor. Everything pulled is applied in one local transaction together with the
new cursor, so applying the same changes twice changes nothing. Besides the roster (with head office's department
and site codes), settings, punches and resolutions, it brings the company's key sets wrapped for this kiosk (kept
wrapped; `kiosk.services.company_keys` opens them), face templates, and face data deletions made anywhere, after
which the employee's templates are gone here and the consent this kiosk holds is withdrawn.

Records made at this kiosk go up with the identity of the kiosk's central profile (company, site, kiosk id): the
server lets a kiosk insert only as itself, and the profile is who this kiosk is.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, text, union, update
from sqlalchemy.orm import Session

from kiosk.domain.incidents import IncidentStatus, MissedClockoutIncident
from kiosk.store import repository
from kiosk.store import roster as roster_store
from kiosk.store.adoption import REBIND_KEY
from kiosk.store.database import Database
from kiosk.store.repository import CompanyRecord, EmployeeRecord, SiteRecord
from kiosk.store.schema import (
    BiometricConsent,
    BiometricErasure,
    CompanyKeyWrap,
    CorrectionRow,
    FaceTemplate,
    IncidentRow,
    PunchRow,
    RosterChangeRow,
    SyncState,
)
from sync.adoption import hand_over, needs_hand_over
from sync.clock import AnchoredClock
from sync.connection import CentralConnector
from sync.errors import link_errors
from sync.push import BatchOutcome, send_batch
from sync.status import KioskStatus, app_version, report_status
from sync.updates import exchange_update_facts
from wire import schema as central
from wire.provisioning import CentralProfile
from wire.records import (
    correction_from_row,
    correction_row,
    department_rules_from_row,
    incident_from_rows,
    incident_rows,
    punch_from_row,
    punch_row,
)
from wire.templates import company_header

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
CURSOR_KEY = "sync.pull_cursor"


@dataclass
class PushReport:
    """How many records of each outcome one push produced."""

    delivered: int = 0
    conflicts: dict[str, str] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)

    def add(self, outcome: BatchOutcome) -> None:
        self.delivered += len(outcome.delivered)
        self.conflicts |= {str(key): reason for key, reason in outcome.conflicts.items()}
        self.rejected |= {str(key): reason for key, reason in outcome.rejected.items()}


@dataclass
class PullReport:
    """What one pull brought down."""

    cursor: int = 0
    punches: int = 0
    employees: int = 0
    templates_added: int = 0
    templates_removed: int = 0
    resolutions: int = 0
    erasures: int = 0
    key_versions: int = 0


class KioskSync:
    """Push and pull for one kiosk.

    Args:
        database: the kiosk's local database.
        profile: the kiosk's central profile (from the secret store).
        clock: the anchored clock to update at each sync (optional).
        batch_size: records per central transaction.
        running_version: the kiosk's version, reported with its update status at each sync.
        camera_status: tells the camera's state ("ok", "reconnecting", ...) for the status report (optional).
    """

    def __init__(
        self,
        database: Database,
        profile: CentralProfile,
        *,
        clock: AnchoredClock | None = None,
        batch_size: int = BATCH_SIZE,
        running_version: str | None = None,
        camera_status: Callable[[], str | None] | None = None,
    ) -> None:
        self.database = database
        self.running_version = running_version
        self.profile = profile
        self.clock = clock
        self.batch_size = batch_size
        self._camera_status = camera_status
        self._connector = CentralConnector(profile)
        self._engine: Engine = self._connector.engine()
        # Set by the app: seals face templates again where needed (kiosk.services.enrolment), before each push.
        self.before_push: Callable[[], object] | None = None

    def close(self) -> None:
        """Release the central engine and the temporary CA file."""
        self._engine.dispose()
        self._connector.close()

    # --- one full sync -------------------------------------------------------------------------------------------

    def run_once(self) -> tuple[PushReport, PullReport]:
        """Anchor the clock, push everything pending, pull what changed. Errors propagate to the caller; a lost
        connection as `CentralUnreachable`, a refused login as `CentralAuthRefused`.

        A kiosk that ran on its own before it was provisioned first hands its roster and records over (see
        `sync.adoption`): pushing them under ids head office does not know would only get them refused.
        """
        if needs_hand_over(self.database, self.profile):
            hand_over(self.database, self.profile, self.pull)
        if self.before_push is not None:
            self.before_push()
        with link_errors(), self._engine.connect() as connection:
            if self.clock is not None:
                driver = connection.connection.driver_connection
                assert driver is not None
                self.clock.sync_with(driver)
                driver.rollback()  # end the driver's implicit transaction before the push opens its own
            pushed = self._push(connection)
            pulled = self._pull(connection)
            exchange_update_facts(connection, self.database, self.running_version)
            report_status(connection, self._status(pushed))
        return pushed, pulled

    def _status(self, pushed: PushReport) -> KioskStatus:
        offset = None
        if self.clock is not None:
            facts = self.clock.clock_facts()
            if facts.anchored_time is not None:
                offset = (facts.anchored_time - facts.pc_time).total_seconds()
        refused = {**pushed.conflicts, **pushed.rejected}
        error = None
        if refused:
            key, reason = next(iter(refused.items()))
            error = f"{len(refused)} record(s) refused by head office, e.g. {key}: {reason}"
        return KioskStatus(
            app_version=self.running_version or app_version(),
            clock_offset_seconds=offset,
            punches_waiting=self.pending_count(),
            last_error=error,
            camera_status=self._camera_status() if self._camera_status is not None else None,
        )

    def push(self) -> PushReport:
        """Push everything pending."""
        with link_errors(), self._engine.connect() as connection:
            return self._push(connection)

    def pull(self) -> PullReport:
        """Pull what changed since the last pull."""
        with link_errors(), self._engine.connect() as connection:
            return self._pull(connection)

    def pending_count(self) -> int:
        """Records of every kind still waiting to go up."""
        with self.database.read() as session:
            return sum(
                int(session.scalar(select(func.count()).where(table.sync_state == SyncState.PENDING)) or 0)
                for table in (PunchRow, CorrectionRow, IncidentRow, FaceTemplate, RosterChangeRow, BiometricErasure)
            )

    def pending_by_kind(self) -> dict[str, int]:
        """Records waiting to go up, by kind (in the order they are pushed)."""
        kinds = (
            ("punch", PunchRow),
            ("correction", CorrectionRow),
            ("incident", IncidentRow),
            ("face template", FaceTemplate),
            ("roster change", RosterChangeRow),
            ("face data deletion", BiometricErasure),
        )
        with self.database.read() as session:
            return {
                name: int(session.scalar(select(func.count()).where(table.sync_state == SyncState.PENDING)) or 0)
                for name, table in kinds
            }

    # --- push ----------------------------------------------------------------------------------------------------

    def _push(self, connection: Connection) -> PushReport:
        report = PushReport()
        self._push_kind(connection, PunchRow, self._punch_batch, report)
        self._push_kind(connection, CorrectionRow, self._correction_batch, report)
        self._push_kind(connection, IncidentRow, self._incident_batch, report)
        with self.database.read() as session:
            resealing = bool(repository.device_values(session).get(REBIND_KEY))
            version = self._company_key_version(session)
        # Erasures first: a re-enrolment's new templates come after the erasure of the ones they replace.
        self._push_kind(connection, BiometricErasure, self._erasure_batch, report)
        if not resealing and version is not None:
            # Only templates sealed under the company's newest key go up: one sealed under a standalone kiosk's own
            # key, to a standalone kiosk's ids, or under a key since rotated waits until the kiosk has sealed it
            # again (`kiosk.services.enrolment`), so every kiosk of the company can open what it pulls.
            header = company_header(version)
            ready = func.substr(FaceTemplate.sealed, 1, len(header)) == header
            self._push_kind(connection, FaceTemplate, self._template_batch, report, ready)
        refused_before = len(report.rejected) + len(report.conflicts)
        self._push_kind(connection, RosterChangeRow, self._roster_change_batch, report)
        if len(report.rejected) + len(report.conflicts) > refused_before:
            # A change head office refused took effect here anyway; read the whole roster again to undo it.
            with self.database.write() as session:
                repository.put_device_values(session, {CURSOR_KEY: 0}, datetime.now(UTC))
        if report.conflicts or report.rejected:
            log.warning("push: %d conflicts, %d rejected", len(report.conflicts), len(report.rejected))
        return report

    def _push_kind(
        self,
        connection: Connection,
        row_class: type[Any],
        send: Callable[[Connection, Sequence[Any]], BatchOutcome],
        report: PushReport,
        *conditions: Any,
    ) -> None:
        while True:
            with self.database.read() as session:
                rows = list(
                    session.scalars(
                        # No ORDER BY: the sync-state index hands pending rows out without sorting the backlog.
                        select(row_class)
                        .where(row_class.sync_state == SyncState.PENDING, *conditions)
                        .limit(self.batch_size)
                    )
                )
            if not rows:
                return
            with connection.begin():
                outcome = send(connection, rows)
            # The central transaction has committed: only now does the outbox learn the result.
            self._mark(row_class, outcome)
            report.add(outcome)
            if len(rows) < self.batch_size:
                return

    def _mark(self, row_class: type[Any], outcome: BatchOutcome) -> None:
        now = datetime.now(UTC)
        has_synced_at = hasattr(row_class, "synced_at")
        with self.database.write() as session:

            def mark(keys: Iterable[Any], state: SyncState, error: str | None) -> None:
                ids = [str(key) for key in keys]
                if not ids:
                    return
                values: dict[str, Any] = {"sync_state": state}
                if hasattr(row_class, "sync_error"):
                    values["sync_error"] = error
                if has_synced_at:
                    values["synced_at"] = now
                session.execute(update(row_class).where(row_class.id.in_(ids)).values(**values))

            mark(outcome.delivered, SyncState.SENT, None)
            for key, reason in outcome.conflicts.items():
                mark([key], SyncState.CONFLICT, reason)
            for key, reason in outcome.rejected.items():
                mark([key], SyncState.REJECTED, reason)

    def _as_me(self, row: dict[str, Any]) -> dict[str, Any]:
        row["company_id"] = self.profile.company_id
        if "site_id" in row:
            row["site_id"] = self.profile.site_id
        if "kiosk_id" in row:
            row["kiosk_id"] = uuid.UUID(self.profile.kiosk_id)
        return row

    def _punch_batch(self, connection: Connection, rows: Sequence[PunchRow]) -> BatchOutcome:
        records = [
            self._as_me(
                punch_row(
                    repository.punch_from_row(row),
                    company_id=self.profile.company_id,
                    site_id=self.profile.site_id,
                    recorded_at=row.recorded_at,
                )
            )
            for row in rows
        ]
        return send_batch(connection, central.punches, records)

    def _correction_batch(self, connection: Connection, rows: Sequence[CorrectionRow]) -> BatchOutcome:
        records = [
            correction_row(
                repository.correction_from_row(row), company_id=self.profile.company_id, kiosk_id=self.profile.kiosk_id
            )
            for row in rows
        ]
        return send_batch(connection, central.corrections, records)

    def _template_batch(self, connection: Connection, rows: Sequence[FaceTemplate]) -> BatchOutcome:
        records = [
            {
                "id": uuid.UUID(row.id),
                "company_id": self.profile.company_id,
                "employee_id": row.employee_id,
                "sealed": row.sealed,
                "pose": row.pose,
                "kiosk_id": uuid.UUID(self.profile.kiosk_id),
                "created_at": row.created_at,
            }
            for row in rows
        ]
        return send_batch(connection, central.face_templates, records)

    def _company_key_version(self, session: Session) -> int | None:
        """The newest version of the company's key set this kiosk holds, None before it has one."""
        return session.scalar(
            select(func.max(CompanyKeyWrap.version)).where(CompanyKeyWrap.company_id == self.profile.company_id)
        )

    def _erasure_batch(self, connection: Connection, rows: Sequence[BiometricErasure]) -> BatchOutcome:
        records = [
            {
                "id": uuid.UUID(row.id),
                "company_id": self.profile.company_id,
                "employee_id": row.employee_id,
                "kiosk_id": uuid.UUID(self.profile.kiosk_id),
                "made_at": row.made_at,
                "made_by": row.made_by,
            }
            for row in rows
        ]
        return send_batch(connection, central.biometric_erasures, records)

    def _roster_change_batch(self, connection: Connection, rows: Sequence[RosterChangeRow]) -> BatchOutcome:
        records = [
            {
                "id": uuid.UUID(row.id),
                "company_id": self.profile.company_id,
                "kiosk_id": uuid.UUID(self.profile.kiosk_id),
                "employee_id": row.employee_id,
                "kind": row.kind,
                "pin_hash": row.pin_hash,
                "made_at": row.made_at,
                "made_by": row.made_by,
            }
            for row in rows
        ]
        return send_batch(connection, central.roster_changes, records)

    def _incident_batch(self, connection: Connection, rows: Sequence[IncidentRow]) -> BatchOutcome:
        """An incident goes up as up to three facts; it counts as delivered when all of them are."""
        bases, claims, resolutions = [], [], []
        with self.database.read() as session:
            found = [repository.get_incident(session, uuid.UUID(row.id)) for row in rows]
        for incident in found:
            assert incident is not None  # rows of this very batch
            base, claim, resolution = incident_rows(
                incident, site_id=self.profile.site_id, kiosk_id=self.profile.kiosk_id
            )
            bases.append(self._as_me(base))
            if claim is not None:
                claims.append(self._as_me(claim))
            if resolution is not None:
                resolutions.append(self._as_me(resolution))
        outcome = send_batch(connection, central.missed_clockout_incidents, bases)
        parts = [
            send_batch(connection, central.missed_clockout_claims, claims, key="incident_id"),
            send_batch(connection, central.incident_resolutions, resolutions, key="incident_id"),
        ]
        for part in parts:
            for key, reason in part.conflicts.items():
                outcome.conflicts[key] = reason
            for key, reason in part.rejected.items():
                outcome.rejected[key] = reason
        bad = set(outcome.conflicts) | set(outcome.rejected)
        outcome.stored = [key for key in outcome.stored if key not in bad]
        outcome.already_there = [key for key in outcome.already_there if key not in bad]
        return outcome

    # --- pull ----------------------------------------------------------------------------------------------------

    def _pull(self, connection: Connection) -> PullReport:
        """Bring down what changed since the stored cursor.

        The cursor is a transaction id. Every central row carries `change_txid`, the id of the transaction that
        last wrote it (set by a trigger). A plain "greater than the last id seen" cursor skips rows: transaction 105
        may commit before transaction 103, so a pull that saw 105 would never look at 103 again. Instead, in one
        REPEATABLE READ snapshot, the pull reads every row with `change_txid >= cursor` and then stores as the next
        cursor `pg_snapshot_xmin(pg_current_snapshot())`: the oldest transaction that was still running when the
        snapshot was taken. Every transaction below it had finished, so its rows were visible and have been read;
        everything from it on is read again next time. Rows may come down twice; applying is idempotent, so that
        costs a little bandwidth and nothing else.
        """
        with self.database.read() as session:
            cursor = int(repository.device_values(session).get(CURSOR_KEY, 0))
        report = PullReport()
        with connection.begin():
            connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
            next_cursor = int(
                connection.execute(text("SELECT (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint")).scalar_one()
            )
            changed = {
                table.name: list(connection.execute(select(table).where(table.c.change_txid >= cursor)).mappings())
                for table in (
                    central.companies,
                    central.sites,
                    central.employees,
                    central.face_templates,
                    central.punches,
                    central.corrections,
                    central.biometric_erasures,
                )
            }
            # This kiosk's own wraps of the company's key sets: few, read whole.
            wraps = list(
                connection.execute(
                    select(central.kiosk_key_wraps).where(
                        central.kiosk_key_wraps.c.kiosk_id == uuid.UUID(self.profile.kiosk_id)
                    )
                ).mappings()
            )
            # Departments and their rule sets are few; read them whole when either changed.
            rule_changes = (
                connection.execute(
                    select(func.count()).select_from(central.rule_sets).where(central.rule_sets.c.change_txid >= cursor)
                ).scalar_one()
                + connection.execute(
                    select(func.count())
                    .select_from(central.departments)
                    .where(central.departments.c.change_txid >= cursor)
                ).scalar_one()
            )
            rules = central.rule_sets.c
            departments = list(
                connection.execute(
                    select(
                        central.departments.c.id,
                        central.departments.c.company_id,
                        central.departments.c.name,
                        central.departments.c.code,
                        rules.undertime,
                        rules.shift_start,
                        rules.grace_minutes,
                        rules.half_day_after,
                        rules.half_day_hours,
                        rules.regular_hours,
                    ).join(central.rule_sets, rules.department_id == central.departments.c.id)
                ).mappings()
            )
            incidents = self._changed_incidents(connection, cursor)
        now = datetime.now(UTC)
        names = {row["id"]: row["name"] for row in departments}
        with self.database.write() as session:
            for row in changed["companies"]:
                repository.put_company(
                    session,
                    CompanyRecord(
                        row["id"],
                        row["name"],
                        row["missed_clockout_enabled"],
                        row["block_reports_on_pending"],
                        timedelta(minutes=row["open_session_limit_minutes"]),
                        row["pin_punching_allowed"],
                        row["kiosk_may_deactivate"],
                    ),
                    now,
                )
            for row in changed["sites"]:
                repository.put_site(
                    session, SiteRecord(row["id"], row["company_id"], row["name"], row["timezone"], row["code"]), now
                )
            if rule_changes:
                for row in departments:
                    repository.put_department(
                        session, row["company_id"], department_rules_from_row(row, row["name"]), now, code=row["code"]
                    )
            report.key_versions = self._apply_key_wraps(session, wraps, now)
            inactive = self._apply_employees(session, changed["employees"], names, now, report)
            self._apply_templates(session, changed["face_templates"], inactive, report)
            self._apply_erasures(session, changed["biometric_erasures"], report)
            held = _existing_ids(session, PunchRow, [str(row["id"]) for row in changed["punches"]])
            for row in changed["punches"]:
                if str(row["id"]) in held:
                    continue
                repository.add_punch(
                    session,
                    punch_from_row(row),
                    company_id=row["company_id"],
                    site_id=row["site_id"],
                    recorded_at=row["recorded_at"],
                    sync_state=SyncState.REMOTE,
                )
                report.punches += 1
            for row in changed["corrections"]:
                if session.get(CorrectionRow, str(row["id"])) is None:
                    repository.add_correction(
                        session, correction_from_row(row), company_id=row["company_id"], sync_state=SyncState.REMOTE
                    )
            for incident in incidents:
                report.resolutions += self._apply_incident(session, incident, now)
            repository.put_device_values(session, {CURSOR_KEY: next_cursor}, now)
        report.cursor = next_cursor
        log.info("pulled up to %d: %s", next_cursor, report)
        return report

    def _apply_employees(
        self, session: Session, rows: Sequence[Any], names: dict[Any, Any], now: datetime, report: PullReport
    ) -> set[str]:
        """Store the pulled employees (this kiosk's changes still on their way up stay on top) and drop the face
        templates of those no longer active; returns their ids."""
        inactive: set[str] = set()
        for row in rows:
            repository.put_employee(
                session,
                EmployeeRecord(
                    row["id"],
                    row["company_id"],
                    row["first_name"],
                    row["last_name"],
                    names.get(row["department_id"]),
                    row["daily_rate"],
                    row["active"],
                    row["pin_hash"],
                    row["number"],
                ),
                now,
            )
            if not row["active"]:
                inactive.add(row["id"])
            report.employees += 1
        if rows:
            roster_store.reapply_pending_roster_changes(session)
        if inactive:
            removed = session.execute(delete(FaceTemplate).where(FaceTemplate.employee_id.in_(inactive)))
            report.templates_removed += int(removed.rowcount)  # type: ignore[attr-defined]
            # Consent ends with the job as well: an employee taken back on consents (and enrols) again.
            session.execute(
                update(BiometricConsent)
                .where(BiometricConsent.employee_id.in_(inactive), BiometricConsent.withdrawn_at.is_(None))
                .values(withdrawn_at=now)
            )
        return inactive

    def _apply_key_wraps(self, session: Session, rows: Sequence[Any], now: datetime) -> int:
        """Keep every version of the company's key set wrapped for this kiosk; returns how many were new."""
        new = 0
        for row in rows:
            key = (row["company_id"], row["version"])
            held = session.get(CompanyKeyWrap, key)
            if held is None:
                new += 1
                session.add(
                    CompanyKeyWrap(
                        company_id=row["company_id"], version=row["version"], wrapped=row["wrapped"], received_at=now
                    )
                )
            elif held.wrapped != row["wrapped"]:  # wrapped again for a new key pair of this kiosk
                held.wrapped = row["wrapped"]
                held.received_at = now
        return new

    def _apply_erasures(self, session: Session, rows: Sequence[Any], report: PullReport) -> None:
        """Face data forgotten anywhere: delete the employee's templates made up to then and withdraw the consents
        given up to then (a consent and an enrolment made after the erasure stand)."""
        for row in rows:
            key = str(row["id"])
            if session.get(BiometricErasure, key) is not None:
                continue  # made here, or pulled before
            session.add(
                BiometricErasure(
                    id=key,
                    employee_id=row["employee_id"],
                    made_at=row["made_at"],
                    made_by=row["made_by"],
                    sync_state=SyncState.REMOTE,
                )
            )
            removed = session.execute(
                delete(FaceTemplate).where(
                    FaceTemplate.employee_id == row["employee_id"], FaceTemplate.created_at <= row["made_at"]
                )
            )
            report.templates_removed += int(removed.rowcount)  # type: ignore[attr-defined]
            session.execute(
                update(BiometricConsent)
                .where(
                    BiometricConsent.employee_id == row["employee_id"],
                    BiometricConsent.withdrawn_at.is_(None),
                    BiometricConsent.consented_at <= row["made_at"],
                )
                .values(withdrawn_at=row["made_at"])
            )
            report.erasures += 1

    def _changed_incidents(self, connection: Connection, cursor: int) -> list[MissedClockoutIncident]:
        i, c, r = central.missed_clockout_incidents, central.missed_clockout_claims, central.incident_resolutions
        touched = union(
            select(i.c.id.label("id")).where(i.c.change_txid >= cursor),
            select(c.c.incident_id).where(c.c.change_txid >= cursor),
            select(r.c.incident_id).where(r.c.change_txid >= cursor),
        ).subquery()
        ids = list(connection.execute(select(touched.c.id)).scalars())
        if not ids:
            return []
        bases = {row["id"]: row for row in connection.execute(select(i).where(i.c.id.in_(ids))).mappings()}
        claims = {
            row["incident_id"]: row for row in connection.execute(select(c).where(c.c.incident_id.in_(ids))).mappings()
        }
        resolutions = {
            row["incident_id"]: row for row in connection.execute(select(r).where(r.c.incident_id.in_(ids))).mappings()
        }
        return [incident_from_rows(bases[key], claims.get(key), resolutions.get(key)) for key in ids if key in bases]

    def _apply_templates(self, session: Session, rows: Sequence[Any], inactive: set[str], report: PullReport) -> None:
        for row in rows:
            key = str(row["id"])
            existing = session.get(FaceTemplate, key)
            if row["revoked_at"] is not None or row["employee_id"] in inactive:
                if existing is not None:
                    session.delete(existing)
                    report.templates_removed += 1
                continue
            if existing is None:
                session.add(
                    FaceTemplate(
                        id=key,
                        employee_id=row["employee_id"],
                        sealed=row["sealed"],
                        pose=row["pose"],
                        created_at=row["created_at"],
                        sync_state=SyncState.REMOTE,
                    )
                )
                report.templates_added += 1

    def _apply_incident(self, session: Session, incident: MissedClockoutIncident, now: datetime) -> int:
        """Take the central state of an incident when it is further along than ours; a resolution closes the
        session with the admin's time (its correction). Returns 1 when a resolution was applied."""
        local = repository.get_incident(session, incident.id)
        resolved = incident.status in RESOLVED
        if local is None:
            repository.put_incident(session, incident, now, sync_state=SyncState.REMOTE)
        elif local == incident or local.status in RESOLVED or _rank(local.status) >= _rank(incident.status):
            # Nothing new, or this kiosk knows as much or more (a claim or a resolution on its way up; a
            # resolution that differs from head office's is reported by the push as a conflict).
            return 0
        else:
            unsent_claim = local.employee_claimed_at is not None and incident.employee_claimed_at is None
            repository.put_incident(
                session, incident, now, sync_state=SyncState.PENDING if unsent_claim else SyncState.SENT
            )
        if not resolved:
            return 0
        correction = incident.resolution_correction()
        if session.get(CorrectionRow, str(correction.id)) is None:
            repository.add_correction(session, correction, company_id=incident.company_id, sync_state=SyncState.REMOTE)
        return 1


RESOLVED = (IncidentStatus.APPROVED, IncidentStatus.REJECTED)
_ID_CHUNK = 500


def _existing_ids(session: Session, row_class: type[Any], ids: Sequence[str]) -> set[str]:
    """Which of `ids` the local table holds already (asked in chunks: SQLite limits bound parameters)."""
    held: set[str] = set()
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start : start + _ID_CHUNK]
        held.update(session.scalars(select(row_class.id).where(row_class.id.in_(chunk))))
    return held


def _rank(status: IncidentStatus) -> int:
    return {
        IncidentStatus.PENDING: 0,
        IncidentStatus.EMPLOYEE_CLAIMED: 1,
        IncidentStatus.APPROVED: 2,
        IncidentStatus.REJECTED: 2,
    }[status]
