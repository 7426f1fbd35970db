"""One set of faces and PINs per company: two kiosks of one company and one of another, each with its own data
folder, SQLite database and secret store, provisioned against the real central PostgreSQL; faces from real photos.

Enrol at A, recognised at B after its sync; a PIN set at A works at B; the company's key rotated, both keep
recognising; forget at B, gone at the centre and at A; the other company's kiosk holds none of it and could not
open it; the central database holds no key that opens anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from central.keys import HeadOfficeKey, forget_faces, rotate_company_key
from central.roster import deactivate_employee, upsert_company, upsert_department, upsert_employee, upsert_site
from kiosk import commands as kiosk_commands
from kiosk.domain.errors import RuleViolation
from kiosk.services.company_keys import CompanyKeys
from kiosk.services.enrolment import BiometricEnrolment
from kiosk.services.kiosk_setup import KioskSetup
from kiosk.services.local_kiosk import this_kiosks_time_clock
from kiosk.services.missed_clockouts import MissedClockouts
from kiosk.services.roster import Roster
from kiosk.services.supervision import SiteOverview
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.location import database_path
from kiosk.store.schema import BiometricConsent, FaceTemplate, SyncState
from kiosk.store.secrets import SecretStore
from kiosk.vision.encodings import FaceEncoder
from kiosk.vision.templates import TemplateIntegrityError
from sync.credentials import ProfileStore, adopt_identity, provision
from sync.kiosk_sync import KioskSync
from sync.scheduler import SyncScheduler
from tests.central_database import CentralDatabase
from tests.conftest import MemoryKeyring
from tests.support import ManualTimeSource
from wire.keys import KeyPair
from wire.provisioning import CentralProfile, encode_token
from wire.schema import biometric_erasures, company_keys, face_templates, kiosk_key_wraps
from wire.schema import kiosks as kiosks_table
from wire.templates import key_version_of

OBAMA = ["barack_obama/fr_obama.jpg", "barack_obama/fr_obama2.jpg", "barack_obama/fr_obama1_knn_test.jpg"]
OBAMA_PROBE = "barack_obama/fr_obama3.jpg"
JOLIE = ["deepface_id01_angelina_jolie/img1.jpg", "deepface_id01_angelina_jolie/img2.jpg"]
JOLIE_PROBE = "deepface_id01_angelina_jolie/img5.jpg"
# The kiosks' (anchored) clocks: now, as the central server's is.
NOW = datetime.now(UTC)


@dataclass
class Kiosk:
    """One provisioned kiosk: its data folder's database, its own secret store, its services and its sync."""

    database: Database
    secrets: SecretStore
    profile: CentralProfile
    sync: KioskSync
    enrolment: BiometricEnrolment
    roster: Roster

    def employee_id(self, number: str) -> str:
        with self.database.read() as session:
            found = repository.employee_by_number(session, self.profile.company_id, number)
        assert found is not None, number
        return found.id

    def run_sync(self) -> None:
        pushed, _ = self.sync.run_once()
        assert not pushed.rejected and not pushed.conflicts, pushed

    def identify(self, encoder: FaceEncoder, photo: Path) -> str | None:
        return self.enrolment.identify(encoder.sample_from_file(photo, pose=None).encoding).employee

    def templates(self) -> list[FaceTemplate]:
        with self.database.read() as session:
            return list(session.scalars(select(FaceTemplate)))

    def close(self) -> None:
        self.sync.close()
        self.database.close()


def provisioned_kiosk(folder: Path, central: CentralDatabase, company: str) -> Kiosk:
    """Register a kiosk at head office and provision it as IT does, with a secret store of its own."""
    folder.mkdir()
    secrets = SecretStore(MemoryKeyring())
    token = encode_token(central.add_kiosk(company, "main", folder.name))
    profile = provision(token, ProfileStore(secrets))
    database = Database(folder / "kiosk.db")
    adopt_identity(database, profile)
    sync = KioskSync(database, profile)
    sync.pull()
    time_source = ManualTimeSource(NOW)
    enrolment = BiometricEnrolment(database, secrets, time_source)
    sync.before_push = enrolment.seal_for_sync
    roster = Roster(database, this_kiosks_time_clock(database, time_source), secrets)
    return Kiosk(database, secrets, profile, sync, enrolment, roster)


@pytest.fixture(scope="module")
def kiosks(central: CentralDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Kiosk]]:
    """acme's kiosks A and B, and beta's kiosk C; both companies number employees E001.., with department `ops`
    and site `main`."""
    for company in ("acme", "beta"):
        upsert_company(central.engine, company, f"{company} Ltd", kiosk_may_deactivate=True)
        upsert_site(central.engine, company, "main", "Main gate", "Asia/Manila")
        upsert_department(central.engine, company, "ops", "Operations")
        for number, first in (("E001", "Barack"), ("E002", "Angelina"), ("E003", "Ana")):
            upsert_employee(central.engine, company, number, first, company, department="ops", daily_rate="800")
    root = tmp_path_factory.mktemp("kiosks")
    made = {
        "A": provisioned_kiosk(root / "A", central, "acme"),
        "B": provisioned_kiosk(root / "B", central, "acme"),
        "C": provisioned_kiosk(root / "C", central, "beta"),
    }
    yield made
    for kiosk in made.values():
        kiosk.close()


def test_each_kiosk_holds_its_own_company_with_head_office_codes(
    central: CentralDatabase, kiosks: dict[str, Kiosk]
) -> None:
    for name, company in (("A", "acme"), ("B", "acme"), ("C", "beta")):
        with kiosks[name].database.read() as session:
            assert [c.id for c in repository.companies(session)] == [company]
            assert sorted(e.number for e in repository.employees(session, company)) == ["E001", "E002", "E003"]
            assert repository.department_codes(session, company) == {"Operations": "ops"}
            site = repository.get_site(session, kiosks[name].profile.site_id)
        assert site is not None and site.code == "main"
        # The supervisor's employee screen shows the department with head office's code.
        time_clock = this_kiosks_time_clock(kiosks[name].database, ManualTimeSource(NOW))
        overview = SiteOverview(kiosks[name].database, time_clock, MissedClockouts(kiosks[name].database, time_clock))
        assert {row.department_code for row in overview.employee_list()} == {"ops"}
    assert kiosks["A"].employee_id("E001") != kiosks["C"].employee_id("E001")


def test_a_face_enrolled_at_a_is_recognised_at_b_and_nowhere_else(
    central: CentralDatabase, kiosks: dict[str, Kiosk], face_data: Path, encoder: FaceEncoder
) -> None:
    a, b, c = kiosks["A"], kiosks["B"], kiosks["C"]
    people = face_data / "people"
    barack = a.employee_id("E001")
    samples = a.enrolment.samples_from_files([people / name for name in OBAMA], encoder)
    a.enrolment.enrol(barack, samples, enrolled_by="Supervisor Lim", consent_recorded_by="Supervisor Lim")
    assert {key_version_of(t.sealed) for t in a.templates()} == {1}  # under the company's key, not A's own

    assert b.identify(encoder, people / OBAMA_PROBE) is None  # before B's sync
    a.run_sync()
    b.run_sync()
    assert b.identify(encoder, people / OBAMA_PROBE) == barack
    assert len(b.templates()) == 3

    # The other company's kiosk pulled none of it, and holding the rows it could not open them.
    c.run_sync()
    assert c.templates() == []
    with central.engine.connect() as admin:
        rows = admin.execute(select(face_templates).where(face_templates.c.company_id == "acme")).mappings().all()
    cipher = CompanyKeys(c.database, c.secrets).template_cipher()
    for row in rows:
        with pytest.raises(TemplateIntegrityError):
            cipher.open(bytes(row["sealed"]), row["employee_id"])
        with pytest.raises(TemplateIntegrityError):  # nor under its own employee with the same number
            cipher.open(bytes(row["sealed"]), c.employee_id("E001"))
    with c.database.write() as session:
        for row in rows:
            session.add(
                FaceTemplate(
                    id=str(row["id"]),
                    employee_id=c.employee_id("E001"),
                    sealed=bytes(row["sealed"]),
                    pose=row["pose"],
                    created_at=row["created_at"],
                    sync_state=SyncState.REMOTE,
                )
            )
    loaded = c.enrolment.load_gallery()
    assert len(loaded.unreadable) == len(rows) == 3
    assert c.identify(encoder, people / OBAMA_PROBE) is None
    with c.database.write() as session:
        for row in rows:
            session.delete(session.get(FaceTemplate, str(row["id"])))


def test_the_central_database_holds_no_key_that_opens_anything(
    central: CentralDatabase, kiosks: dict[str, Kiosk]
) -> None:
    secrets_held = []
    for kiosk in kiosks.values():
        for keys in CompanyKeys(kiosk.database, kiosk.secrets).key_sets():
            secrets_held += [keys.template_key, bytes.fromhex(keys.pin_pepper)]
        assert kiosk.profile.private_key is not None
        secrets_held.append(bytes.fromhex(kiosk.profile.private_key))
    secrets_held.append(central.head_office.pair.private)
    assert len(secrets_held) == 3 * 3 + 1
    with central.engine.connect() as admin:
        dumped = [
            bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
            for table in (company_keys, kiosk_key_wraps, kiosks_table, face_templates)
            for row in admin.execute(select(table)).all()
            for value in row
            if value is not None
        ]
        everything = admin.execute(text("SELECT string_agg(detail::text, ' ') FROM audit_log")).scalar_one()
    for secret in secrets_held:
        for value in [*dumped, str(everything).encode()]:
            assert secret not in value and secret.hex().encode() not in value


def test_the_token_opens_nothing_once_the_kiosk_is_provisioned(
    central: CentralDatabase, kiosks: dict[str, Kiosk]
) -> None:
    a = kiosks["A"]
    with central.engine.connect() as admin:
        public = admin.execute(
            select(kiosks_table.c.public_key).where(kiosks_table.c.id == uuid.UUID(a.profile.kiosk_id))
        ).scalar_one()
    assert a.profile.private_key is not None
    assert bytes(public) == KeyPair.from_hex(a.profile.private_key).public  # the kiosk's own pair, not the token's


def test_a_pin_set_at_a_works_at_b(kiosks: dict[str, Kiosk]) -> None:
    a, b = kiosks["A"], kiosks["B"]
    a.roster.set_pin(a.employee_id("E002"), "4321", changed_by="Supervisor Lim")
    a.run_sync()
    b.run_sync()
    assert b.roster.identify_by_pin(b.employee_id("E002"), "4321").accepted
    assert not b.roster.identify_by_pin(b.employee_id("E002"), "1234").accepted
    assert kiosks["C"].roster.employee(kiosks["C"].employee_id("E002")).pin_hash is None


def test_rotating_the_company_key_keeps_both_kiosks_recognising(
    central: CentralDatabase, kiosks: dict[str, Kiosk], face_data: Path, encoder: FaceEncoder
) -> None:
    a, b = kiosks["A"], kiosks["B"]
    people = face_data / "people"
    angelina = b.employee_id("E002")
    samples = b.enrolment.samples_from_files([people / name for name in JOLIE], encoder)
    b.enrolment.enrol(angelina, samples, enrolled_by="Supervisor Cruz", consent_recorded_by="Supervisor Cruz")
    b.run_sync()
    a.run_sync()
    with pytest.raises(RuleViolation, match="another head-office key"):
        rotate_company_key(central.engine, "acme", HeadOfficeKey(KeyPair.generate()), by="IT")

    done = rotate_company_key(central.engine, "acme", central.head_office, by="IT")

    assert (done.version, done.templates, done.kiosks, done.unreadable) == (2, 5, 2, 0)
    with central.engine.connect() as admin:
        live = admin.execute(
            select(face_templates.c.sealed).where(
                face_templates.c.company_id == "acme", face_templates.c.revoked_at.is_(None)
            )
        ).scalars()
        assert [key_version_of(bytes(blob)) for blob in live] == [2] * 5
    for kiosk in (a, b):
        kiosk.run_sync()
        assert {key_version_of(t.sealed) for t in kiosk.templates()} == {2}
        assert kiosk.identify(encoder, people / OBAMA_PROBE) == kiosk.employee_id("E001")
        assert kiosk.identify(encoder, people / JOLIE_PROBE) == angelina
        assert kiosk.roster.identify_by_pin(angelina, "4321").accepted  # the pepper stays
    # A template enrolled afterwards goes under the new key.
    a.enrolment.enrol(
        a.employee_id("E001"),
        a.enrolment.samples_from_files([people / name for name in OBAMA], encoder),
        enrolled_by="Supervisor Lim",
    )
    assert {key_version_of(t.sealed) for t in a.templates()} == {2}
    a.run_sync()
    b.run_sync()
    assert b.identify(encoder, people / OBAMA_PROBE) == b.employee_id("E001")
    # Enrolling again replaces the earlier enrolment at the centre and at every kiosk, not only at A.
    with central.engine.connect() as admin:
        replaced = admin.execute(
            select(face_templates.c.id).where(
                face_templates.c.employee_id == b.employee_id("E001"), face_templates.c.revoked_at.is_(None)
            )
        ).all()
    assert len(replaced) == 3
    assert len([t for t in b.templates() if t.employee_id == b.employee_id("E001")]) == 3


def test_forget_at_b_is_gone_at_the_centre_and_at_a(
    central: CentralDatabase, kiosks: dict[str, Kiosk], face_data: Path, encoder: FaceEncoder
) -> None:
    a, b = kiosks["A"], kiosks["B"]
    people = face_data / "people"
    barack = b.employee_id("E001")
    assert a.enrolment.consent_of(barack) is not None  # consented at A

    b.enrolment.delete_biometrics(barack, deleted_by="Supervisor Cruz")
    assert b.identify(encoder, people / OBAMA_PROBE) is None
    b.run_sync()
    with central.engine.connect() as admin:
        live = admin.execute(
            select(face_templates.c.id).where(
                face_templates.c.employee_id == barack, face_templates.c.revoked_at.is_(None)
            )
        ).all()
        erased_by = admin.execute(
            select(biometric_erasures.c.kiosk_id).where(biometric_erasures.c.employee_id == barack)
        ).scalars()
        # A's re-enrolment replaced the one before it (an erasure by A), then B forgot the face.
        assert [str(kiosk) for kiosk in erased_by] == [a.profile.kiosk_id, b.profile.kiosk_id]
    assert live == []

    a.run_sync()
    assert a.identify(encoder, people / OBAMA_PROBE) is None
    assert [t for t in a.templates() if t.employee_id == barack] == []
    assert a.enrolment.consent_of(barack) is None
    with a.database.read() as session:
        withdrawn = session.scalars(select(BiometricConsent).where(BiometricConsent.employee_id == barack)).all()
    assert withdrawn and all(consent.withdrawn_at is not None for consent in withdrawn)
    # Angelina, enrolled at B, is still recognised at A.
    assert a.identify(encoder, people / JOLIE_PROBE) == a.employee_id("E002")


def test_forget_at_head_office_reaches_every_kiosk(
    central: CentralDatabase, kiosks: dict[str, Kiosk], face_data: Path, encoder: FaceEncoder
) -> None:
    a, b = kiosks["A"], kiosks["B"]
    angelina = a.employee_id("E002")
    with pytest.raises(RuleViolation, match="say who"):
        forget_faces(central.engine, "acme", angelina, by=" ")
    assert forget_faces(central.engine, "acme", angelina, by="HR") == 2
    for kiosk in (a, b):
        kiosk.run_sync()
        assert kiosk.identify(encoder, face_data / "people" / JOLIE_PROBE) is None
        assert kiosk.enrolment.consent_of(angelina) is None


ANISTON = [f"deepface_id02_jennifer_aniston/img{n}.jpg" for n in (3, 55, 56)]
ANISTON_PROBE = "deepface_id02_jennifer_aniston/img53.jpg"


def test_a_standalone_kiosk_brings_its_faces_and_pins_into_the_company(
    *,
    central: CentralDatabase,
    kiosks: dict[str, Kiosk],
    face_data: Path,
    encoder: FaceEncoder,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
) -> None:
    people = face_data / "people"
    secrets = SecretStore(memory_keyring)  # the keyring `main.py provision` finds
    database = Database(database_path(tmp_path))
    time_source = ManualTimeSource(NOW)
    KioskSetup(database, secrets, time_source).set_up(
        company_name="Acme on its own", site_name="Yard", timezone="Asia/Manila", admin_pin="246810"
    )
    roster = Roster(database, this_kiosks_time_clock(database, time_source), secrets)
    ana = roster.add_employee(
        number="E003", first_name="Ana", last_name="acme", department=None, daily_rate="800", changed_by="s", pin="5555"
    ).id
    enrolment = BiometricEnrolment(database, secrets, time_source)
    enrolment.enrol(
        ana,
        enrolment.samples_from_files([people / name for name in ANISTON], encoder),
        enrolled_by="s",
        consent_recorded_by="s",
    )
    assert {key_version_of(row.sealed) for row in _templates(database)} == {None}  # its own key
    database.close()

    token = encode_token(central.add_kiosk("acme", "main", "yard"))
    assert kiosk_commands.main(["provision", token, "--data-dir", str(tmp_path)]) == 0
    assert "3 face templates sealed under the company's key" in capsys.readouterr().out

    database = Database(database_path(tmp_path))
    try:
        profile = ProfileStore(secrets).load()
        assert profile is not None
        sync = KioskSync(database, profile)
        time_source = ManualTimeSource(NOW)
        enrolment = BiometricEnrolment(database, secrets, time_source)
        sync.before_push = enrolment.seal_for_sync
        roster = Roster(database, this_kiosks_time_clock(database, time_source), secrets)
        yard = Kiosk(database, secrets, profile, sync, enrolment, roster)
        yard.run_sync()
        central_ana = yard.employee_id("E003")
        assert {key_version_of(t.sealed) for t in yard.templates()} == {2}  # the company's newest, after rotation
        assert yard.identify(encoder, people / ANISTON_PROBE) == central_ana

        b = kiosks["B"]
        b.run_sync()
        assert b.identify(encoder, people / ANISTON_PROBE) == central_ana  # enrolled before it ever joined
        # Her PIN, hashed with the standalone kiosk's own pepper, is checked there only, with no failure counted
        # elsewhere; typed there once, it is hashed with the company's pepper and works at every kiosk.
        with pytest.raises(RuleViolation) as elsewhere:
            b.roster.identify_by_pin(central_ana, "5555")
        assert elsewhere.value.code == "pin_from_elsewhere"
        assert yard.roster.identify_by_pin(central_ana, "5555").accepted
        yard.run_sync()
        b.run_sync()
        assert b.roster.identify_by_pin(central_ana, "5555").accepted
        kiosks["A"].run_sync()
        assert kiosks["A"].roster.identify_by_pin(central_ana, "5555").accepted
    finally:
        sync.close()
        database.close()


def _templates(database: Database) -> list[FaceTemplate]:
    with database.read() as session:
        return list(session.scalars(select(FaceTemplate)))


def test_the_sync_status_counts_the_syncs_that_changed_the_faces(
    central: CentralDatabase, kiosks: dict[str, Kiosk], face_data: Path, encoder: FaceEncoder
) -> None:
    b = kiosks["B"]
    scheduler = SyncScheduler(b.sync.run_once, b.sync.pending_count, interval=3600)
    try:
        assert scheduler.sync_now().faces_changed == 0  # nothing new about faces
        ana = b.employee_id("E003")
        assert b.identify(encoder, face_data / "people" / ANISTON_PROBE) == ana
        assert forget_faces(central.engine, "acme", ana, by="HR") == 3
        assert scheduler.sync_now().faces_changed == 1  # the screens give the face loop the templates again
        assert b.identify(encoder, face_data / "people" / ANISTON_PROBE) is None
        assert scheduler.sync_now().faces_changed == 1
    finally:
        scheduler.close()


def test_deactivating_at_head_office_withdraws_the_consent_and_the_faces_everywhere(
    central: CentralDatabase, kiosks: dict[str, Kiosk], face_data: Path, encoder: FaceEncoder
) -> None:
    a, b = kiosks["A"], kiosks["B"]
    people = face_data / "people"
    barack = a.employee_id("E001")
    a.enrolment.enrol(
        barack,
        a.enrolment.samples_from_files([people / name for name in OBAMA], encoder),
        enrolled_by="Supervisor Lim",
        consent_recorded_by="Supervisor Lim",
    )
    a.run_sync()
    b.run_sync()
    assert b.identify(encoder, people / OBAMA_PROBE) == barack

    assert deactivate_employee(central.engine, "acme", "E001") == 3
    for kiosk in (a, b):
        kiosk.run_sync()
        assert kiosk.identify(encoder, people / OBAMA_PROBE) is None
        assert [t for t in kiosk.templates() if t.employee_id == barack] == []
        assert kiosk.enrolment.consent_of(barack) is None
    with central.engine.connect() as admin:
        by = admin.execute(
            select(biometric_erasures.c.made_by, biometric_erasures.c.kiosk_id).order_by(
                biometric_erasures.c.change_txid.desc()
            )
        ).first()
    assert by is not None and tuple(by) == ("head office", None)
