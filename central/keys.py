"""Company key sets at head office: made here, wrapped for each kiosk alone, rotated, never stored in the clear.

Head office has one X25519 key pair of its own, in a file on the head-office machine (`HeadOfficeKey`; made by
`python -m central init` or `head-office-key`, readable by its owner only, never in the database). Every version of a
company's key set (`wire.keys.CompanyKeySet`: the face-template key and the PIN pepper) is kept in the central
database wrapped for that key pair, and for each kiosk of the company wrapped for the kiosk's public key. So the
database holds no key that opens a template or a PIN hash: whoever reads it all still needs head office's key file
or a kiosk's secret store.

Registering a kiosk (`central.kiosks.add_kiosk`) makes the company's first key set when it has none, makes a key
pair for the kiosk, wraps the set for it and hands the private half over in the one-time token; the kiosk replaces
that pair with its own at provisioning. Rotating (`rotate_company_key`) makes a new template key, re-seals every
live template of the company under it (new rows; the old ones are revoked), and wraps the new version for head
office and every kiosk, in one transaction: no enrolment is lost and every kiosk keeps recognising.
"""

from __future__ import annotations

import logging
import os
import stat
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_config_dir
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from kiosk.domain.errors import EnvironmentProblem, RuleViolation
from kiosk.domain.roster import parse_code
from wire.keys import HEAD_OFFICE, CompanyKeySet, KeyPair, KeyUnwrapError, unwrap, wrap
from wire.schema import audit_log, biometric_erasures, companies, company_keys, face_templates, kiosk_key_wraps, kiosks
from wire.templates import TemplateIntegrityError, TemplateSealer, key_version_of

log = logging.getLogger(__name__)

KEY_FILE_ENV = "TIMECLOCK_HEAD_OFFICE_KEY"
_FILE_HEADER = "timeclock head-office key 1"


def default_key_file() -> Path:
    """Where head office's key file is: $TIMECLOCK_HEAD_OFFICE_KEY, or the user's configuration folder."""
    given = os.environ.get(KEY_FILE_ENV)
    if given:
        return Path(given)
    return Path(user_config_dir("timeclock-central", appauthor=False)) / "head-office.key"


@dataclass(frozen=True, slots=True)
class HeadOfficeKey:
    """Head office's own key pair, which opens every company's key sets as the central database keeps them."""

    pair: KeyPair

    @classmethod
    def load(cls, path: Path) -> HeadOfficeKey:
        """Read the key file; a missing, damaged or too open file is a clear error.

        Raises:
            RuleViolation: `no_head_office_key`, `head_office_key_damaged` or `head_office_key_open`.
        """
        try:
            text = path.read_text()
            mode = path.stat().st_mode
        except FileNotFoundError as error:
            raise RuleViolation(
                "no_head_office_key",
                f"there is no head-office key at {path}: make it with `python -m central head-office-key` "
                f"(or point --head-office-key or ${KEY_FILE_ENV} at it)",
            ) from error
        except OSError as error:
            raise RuleViolation("head_office_key_damaged", f"cannot read {path}: {error.strerror}") from error
        except UnicodeDecodeError as error:
            raise RuleViolation("head_office_key_damaged", f"{path} is not a head-office key file") from error
        # Windows keeps no such mode bits (a file there is guarded by its folder's access list).
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise RuleViolation("head_office_key_open", f"{path} may be read by other users; run: chmod 600 {path}")
        lines = text.splitlines()
        try:
            if len(lines) < 2 or lines[0] != _FILE_HEADER:
                raise RuleViolation("head_office_key_damaged", "no header")
            return cls(KeyPair.from_hex(lines[1].strip()))
        except RuleViolation as error:
            raise RuleViolation("head_office_key_damaged", f"{path} is not a head-office key file") from error

    @classmethod
    def create(cls, path: Path) -> HeadOfficeKey:
        """Make a new key file, readable by its owner only; an existing file is never replaced.

        Raises:
            RuleViolation: `head_office_key_exists` when the file is there already.
        """
        return cls(KeyPair.generate()).write(path)

    def write(self, path: Path) -> HeadOfficeKey:
        """Write this key to a new file readable by its owner only; an existing file is never replaced.

        Raises:
            RuleViolation: `head_office_key_exists` when the file is there already.
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise EnvironmentProblem(f"cannot write the head-office key {path}: {error.strerror}") from error
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as error:
            raise RuleViolation(
                "head_office_key_exists",
                f"{path} exists already; it is never replaced (the company keys it opens would be lost)",
            ) from error
        except OSError as error:
            raise EnvironmentProblem(f"cannot write the head-office key {path}: {error.strerror}") from error
        with os.fdopen(descriptor, "w") as file:
            file.write(f"{_FILE_HEADER}\n{self.pair.private.hex()}\n")
        log.info("wrote the head-office key %s", path)
        return self

    @classmethod
    def load_or_create(cls, path: Path) -> tuple[HeadOfficeKey, bool]:
        """The key in `path`, made first when there is none; the flag says whether it was made now."""
        if path.exists():
            return cls.load(path), False
        return cls.create(path), True


def _key_sets(connection: Connection, company_id: str, head_office: HeadOfficeKey) -> dict[int, CompanyKeySet]:
    """Every version of the company's key set, opened with head office's key."""
    rows = connection.execute(
        select(company_keys.c.version, company_keys.c.wrapped, company_keys.c.head_office_public_key).where(
            company_keys.c.company_id == company_id
        )
    ).all()
    opened: dict[int, CompanyKeySet] = {}
    for version, wrapped, public in rows:
        if bytes(public) != head_office.pair.public:
            raise RuleViolation(
                "wrong_head_office_key",
                f"the keys of company {company_id!r} were made with another head-office key than this one; "
                "use the key file they were made with",
            )
        try:
            opened[version] = unwrap(
                bytes(wrapped), head_office.pair, company_id=company_id, version=version, recipient=HEAD_OFFICE
            )
        except KeyUnwrapError as error:
            raise RuleViolation("wrong_head_office_key", str(error)) from error
    return opened


def current_key_set(connection: Connection, company_id: str, head_office: HeadOfficeKey) -> CompanyKeySet:
    """The company's newest key set, made now (and stored, wrapped for head office) when it has none."""
    sets = _key_sets(connection, company_id, head_office)
    if sets:
        return sets[max(sets)]
    made = CompanyKeySet.new(company_id)
    connection.execute(
        insert(company_keys).values(
            company_id=company_id,
            version=made.version,
            head_office_public_key=head_office.pair.public,
            wrapped=wrap(made, head_office.pair.public, HEAD_OFFICE),
        )
    )
    log.info("made the key set of company %s", company_id)
    return made


def wrap_for_kiosk(connection: Connection, keys: CompanyKeySet, kiosk_id: uuid.UUID, public_key: bytes) -> None:
    """Store `keys` wrapped for one kiosk's public key."""
    connection.execute(
        insert(kiosk_key_wraps).values(
            kiosk_id=kiosk_id,
            version=keys.version,
            company_id=keys.company_id,
            wrapped=wrap(keys, public_key, str(kiosk_id)),
        )
    )


@dataclass(frozen=True, slots=True)
class Rotation:
    """What a rotation did."""

    company_id: str
    version: int
    templates: int
    kiosks: int
    unreadable: int


def rotate_company_key(engine: Engine, company_id: str, head_office: HeadOfficeKey, *, by: str) -> Rotation:
    """Replace the company's template key: every live template re-sealed under a new version, wrapped for head
    office and every kiosk of the company, in one transaction.

    A template that does not open (sealed under a key head office never made) is left as it is and counted.

    Raises:
        RuleViolation: unknown company, no key set yet, or the wrong head-office key.
    """
    company_id = parse_code(company_id, "company code")
    if not by.strip():
        raise RuleViolation("rotated_by_missing", "say who rotates the key (--by)")
    now = datetime.now(UTC)
    with engine.begin() as connection:
        if connection.execute(select(companies.c.id).where(companies.c.id == company_id)).first() is None:
            raise RuleViolation("unknown_company", f"no company {company_id!r} in the central database")
        sets = _key_sets(connection, company_id, head_office)
        if not sets:
            raise RuleViolation(
                "no_company_key", f"company {company_id!r} has no key yet: it is made when its first kiosk is added"
            )
        current = sets[max(sets)]
        new = current.rotated()
        connection.execute(
            insert(company_keys).values(
                company_id=company_id,
                version=new.version,
                head_office_public_key=head_office.pair.public,
                wrapped=wrap(new, head_office.pair.public, HEAD_OFFICE),
            )
        )
        connection.execute(
            update(company_keys)
            .where(company_keys.c.company_id == company_id, company_keys.c.version < new.version)
            .where(company_keys.c.retired_at.is_(None))
            .values(retired_at=func.now())
        )
        opener = TemplateSealer(None, company_id, {v: s.template_key for v, s in sets.items()})
        sealer = TemplateSealer(None, company_id, {new.version: new.template_key})
        live = connection.execute(
            select(face_templates).where(
                face_templates.c.company_id == company_id, face_templates.c.revoked_at.is_(None)
            )
        ).mappings()
        resealed = unreadable = 0
        for row in list(live):
            try:
                plain = opener.open(bytes(row["sealed"]), row["employee_id"])
            except TemplateIntegrityError as error:
                log.error(
                    "template %s (key version %s) left as it is: %s", row["id"], key_version_of(row["sealed"]), error
                )
                unreadable += 1
                continue
            connection.execute(
                insert(face_templates).values(
                    id=uuid.uuid4(),
                    company_id=company_id,
                    employee_id=row["employee_id"],
                    sealed=sealer.seal(plain, row["employee_id"]),
                    pose=row["pose"],
                    kiosk_id=None,
                    created_at=row["created_at"],
                )
            )
            connection.execute(
                update(face_templates).where(face_templates.c.id == row["id"]).values(sealed=None, revoked_at=now)
            )
            resealed += 1
        holders = connection.execute(
            select(kiosks.c.id, kiosks.c.public_key).where(
                kiosks.c.company_id == company_id, kiosks.c.public_key.is_not(None)
            )
        ).all()
        for kiosk_id, public_key in holders:
            wrap_for_kiosk(connection, new, kiosk_id, bytes(public_key))
        # Kiosks keep the versions they hold (a template enrolled offline under the old key still opens there and
        # is sealed again before it goes up); the centre keeps no copy of old versions for them.
        connection.execute(
            delete(kiosk_key_wraps).where(
                kiosk_key_wraps.c.company_id == company_id, kiosk_key_wraps.c.version < new.version
            )
        )
        connection.execute(
            insert(audit_log).values(
                id=uuid.uuid4(),
                company_id=company_id,
                at=now,
                actor=by.strip(),
                action="company.key_rotated",
                subject=company_id,
                detail={
                    "version": new.version,
                    "templates": resealed,
                    "kiosks": len(holders),
                    "unreadable": unreadable,
                },
            )
        )
    log.info(
        "rotated the key of %s to version %d: %d templates, %d kiosks", company_id, new.version, resealed, len(holders)
    )
    return Rotation(company_id, new.version, resealed, len(holders), unreadable)


def forget_faces(engine: Engine, company_id: str, employee_id: str, *, by: str) -> int:
    """Record at head office that the employee's face data is forgotten: every template is revoked now, and every
    kiosk deletes its copies and withdraws the consent it holds at its next sync. Returns the templates revoked."""
    if not by.strip():
        raise RuleViolation("deleted_by_missing", "say who deletes the biometric data (--by)")
    with engine.begin() as connection:
        return record_erasure(connection, company_id, employee_id, by=by.strip())


def record_erasure(connection: Connection, company_id: str, employee_id: str, *, by: str) -> int:
    """Insert the erasure fact (its trigger revokes the templates); returns how many templates it revoked."""
    live = (
        select(func.count())
        .select_from(face_templates)
        .where(face_templates.c.employee_id == employee_id, face_templates.c.revoked_at.is_(None))
    )
    before = int(connection.execute(live).scalar_one())
    connection.execute(
        insert(biometric_erasures).values(
            id=uuid.uuid4(), company_id=company_id, employee_id=employee_id, made_at=func.now(), made_by=by
        )
    )
    return before - int(connection.execute(live).scalar_one())
