"""The employee screens under hands and keys: notices that go back by themselves, a keyboard on the PIN pad."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from kiosk.domain.punches import BreakType, IdentifiedBy, PunchKind
from kiosk.ui.employee_screens import NOTICE_SECONDS, NoticeScreen, matches
from kiosk.ui.kiosk import Identity
from tests.ui.conftest import RunningKiosk, click, press_key, showing


def test_the_liveness_failure_notice_goes_back_to_the_camera_by_itself(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    kiosk.not_identified("We could not confirm a live face", "'Blink your eyes' was not done within 6 s.")
    assert showing(kiosk, kiosk.notice)
    assert kiosk.notice.countdown.text() == f"Back to the camera in {NOTICE_SECONDS} s"
    qtbot.waitUntil(lambda: kiosk.notice.countdown.text() == f"Back to the camera in {NOTICE_SECONDS - 1} s")
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle), timeout=(NOTICE_SECONDS + 2) * 1000)
    assert kiosk.identity is None


def counting(notice: NoticeScreen) -> bool:
    """A function, so that the type checker does not narrow the property between calls."""
    return notice.counting


def test_leaving_the_notice_by_hand_stops_its_countdown(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    kiosk.not_identified("We could not recognise you", "Please try again.")
    click(qtbot, kiosk.notice.back_button)
    assert showing(kiosk, kiosk.idle)
    # A countdown left running would send the next person back to idle in the middle of typing their PIN.
    assert not counting(kiosk.notice)
    kiosk.not_identified("We could not recognise you", "Please try again.")
    assert counting(kiosk.notice)
    kiosk.punch_with_pin()
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.names))
    assert not counting(kiosk.notice)


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "no widget has the keyboard focus"
    return widget


def test_a_pin_typed_on_a_physical_keyboard(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    services = kiosk.services
    assert services is not None
    services.roster.set_pin("E2", "4321", changed_by="test")
    kiosk.window.activateWindow()
    kiosk.punch_with_pin()
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.names))
    kiosk.names.pick("E2")
    assert showing(kiosk, kiosk.employee_pin)
    qtbot.waitUntil(kiosk.employee_pin.keypad.hasFocus)
    qtbot.keyClicks(focused(), "1119")  # type: ignore[no-untyped-call]
    assert kiosk.employee_pin.keypad.display.text() == "\u25cf \u25cf \u25cf \u25cf"
    press_key(qtbot, focused(), Qt.Key.Key_Backspace)
    assert kiosk.employee_pin.keypad.display.text() == "\u25cf \u25cf \u25cf"
    press_key(qtbot, focused(), Qt.Key.Key_Delete)
    assert kiosk.employee_pin.keypad.display.text() == "\u2013"
    qtbot.keyClicks(focused(), "1111")  # type: ignore[no-untyped-call]
    with qtbot.waitSignal(kiosk.pin_refused):
        press_key(qtbot, focused(), Qt.Key.Key_Return)
    assert kiosk.employee_pin.problem.text == "Wrong PIN. Try again."
    qtbot.waitUntil(kiosk.employee_pin.keypad.hasFocus)
    qtbot.keyClicks(focused(), "4321")  # type: ignore[no-untyped-call]
    press_key(qtbot, focused(), Qt.Key.Key_Enter)  # the number pad's Enter
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet))
    assert kiosk.identity is not None
    assert kiosk.identity.employee_id == "E2"
    assert kiosk.identity.identified_by is IdentifiedBy.PIN


def test_keys_typed_while_a_pin_is_checked_are_ignored(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    keypad = kiosk.employee_pin.keypad
    kiosk.window.show_screen(kiosk.employee_pin)
    keypad.set_enabled_keys(False)  # as while the database worker checks a PIN
    qtbot.keyClicks(keypad, "12")  # type: ignore[no-untyped-call]
    press_key(qtbot, keypad, Qt.Key.Key_Return)
    assert keypad.display.text() == "\u2013"


def give_pins(running: RunningKiosk) -> None:
    services = running.kiosk.services
    assert services is not None
    for employee_id, pin in (("E1", "1357"), ("E2", "4321"), ("E3", "8765")):
        services.roster.set_pin(employee_id, pin, changed_by="test")


def test_the_name_list_is_searched_by_name_or_number_on_the_screens_keyboard(
    qtbot: QtBot, running: RunningKiosk
) -> None:
    kiosk = running.kiosk
    give_pins(running)
    kiosk.punch_with_pin()
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.names))
    names = kiosk.names
    assert names.shown_ids == ["E3", "E2", "E1"]  # Cruz, Reyes, Santos
    assert names.keyboard.isVisible()
    for key in "re":
        click(qtbot, names.keyboard.keys[key])
    assert names.search.text() == "re"
    assert names.shown_ids == ["E2"]  # Jose Reyes
    click(qtbot, names.keyboard.keys[names.keyboard.CLEAR])
    names.keyboard.type_text("ma s")  # first and last name, each from its start
    assert names.shown_ids == ["E1"]
    click(qtbot, names.keyboard.keys[names.keyboard.CLEAR])
    names.keyboard.type_text("e3")  # the employee number
    assert names.shown_ids == ["E3"]
    click(qtbot, names.keyboard.keys[names.keyboard.CLEAR])
    names.keyboard.type_text("xyz")
    assert names.shown_ids == []
    assert names.empty.isVisible()
    assert names.empty.text() == "No name or number matches \u201cxyz\u201d."
    click(qtbot, names.keyboard.keys[names.keyboard.BACKSPACE])
    click(qtbot, names.keyboard.keys[names.keyboard.BACKSPACE])
    click(qtbot, names.keyboard.keys[names.keyboard.BACKSPACE])
    assert names.shown_ids == ["E3", "E2", "E1"]
    assert not names.empty.isVisible()


def test_the_name_search_takes_a_physical_keyboard_and_starts_empty_each_time(
    qtbot: QtBot, running: RunningKiosk
) -> None:
    kiosk = running.kiosk
    give_pins(running)
    kiosk.window.activateWindow()
    kiosk.punch_with_pin()
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.names))
    qtbot.waitUntil(kiosk.names.search.hasFocus)
    qtbot.keyClicks(focused(), "CRUZ")  # type: ignore[no-untyped-call]
    assert kiosk.names.shown_ids == ["E3"]
    kiosk.names.pick("E3")
    assert showing(kiosk, kiosk.employee_pin)
    kiosk.go_idle()
    kiosk.punch_with_pin()
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.names))
    assert kiosk.names.search.text() == ""
    assert kiosk.names.shown_ids == ["E3", "E2", "E1"]


def test_a_search_ignores_case_and_accents() -> None:
    assert matches("pena", "E7", "Peña, José")
    assert matches("JOSE", "E7", "Peña, José")
    assert matches("jo pe", "E7", "Peña, José")
    assert not matches("ose", "E7", "Peña, José")  # a word is found from its start
    assert matches("7", "E7", "Peña, José")
    assert not matches("8", "E7", "Peña, José")
    assert matches("  ", "E7", "Peña, José")


def test_the_greeting_names_an_other_break_in_correct_english(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    services = kiosk.services
    assert services is not None
    services.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=IdentifiedBy.PIN)
    running.time.advance(hours=2)
    services.clock.record_punch("E1", PunchKind.BREAK_START, BreakType.OTHER, identified_by=IdentifiedBy.PIN)
    kiosk.identified(Identity("E1", IdentifiedBy.PIN))
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet))
    assert kiosk.greet.state.text() == "On a break since 23:00"  # not "On a other break"
