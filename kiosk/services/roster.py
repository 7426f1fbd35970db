"""The roster as a site supervisor keeps it from the kiosk: employees, departments with their rule sets, and the
employees' PINs for punching without the camera.

Who owns the roster depends on the kiosk. A standalone kiosk owns it: everything here changes it. Once provisioned,
head office owns it: employees and departments are edited there, and a supervisor at the kiosk may only set or
remove a PIN and, where the company allows, deactivate an employee. Those changes take effect here at once and go
up to head office as changes of their own, which head office applies and hands back to every kiosk.

Every change is validated before anything is written (a bad value raises a RuleViolation and changes nothing) and
goes into the audit log in the same transaction. Employee PINs are hashed like the supervisor PIN (scrypt, salt,
the pepper in the secret store); wrong PINs lock that employee's PIN entry with the supervisor PIN's doubling rule, and
the lock is stored, so a restart does not reset it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from kiosk.domain.errors import RuleViolation
from kiosk.domain.pay import DepartmentRules
from kiosk.domain.roster import parse_code, parse_daily_rate, parse_person_name
from kiosk.services.company_keys import CompanyKeys
from kiosk.services.kiosk_setup import lock_after
from kiosk.services.pins import EMPLOYEE_PIN_DIGITS, check_pin_format, hash_pin, pepper_reference, verify_pin
from kiosk.services.timeclock import TimeClock
from kiosk.store import repository
from kiosk.store import roster as roster_store
from kiosk.store.database import Database
from kiosk.store.device_settings import load_device_settings
from kiosk.store.repository import EmployeeRecord
from kiosk.store.roster import DepartmentRecord, PinLockout
from kiosk.store.secrets import SecretStore

log = logging.getLogger(__name__)

DEPARTMENT_NAME_MAX = 200


@dataclass(frozen=True, slots=True)
class PinIdentification:
    """The answer to a PIN typed at the kiosk.

    `accepted` with the `employee` on success; otherwise `failures` wrong PINs in a row so far and how long the
    employee's PIN entry stays locked (zero while attempts remain).
    """

    accepted: bool
    employee: EmployeeRecord | None = None
    locked_for: timedelta = timedelta(0)
    failures: int = 0


def _department_name(value: str) -> str:
    cleaned = " ".join(str(value).split())
    if not cleaned:
        raise RuleViolation("department_name_missing", "a department needs a name")
    if len(cleaned) > DEPARTMENT_NAME_MAX:
        raise RuleViolation(
            "department_name_too_long", f"a department name is at most {DEPARTMENT_NAME_MAX} characters"
        )
    return cleaned


class Roster:
    """Employees, departments and employee PINs of this kiosk's company."""

    def __init__(self, database: Database, time_clock: TimeClock, secrets: SecretStore) -> None:
        self._keys = CompanyKeys(database, secrets)
        self._db = database
        self._clock = time_clock
        self._secrets = secrets

    @property
    def company_id(self) -> str:
        return self._clock.company_id

    def owned_here(self) -> bool:
        """Whether this kiosk keeps its own roster (True) or head office does (False, once provisioned)."""
        with self._db.read() as session:
            return not load_device_settings(session).roster_from_head_office

    def _require_owned_here(self, session: Session) -> None:
        if load_device_settings(session).roster_from_head_office:
            raise RuleViolation(
                "managed_by_head_office",
                "head office manages the employees and departments of this kiosk; ask them to make this change",
            )

    # --- departments ----------------------------------------------------------------------------------------------

    def departments(self) -> list[DepartmentRecord]:
        """Every department of the company by name, switched off ones included (their rules still pay past days)."""
        with self._db.read() as session:
            return roster_store.department_records(session, self.company_id)

    def save_department(self, rules: DepartmentRules, *, changed_by: str) -> DepartmentRecord:
        """Add a department, or replace the rule set of the one with this name.

        Raises:
            RuleViolation: a bad name (the rule set's own checks ran when `rules` was made).
        """
        if not isinstance(rules, DepartmentRules):
            raise RuleViolation("rule_invalid", "a department needs a DepartmentRules rule set")
        name = _department_name(rules.name)
        now = self._clock.now()
        with self._db.write() as session:
            self._require_owned_here(session)
            self._clock.company(session)
            existed = roster_store.department_record(session, self.company_id, name) is not None
            repository.put_department(session, self.company_id, replace(rules, name=name), now)
            repository.audit(
                session,
                at=now,
                actor=changed_by,
                action="department.updated" if existed else "department.added",
                subject=name,
                undertime=rules.undertime,
                shift_start=rules.shift_start.strftime("%H:%M"),
                grace_minutes=rules.grace_minutes,
                half_day_after=rules.half_day_after.strftime("%H:%M"),
                half_day_hours=rules.half_day_hours,
                regular_hours=rules.regular_hours,
            )
            return self._department(session, name)

    def rename_department(self, old_name: str, new_name: str, *, changed_by: str) -> DepartmentRecord:
        """Give a department a new name; its employees and rule set go with it.

        Raises:
            RuleViolation: `unknown_department`, `department_exists`, or a bad new name.
        """
        new_name = _department_name(new_name)
        now = self._clock.now()
        with self._db.write() as session:
            self._require_owned_here(session)
            roster_store.rename_department(session, self.company_id, old_name, new_name, now)
            repository.audit(
                session, at=now, actor=changed_by, action="department.renamed", subject=new_name, old_name=old_name
            )
            return self._department(session, new_name)

    def set_department_active(self, name: str, active: bool, *, changed_by: str) -> DepartmentRecord:
        """Switch a department on or off. Off, no employee can be put in it; its rule set still applies to the days
        already worked. A department with active employees cannot be switched off.

        Raises:
            RuleViolation: `unknown_department`, or `department_in_use` naming how many active employees it has.
        """
        if not isinstance(active, bool):
            raise RuleViolation("setting_invalid", "a department is switched on (true) or off (false)")
        now = self._clock.now()
        with self._db.write() as session:
            self._require_owned_here(session)
            record = self._department(session, name)
            if not active and record.active_employees:
                raise RuleViolation(
                    "department_in_use",
                    f"{record.name} still has {record.active_employees} active employee(s); move them to another "
                    "department or deactivate them first",
                )
            roster_store.set_department_active(session, self.company_id, record.name, active, now)
            action = "department.activated" if active else "department.deactivated"
            repository.audit(session, at=now, actor=changed_by, action=action, subject=record.name)
            return self._department(session, record.name)

    def _department(self, session: Session, name: str) -> DepartmentRecord:
        record = roster_store.department_record(session, self.company_id, name)
        if record is None:
            raise RuleViolation("unknown_department", f"there is no department named {name!r}")
        return record

    def _require_open_department(self, session: Session, name: str | None) -> str | None:
        if name is None or not name.strip():
            return None
        record = self._department(session, " ".join(name.split()))
        if not record.active:
            raise RuleViolation("department_inactive", f"the department {record.name} is switched off")
        return record.name

    # --- employees ------------------------------------------------------------------------------------------------

    def employees(self, *, active_only: bool = False) -> list[EmployeeRecord]:
        """The company's employees by last and first name."""
        with self._db.read() as session:
            return repository.employees(session, self.company_id, active_only=active_only)

    def employee(self, employee_id: str) -> EmployeeRecord:
        """One employee of the company, active or not.

        Raises:
            RuleViolation: `unknown_employee`.
        """
        with self._db.read() as session:
            return self._employee(session, employee_id)

    def _employee(self, session: Session, employee_id: str) -> EmployeeRecord:
        employee = repository.get_employee(session, str(employee_id))
        if employee is None or employee.company_id != self.company_id:
            raise RuleViolation("unknown_employee", f"there is no employee {employee_id!r}")
        return employee

    def employee_by_number(self, number: str) -> EmployeeRecord:
        """The company's employee with this employee number, active or not.

        Raises:
            RuleViolation: `employee_number_invalid`, or `unknown_employee` naming the number.
        """
        number = parse_code(number, "employee number")
        with self._db.read() as session:
            found = repository.employee_by_number(session, self.company_id, number)
        if found is None:
            raise RuleViolation("unknown_employee", f"there is no employee with the number {number!r}")
        return found

    def add_employee(
        self,
        *,
        number: str,
        first_name: str,
        last_name: str,
        department: str | None,
        daily_rate: Decimal | int | str,
        changed_by: str,
        pin: str | None = None,
    ) -> EmployeeRecord:
        """Add an active employee under their employee number (unique in the company), with a PIN when given.

        Raises:
            RuleViolation: a bad or taken employee number, a missing or over-long name, an unknown or switched-off
                department, a bad daily rate, a PIN of the wrong form.
        """
        number = parse_code(number, "employee number")
        first, last = parse_person_name(first_name, "first name"), parse_person_name(last_name, "last name")
        rate = parse_daily_rate(daily_rate)
        pin_hash = None
        if pin is not None and pin != "":
            check_pin_format(pin, EMPLOYEE_PIN_DIGITS, "employee PIN")
            pepper = self._keys.pepper_for_new_pins()
            pin_hash = hash_pin(pin, pepper.value, EMPLOYEE_PIN_DIGITS, reference=pepper.reference)
        now = self._clock.now()
        with self._db.write() as session:
            self._require_owned_here(session)
            self._clock.company(session)
            self._require_free_number(session, number)
            department_name = self._require_open_department(session, department)
            employee_id = uuid.uuid4().hex
            record = EmployeeRecord(
                employee_id, self.company_id, first, last, department_name, rate, True, pin_hash, number
            )
            repository.put_employee(session, record, now)
            repository.audit(
                session,
                at=now,
                actor=changed_by,
                action="employee.added",
                subject=employee_id,
                number=number,
                name=record.full_name,
                department=department_name,
                daily_rate=rate,
                pin_set=pin_hash is not None,
            )
        log.info("employee %s (%s) added by %s", number, employee_id, changed_by)
        return record

    def _require_free_number(self, session: Session, number: str, keeping: str | None = None) -> None:
        holder = repository.employee_by_number(session, self.company_id, number)
        if holder is not None and holder.id != keeping:
            raise RuleViolation(
                "employee_number_taken", f"the employee number {number!r} is already {holder.full_name}'s"
            )

    def update_employee(
        self,
        employee_id: str,
        *,
        first_name: str,
        last_name: str,
        department: str | None,
        daily_rate: Decimal | int | str,
        changed_by: str,
        number: str | None = None,
    ) -> EmployeeRecord:
        """Replace an employee's name, department and daily rate (the edit form sends them all), and their employee
        number when given. The internal id stays, so their punches, faces and incidents stay theirs.

        Raises:
            RuleViolation: `unknown_employee`, or a bad value as for `add_employee`. An employee may stay in a
                department that was switched off, but not be moved into one.
        """
        wanted_number = None if number is None else parse_code(number, "employee number")
        first, last = parse_person_name(first_name, "first name"), parse_person_name(last_name, "last name")
        rate = parse_daily_rate(daily_rate)
        now = self._clock.now()
        with self._db.write() as session:
            self._require_owned_here(session)
            current = self._employee(session, employee_id)
            new_number = current.number if wanted_number is None else wanted_number
            self._require_free_number(session, new_number, keeping=current.id)
            wanted = " ".join(department.split()) if department and department.strip() else None
            department_name = (
                current.department if wanted == current.department else self._require_open_department(session, wanted)
            )
            record = replace(
                current,
                number=new_number,
                first_name=first,
                last_name=last,
                department=department_name,
                daily_rate=rate,
            )
            repository.put_employee(session, record, now)
            changes = {
                key: (old, new)
                for key, old, new in (
                    ("number", current.number, new_number),
                    ("first_name", current.first_name, first),
                    ("last_name", current.last_name, last),
                    ("department", current.department, department_name),
                    ("daily_rate", current.daily_rate, rate),
                )
                if old != new
            }
            repository.audit(
                session, at=now, actor=changed_by, action="employee.updated", subject=current.id, changes=changes
            )
        return record

    def set_employee_active(self, employee_id: str, active: bool, *, changed_by: str) -> EmployeeRecord:
        """Deactivate an employee (they can no longer punch, and their face templates are deleted at once, as sync
        does on every kiosk) or activate them again (they need a new enrolment to punch by face).

        Raises:
            RuleViolation: `unknown_employee`, or `department_inactive` when reactivating into a switched-off
                department.
        """
        if not isinstance(active, bool):
            raise RuleViolation("setting_invalid", "an employee is active (true) or not (false)")
        now = self._clock.now()
        with self._db.write() as session:
            from_head_office = load_device_settings(session).roster_from_head_office
            if from_head_office and (active or not self._clock.company(session).kiosk_may_deactivate):
                raise RuleViolation(
                    "managed_by_head_office",
                    "only head office deactivates or reactivates employees of this company; ask them"
                    if not active
                    else "only head office reactivates employees of this company; ask them",
                )
            current = self._employee(session, employee_id)
            if active and current.department is not None:
                self._require_open_department(session, current.department)
            record = replace(current, active=active)
            repository.put_employee(session, record, now)
            removed = 0 if active else repository.delete_face_templates(session, current.id)
            if from_head_office:
                roster_store.add_roster_change(
                    session, employee_id=current.id, kind="deactivated", pin_hash=None, made_at=now, made_by=changed_by
                )
            action = "employee.activated" if active else "employee.deactivated"
            repository.audit(
                session, at=now, actor=changed_by, action=action, subject=current.id, face_templates_deleted=removed
            )
        log.info("employee %s %s by %s", employee_id, "activated" if active else "deactivated", changed_by)
        return record

    # --- PINs -----------------------------------------------------------------------------------------------------

    def set_pin(self, employee_id: str, pin: str, *, changed_by: str) -> None:
        """Give an employee a PIN of 4 to 8 digits (stored hashed); any lock from wrong PINs is lifted.

        Raises:
            RuleViolation: `pin_format`, `unknown_employee`; EnvironmentProblem when the secret store cannot be used.
        """
        check_pin_format(pin, EMPLOYEE_PIN_DIGITS, "employee PIN")
        pepper = self._keys.pepper_for_new_pins()
        pin_hash = hash_pin(pin, pepper.value, EMPLOYEE_PIN_DIGITS, reference=pepper.reference)
        self._store_pin(employee_id, pin_hash, changed_by, "employee_pin.set")

    def clear_pin(self, employee_id: str, *, changed_by: str) -> None:
        """Remove an employee's PIN: they can then punch by face only."""
        self._store_pin(employee_id, None, changed_by, "employee_pin.cleared")

    def _store_pin(self, employee_id: str, pin_hash: str | None, changed_by: str, action: str) -> None:
        now = self._clock.now()
        with self._db.write() as session:
            current = self._employee(session, employee_id)
            self._write_pin(session, current, pin_hash, changed_by=changed_by, action=action, now=now)
            roster_store.put_pin_lockout(session, current.id, PinLockout(), now)

    @staticmethod
    def _write_pin(
        session: Session, current: EmployeeRecord, pin_hash: str | None, *, changed_by: str, action: str, now: datetime
    ) -> None:
        """Store the employee's PIN hash; at a provisioned kiosk it goes up to head office as a roster change."""
        repository.put_employee(session, replace(current, pin_hash=pin_hash), now)
        if load_device_settings(session).roster_from_head_office:
            roster_store.add_roster_change(
                session,
                employee_id=current.id,
                kind="pin_set" if pin_hash is not None else "pin_cleared",
                pin_hash=pin_hash,
                made_at=now,
                made_by=changed_by,
            )
        repository.audit(session, at=now, actor=changed_by, action=action, subject=current.id)

    def identify_by_pin(self, employee_id: str, pin: str) -> PinIdentification:
        """Identify an employee by their id and PIN, for punching without the camera.

        While the employee's PIN entry is locked nothing is checked. Record the punch afterwards with
        `TimeClock.record_punch(..., identified_by=IdentifiedBy.PIN)`.

        Raises:
            RuleViolation: `pin_punching_off` when the company does not allow PIN punching, `unknown_employee`,
                `inactive_employee`, or `no_pin` when the employee has none.
        """
        now = self._clock.now()
        with self._db.write() as session:
            if not self._clock.company(session).pin_punching_allowed:
                raise RuleViolation(
                    "pin_punching_off", "PIN punching is turned off for this company; please use the camera"
                )
            employee = self._clock.employee(session, str(employee_id))
            if employee.pin_hash is None:
                raise RuleViolation("no_pin", f"{employee.full_name} has no PIN; a supervisor can set one")
            lockout = roster_store.pin_lockout(session, employee.id)
            if lockout.locked_until is not None and now < lockout.locked_until:
                return PinIdentification(False, None, lockout.locked_until - now, lockout.failures)
            pepper = self._keys.pepper(pepper_reference(employee.pin_hash))
            if pepper is None:
                raise RuleViolation(
                    "pin_from_elsewhere",
                    f"{employee.full_name}'s PIN was set at a kiosk before it joined the company, and only that kiosk "
                    "can check it; type it there once, or ask a supervisor to set it again",
                )
            if verify_pin(str(pin), employee.pin_hash, pepper.value):
                if lockout.failures:
                    roster_store.put_pin_lockout(session, employee.id, PinLockout(), now)
                company = self._keys.pepper_for_new_pins()
                if company.reference != pepper.reference and load_device_settings(session).roster_from_head_office:
                    # Hashed with this kiosk's own pepper before it was provisioned: hashed again with the company's,
                    # now that the PIN is at hand, so it works at every kiosk of the company.
                    rehashed = hash_pin(str(pin), company.value, EMPLOYEE_PIN_DIGITS, reference=company.reference)
                    self._write_pin(
                        session, employee, rehashed, changed_by="PIN entry", action="employee_pin.rehashed", now=now
                    )
                return PinIdentification(True, employee)
            failures = lockout.failures + 1
            lock = lock_after(failures)
            locked_until: datetime | None = now + lock if lock else None
            roster_store.put_pin_lockout(session, employee.id, PinLockout(failures, locked_until), now)
            repository.audit(
                session,
                at=now,
                actor="unknown",
                action="employee_pin.failed",
                subject=employee.id,
                failures=failures,
                locked_for_seconds=int(lock.total_seconds()),
            )
        log.info("wrong PIN for employee %s (%d in a row)", employee.id, failures)
        return PinIdentification(False, None, lock, failures)
