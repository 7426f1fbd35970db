"""A face enrolled at another kiosk of the company is greeted here as soon as a sync brings it, with the kiosk sitting
on its idle screen the whole time (a real central PostgreSQL, two data folders, the kiosk's real camera process)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from central.roster import upsert_company, upsert_department, upsert_employee, upsert_site
from kiosk.services.kiosk_setup import KioskSetup
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.secrets import SecretStore
from kiosk.vision.liveness import ChallengeStep
from sync.credentials import ProfileStore, adopt_identity, provision
from sync.kiosk_sync import KioskSync
from tests.central_database import CentralDatabase
from tests.conftest import MemoryKeyring
from tests.support import ManualTimeSource
from tests.ui.conftest import SUPERVISOR_PIN, enrol_from_clip, showing, start_kiosk, stop_kiosk
from tests.ui.test_pin_and_supervisor import unlock
from wire.provisioning import CentralProfile, encode_token

HEAD_TURN = "video/headturn_live_tranvanluyt_real.mp4"


def provisioned_folder(folder: Path, central: CentralDatabase, keyring: MemoryKeyring) -> CentralProfile:
    """A data folder provisioned as IT does it, with its first pull made."""
    folder.mkdir(parents=True)
    profile = provision(
        encode_token(central.add_kiosk("acme", "main", folder.name)), ProfileStore(SecretStore(keyring))
    )
    database = Database(folder / "kiosk.db")
    try:
        adopt_identity(database, profile)
        sync = KioskSync(database, profile)
        sync.pull()
        sync.close()
    finally:
        database.close()
    return profile


def test_a_face_enrolled_at_another_kiosk_is_greeted_here_after_the_next_sync(
    *,
    qtbot: QtBot,
    fresh_central: CentralDatabase,
    kiosk_folder: Path,
    memory_keyring: MemoryKeyring,
    clock: ManualTimeSource,
    faces: Path,
    tmp_path: Path,
) -> None:
    central = fresh_central
    upsert_company(central.engine, "acme", "Acme Ltd")
    upsert_site(central.engine, "acme", "main", "Main gate", "Asia/Manila")
    upsert_department(central.engine, "acme", "ops", "Operations")
    upsert_employee(central.engine, "acme", "E001", "Tran", "Van Luyt", department="ops", daily_rate="800")
    provisioned_folder(kiosk_folder, central, memory_keyring)
    database = Database(kiosk_folder / "kiosk.db")
    try:
        KioskSetup(database, SecretStore(memory_keyring), clock).set_up(
            company_name="Acme Ltd", site_name="Main gate", timezone="Asia/Manila", admin_pin=SUPERVISOR_PIN
        )
    finally:
        database.close()

    running = start_kiosk(
        qtbot, kiosk_folder, memory_keyring, clock, camera=faces / HEAD_TURN, challenge=(ChallengeStep.TURN_LEFT,)
    )
    try:
        kiosk = running.kiosk
        sync = kiosk.parts.sync
        assert sync is not None
        qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
        qtbot.waitUntil(lambda: sync.status().last_success is not None, timeout=30000)  # nobody enrolled yet
        qtbot.waitUntil(lambda: kiosk.idle.camera.frames_painted > 0, timeout=30000)

        # Meanwhile the person enrols at the gate kiosk, which syncs.
        keyring = MemoryKeyring()
        gate = provisioned_folder(tmp_path / "gate", central, keyring)
        gate_database = Database(tmp_path / "gate" / "kiosk.db")
        with gate_database.read() as session:
            person = repository.employee_by_number(session, "acme", "E001")
        gate_database.close()
        assert person is not None
        assert enrol_from_clip(tmp_path / "gate", keyring, clock, person.id, faces / HEAD_TURN) == 3
        gate_database = Database(tmp_path / "gate" / "kiosk.db")
        gate_sync = KioskSync(gate_database, gate)
        assert gate_sync.run_once()[0].delivered == 3
        gate_sync.close()
        gate_database.close()

        sync.scheduler.request_sync()  # as after a punch here; the interval would bring it too
        qtbot.waitUntil(lambda: sync.status().faces_changed == 1, timeout=30000)
        assert showing(kiosk, kiosk.idle)  # no screen changed in between
        qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet), timeout=90000)
        assert kiosk.greet.hello.text() == "Hello, Tran Van Luyt"

        # The supervisor sees the department with head office's code.
        kiosk.go_idle()
        unlock(qtbot, running)
        admin = kiosk.admin
        admin.show_employees()
        qtbot.waitUntil(lambda: showing(kiosk, admin.employees))
        admin.employees.pick(person.id)
        qtbot.waitUntil(lambda: showing(kiosk, admin.employee))
        assert "Operations (ops)" in admin.employee.facts.text()
    finally:
        stop_kiosk(running)
