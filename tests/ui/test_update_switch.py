"""The real kiosk window with a real updater: a staged version is switched to only when nobody is using the kiosk
and the site's clock is inside the update window, so a punch in progress is never interrupted; a new version on
trial confirms itself once it has kept its idle screen."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytestqt.qtbot import QtBot

from kiosk.app import KioskApp, KioskOptions
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.services.release import load_public_key
from kiosk.services.update_repository import UpdateRepository
from kiosk.services.updates import Installation, KioskUpdater, running_release
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.device_settings import load_device_settings, save_device_settings
from kiosk.store.update_state import UpdateStateFiles
from kiosk.ui.kiosk import Identity
from kiosk.ui.sound import SoundPlayer
from tests.conftest import MemoryKeyring
from tests.support import ManualTimeSource
from tests.ui.conftest import RunningKiosk, click, set_up_kiosk, showing, stop_kiosk
from tests.update_support import PLATFORM, install, release_keys, serve, small_release

MARIA = Identity("E1", IdentifiedBy.FACE, match_distance=0.31, liveness_passed=True)
MANILA = ZoneInfo("Asia/Manila")


@dataclass
class Installed:
    base: Path
    data: Path
    updater: KioskUpdater


def window_around_now(hours: int) -> str:
    """An update window of site time that holds now (`hours` > 0) or lies `hours` away from now."""
    now = datetime.now(UTC).astimezone(MANILA)
    start = now + timedelta(hours=hours) - timedelta(minutes=30)
    end = start + timedelta(hours=1)
    return f"{start:%H:%M}-{end:%H:%M}"


def set_window(data: Path, window: str) -> None:
    database = Database(data / "kiosk.db")
    try:
        with database.write() as session:
            save_device_settings(
                session, load_device_settings(session).replace(update_window=window), datetime.now(UTC)
            )
    finally:
        database.close()


@pytest.fixture
def installed(tmp_path: Path, kiosk_folder: Path, memory_keyring: MemoryKeyring, clock: ManualTimeSource) -> Installed:
    """Version 1.0.0 installed, set up as a kiosk, with 1.1.0 published, downloaded and staged."""
    release_key, release_pub = release_keys(tmp_path / "release-keys")
    repo = UpdateRepository.create(tmp_path / "repository", tmp_path / "tuf-keys", now=datetime.now(UTC))
    (tmp_path / "root.json").write_bytes(repo.root_bytes())
    base = tmp_path / "opt"
    install(base, small_release(tmp_path / "builds" / "1.0.0", "1.0.0", release_key), "1.0.0")
    repo.publish(
        small_release(tmp_path / "builds" / "1.1.0", "1.1.0", release_key),
        load_public_key(release_pub),
        now=datetime.now(UTC),
    )
    set_up_kiosk(kiosk_folder, memory_keyring, clock)
    set_window(kiosk_folder, window_around_now(0))
    with serve(repo.folder) as (url, _faults):
        updater = KioskUpdater(
            data_dir=kiosk_folder,
            running=running_release(base / "1.0.0" / "timeclock-kiosk"),
            release_key=load_public_key(release_pub),
            source=url,
            pinned_root=tmp_path / "root.json",
            platform=PLATFORM,
        )
        assert updater.check().staged == "1.1.0"
    return Installed(base, kiosk_folder, updater)


def start(
    qtbot: QtBot, installed: Installed, keyring: MemoryKeyring, clock: ManualTimeSource, *, settle: int = 600
) -> RunningKiosk:
    app = KioskApp(
        KioskOptions(data_dir=installed.data, no_camera=True),
        keyring_backend=keyring,
        time_source=clock,
        sounds=SoundPlayer(enabled=False),
        updater=installed.updater,
        settle_seconds=settle,
    )
    kiosk = app.build()
    kiosk.window.resize(1280, 800)
    kiosk.window.show()
    qtbot.addWidget(kiosk.window)
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
    return RunningKiosk(app, kiosk, clock)


@pytest.fixture
def running_installed(
    qtbot: QtBot, installed: Installed, memory_keyring: MemoryKeyring, clock: ManualTimeSource
) -> Iterator[RunningKiosk]:
    running = start(qtbot, installed, memory_keyring, clock)
    yield running
    stop_kiosk(running)


def test_a_punch_in_progress_is_never_interrupted_by_the_switch(
    qtbot: QtBot, installed: Installed, running_installed: RunningKiosk
) -> None:
    kiosk = running_installed.kiosk
    switched: list[str] = []
    kiosk.update_switched.connect(switched.append)
    kiosk.identified(MARIA)
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet))
    assert not kiosk.is_idle()
    kiosk.switch_if_due()  # Maria stands at the kiosk: nothing happens
    assert switched == []
    assert Installation(installed.base).current_version() == "1.0.0"
    with qtbot.waitSignal(kiosk.punched):
        click(qtbot, kiosk.greet.action_buttons[(PunchKind.CLOCK_IN, None)])
    assert showing(kiosk, kiosk.confirm)
    kiosk.switch_if_due()  # her confirmation is on the screen
    assert switched == []
    with qtbot.waitSignal(kiosk.confirm.done, timeout=7000):
        pass
    assert kiosk.is_idle()
    with qtbot.waitSignal(kiosk.update_switched) as done:
        kiosk.switch_if_due()
    assert done.args == ["1.1.0"]
    assert Installation(installed.base).current_version() == "1.1.0"
    # Her punch is in the database, and in the backup taken before the new version could migrate it.
    with running_installed.database.read() as session:
        assert [punch.kind for punch in repository.punches_of(session, "E1")] == [PunchKind.CLOCK_IN]
    backup = Database(UpdateStateFiles(installed.data).backups_dir / "kiosk-before-1.1.0.db")
    try:
        with backup.read() as session:
            assert len(repository.punches_of(session, "E1")) == 1
    finally:
        backup.close()


def test_an_idle_kiosk_outside_the_window_does_not_switch(
    qtbot: QtBot, installed: Installed, memory_keyring: MemoryKeyring, clock: ManualTimeSource
) -> None:
    set_window(installed.data, window_around_now(6))
    running = start(qtbot, installed, memory_keyring, clock)
    try:
        switched: list[str] = []
        running.kiosk.update_switched.connect(switched.append)
        assert running.kiosk.is_idle()
        running.kiosk.switch_if_due()
        assert switched == []
        assert Installation(installed.base).current_version() == "1.0.0"
        assert running.kiosk.parts.updates is not None
    finally:
        stop_kiosk(running)


def test_supervisor_mode_is_not_idle(qtbot: QtBot, running_installed: RunningKiosk) -> None:
    kiosk = running_installed.kiosk
    kiosk.admin.ask_pin()
    qtbot.waitUntil(lambda: not showing(kiosk, kiosk.idle))
    assert not kiosk.is_idle()


def test_a_version_on_trial_confirms_itself_after_keeping_the_idle_screen(
    qtbot: QtBot, installed: Installed, memory_keyring: MemoryKeyring, clock: ManualTimeSource
) -> None:
    state = UpdateStateFiles(installed.data)
    state.write_trial({"version": "1.0.0", "previous": "0.9.0", "backup": "", "started": "2026-11-03T01:00:00+00:00"})
    running = start(qtbot, installed, memory_keyring, clock, settle=1)
    try:
        qtbot.waitUntil(lambda: state.read_trial() is None, timeout=5000)
    finally:
        stop_kiosk(running)
