"""Start-up, set-up and lock-down of the kiosk window."""

from __future__ import annotations

from pathlib import Path

from keyring.backends import fail
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kiosk.app import DEMO_PIN, KioskApp, KioskOptions
from kiosk.services.kiosk_setup import FREE_ATTEMPTS
from kiosk.store import repository
from kiosk.ui.sound import SoundPlayer
from tests.conftest import MemoryKeyring
from tests.secret_service import SecretServiceSession
from tests.support import ManualTimeSource
from tests.ui.conftest import SUPERVISOR_PIN, RunningKiosk, click, press_key, showing, start_kiosk, stop_kiosk


def test_first_start_sets_up_then_later_starts_go_straight_to_the_kiosk(
    qtbot: QtBot, kiosk_folder: Path, memory_keyring: MemoryKeyring, clock: ManualTimeSource
) -> None:
    first = start_kiosk(qtbot, kiosk_folder, memory_keyring, clock)
    kiosk = first.kiosk
    assert showing(kiosk, kiosk.setup_screen)
    screen = kiosk.setup_screen
    screen.fill("Power On Enterprise", "Main gate", "Asia/Manila", "12345")
    click(qtbot, screen.save)
    qtbot.waitUntil(lambda: "6 to 12 digits" in screen.error.text)
    assert showing(kiosk, screen)
    screen.fill("Power On Enterprise", "Main gate", "Mars/Olympus", "123456")
    click(qtbot, screen.save)
    qtbot.waitUntil(lambda: "time zone" in screen.error.text)
    screen.fill("Power On Enterprise", "Main gate", "Asia/Manila", "123456")
    screen.pin_again.setText("123457")
    click(qtbot, screen.save)
    assert "differ" in screen.error.text
    with first.database.read() as session:
        assert repository.companies(session) == []  # the bad inputs changed nothing
    screen.fill("Power On Enterprise", "Main gate", "Asia/Manila", "123456")
    with qtbot.waitSignal(kiosk.ready):
        click(qtbot, screen.save)
    # No central database brings a roster: the supervisor is led to add the first employee.
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.admin.employee_form))
    assert "Add the first employee" in kiosk.admin.employee_form.intro.text()
    click(qtbot, kiosk.admin.employee_form.back_button)
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.admin.employees))
    assert kiosk.admin.employees.empty.text() == "No employees yet: add the first one."
    kiosk.go_idle()
    assert "Main gate" in kiosk.idle.header.site.text()
    stop_kiosk(first)

    again = start_kiosk(qtbot, kiosk_folder, memory_keyring, clock)
    qtbot.waitUntil(lambda: showing(again.kiosk, again.kiosk.idle))
    assert "Power On Enterprise" in again.kiosk.idle.header.site.text()
    stop_kiosk(again)


def test_the_kiosk_refuses_to_close_without_the_supervisor_pin(qtbot: QtBot, running: RunningKiosk) -> None:
    window = running.kiosk.window
    with qtbot.waitSignal(window.close_refused):
        assert window.close() is False
    assert window.isVisible()
    press_key(qtbot, window, Qt.Key.Key_Escape)
    press_key(qtbot, window, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    assert window.isVisible()

    admin = running.kiosk.admin
    click(qtbot, running.kiosk.idle.supervisor_button)
    assert showing(running.kiosk, admin.pin)
    assert admin.home.exit.isVisible() is False
    with qtbot.waitSignal(admin.unlocked):
        admin.pin.keypad.type_digits(SUPERVISOR_PIN)
        click(qtbot, admin.pin.keypad.buttons["OK"])
    assert showing(running.kiosk, admin.home)
    click(qtbot, admin.home.exit)
    # One tap only asks; "Cancel" keeps the kiosk and supervisor mode; the second button really exits.
    assert showing(running.kiosk, admin.exit_confirmation)
    assert window.isVisible()
    click(qtbot, admin.exit_confirmation.cancel)
    assert showing(running.kiosk, admin.home)
    assert window.isVisible()
    click(qtbot, admin.home.exit)
    # The confirming button is not where "Exit the kiosk" was: a double tap on that spot cancels.
    exit_spot = admin.home.exit.geometry().center()
    assert not admin.exit_confirmation.confirm.geometry().contains(exit_spot)
    click(qtbot, admin.exit_confirmation.confirm)
    assert not window.isVisible()


def test_wrong_supervisor_pins_lock_the_entry(qtbot: QtBot, running: RunningKiosk) -> None:
    admin = running.kiosk.admin
    admin.ask_pin()
    for attempt in range(1, FREE_ATTEMPTS + 1):
        with qtbot.waitSignal(admin.pin_refused) as refused:
            admin.pin.keypad.type_digits("999999")
            click(qtbot, admin.pin.keypad.buttons["OK"])
        assert refused.args[0].failures == attempt
    assert admin.locked
    assert "Try again in 30 s" in admin.pin.problem.text
    assert not admin.pin.keypad.buttons["1"].isEnabled()
    # Even the right PIN is not checked while the entry is locked, and the lock survives leaving the screen.
    running.kiosk.go_idle()
    admin.ask_pin()
    assert not admin.pin.keypad.buttons["OK"].isEnabled()
    with qtbot.waitSignal(admin.pin_refused) as refused:
        admin._check_pin(SUPERVISOR_PIN)
    assert refused.args[0].locked_for.total_seconds() > 0
    assert not admin.active


def test_inactivity_goes_back_to_the_idle_screen(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    kiosk.window.set_idle_seconds(1)
    kiosk.admin.ask_pin()
    assert showing(kiosk, kiosk.admin.pin)
    with qtbot.waitSignal(kiosk.window.idle_timeout, timeout=3000):
        pass
    assert showing(kiosk, kiosk.idle)


def test_demo_start_sets_up_a_ready_company(qtbot: QtBot, kiosk_folder: Path, memory_keyring: MemoryKeyring) -> None:
    app = KioskApp(
        KioskOptions(data_dir=kiosk_folder, no_camera=True, demo=True),
        keyring_backend=memory_keyring,
        sounds=SoundPlayer(enabled=False),
    )
    kiosk = app.build()
    qtbot.addWidget(kiosk.window)
    try:
        qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
        assert "Demo Construction" in kiosk.idle.header.site.text()
        kiosk.punch_with_pin()
        qtbot.waitUntil(lambda: showing(kiosk, kiosk.names))
        assert sorted(kiosk.names.names.values()) == ["Cruz, Ana", "Reyes, Jose", "Santos, Maria"]
        assert sorted(kiosk.names.numbers.values()) == ["E001", "E002", "E003"]  # shown and searched, not the ids
        kiosk.names.search.setText("E002")
        assert [kiosk.names.names[key] for key in kiosk.names.shown_ids] == ["Reyes, Jose"]
    finally:
        kiosk.window.allow_exit()
        kiosk.window.close()
        app.close()


def test_without_any_keyring_the_kiosk_starts_and_its_settings_say_how_secrets_are_protected(
    qtbot: QtBot, kiosk_folder: Path
) -> None:
    app = KioskApp(
        KioskOptions(data_dir=kiosk_folder, no_camera=True, demo=True),
        keyring_backend=fail.Keyring(),  # type: ignore[no-untyped-call]
        sounds=SoundPlayer(enabled=False),
    )
    kiosk = app.build()
    qtbot.addWidget(kiosk.window)
    try:
        qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
        admin = kiosk.admin
        admin.ask_pin()
        with qtbot.waitSignal(admin.unlocked):
            admin.pin.keypad.type_digits(DEMO_PIN)
            click(qtbot, admin.pin.keypad.buttons["OK"])
        admin.show_settings()
        qtbot.waitUntil(lambda: showing(kiosk, admin.settings))
        note = admin.settings.secrets_note
        assert note.text() == (
            "Secrets are protected by file permissions only (no keyring, no sealed key on this PC). "
            "Ask IT to seal them (main.py secrets seal)."
        )
        assert note.property("role") == "caution"
        assert (kiosk_folder / "secrets.vault").is_file()
    finally:
        kiosk.window.allow_exit()
        kiosk.window.close()
        app.close()


def test_after_a_reboot_with_the_desktop_keyring_locked_the_kiosk_still_starts_and_is_set_up(
    qtbot: QtBot, kiosk_folder: Path, secret_service: SecretServiceSession
) -> None:
    secret_service.lock()  # as after a power cut, with nobody logged in to unlock it
    app = KioskApp(
        KioskOptions(data_dir=kiosk_folder, no_camera=True),
        keyring_backend=secret_service.backend,
        sounds=SoundPlayer(enabled=False),
    )
    kiosk = app.build()
    qtbot.addWidget(kiosk.window)
    try:
        assert showing(kiosk, kiosk.setup_screen)
        kiosk.setup_screen.fill("Power On Enterprise", "Main gate", "Asia/Manila", "482915")
        with qtbot.waitSignal(kiosk.ready):
            click(qtbot, kiosk.setup_screen.save)
        assert showing(kiosk, kiosk.idle)
        assert (kiosk_folder / "secrets.vault").is_file()  # the pepper went to the encrypted file
        assert secret_service.is_locked()  # and nobody was asked for the keyring's password
    finally:
        kiosk.window.allow_exit()
        kiosk.window.close()
        app.close()
