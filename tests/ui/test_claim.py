"""The missed clock-out claim as an employee meets it: worded for what happened, a likely time, quick choices,
the kiosk's words for the reasons and a note typed on the screen."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pytestqt.qtbot import QtBot

from kiosk.domain.incidents import ClaimTimeKind, ClockoutReason
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.store import repository
from kiosk.ui.employee_screens import ClaimScreen
from kiosk.ui.kiosk import Identity
from tests.ui.conftest import RunningKiosk, click, showing

MANILA = ZoneInfo("Asia/Manila")
MARIA = Identity("E1", IdentifiedBy.FACE, match_distance=0.31, liveness_passed=True)


def manila(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MANILA).astimezone(UTC)


def editing(claim: ClaimScreen) -> bool:
    """A function, so that the type checker does not narrow the property between calls."""
    return claim.editing_note


def clock_in_at(qtbot: QtBot, running: RunningKiosk, moment: datetime) -> None:
    kiosk = running.kiosk
    running.time.set(moment)
    kiosk.identified(MARIA)
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet))
    with qtbot.waitSignal(kiosk.punched):
        click(qtbot, kiosk.greet.action_buttons[(PunchKind.CLOCK_IN, None)])
    kiosk.go_idle()


def test_i_forgot_on_a_session_started_two_minutes_ago_is_worded_for_what_happened(
    qtbot: QtBot, running: RunningKiosk
) -> None:
    kiosk = running.kiosk
    clock_in_at(qtbot, running, manila(18, 50))
    running.time.set(manila(18, 52))
    kiosk.identified(MARIA)
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet))
    click(qtbot, kiosk.greet.forgot)
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.claim))
    claim = kiosk.claim
    assert claim.title.text() == "Maria Santos, when did you stop working?"
    assert claim.clock_in.text() == "You clocked in today at 18:50 and have not clocked out since."
    assert "last time" not in claim.title.text() + claim.clock_in.text()
    assert claim.picker.value == manila(18, 52)  # the regular day ends tomorrow: never after now
    assert [choice.kind for _, choice in claim.choice_buttons] == [ClaimTimeKind.NOW]


def test_a_forgotten_clock_out_starts_at_the_end_of_the_regular_day_with_quick_choices(
    qtbot: QtBot, running: RunningKiosk
) -> None:
    kiosk = running.kiosk
    clock_in_at(qtbot, running, manila(1, 50))
    running.time.set(manila(18, 52))
    kiosk.identified(MARIA)  # open for 17 hours, past the 16-hour limit: the claim comes first
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.claim))
    claim = kiosk.claim
    assert claim.title.text() == "Maria Santos, you did not clock out after you started today at 01:50"
    assert claim.picker.value == manila(16)  # 08:00 plus the 8 regular hours, not 18:52
    labels = [widget.text() for widget, _ in claim.choice_buttons]
    assert labels == ["09:50\n8 h after clock-in", "16:00\nend of the day", "18:52\nnow"]
    assert [widget.isChecked() for widget, _ in claim.choice_buttons] == [False, True, False]
    claim.choose_time(ClaimTimeKind.REGULAR_HOURS)  # one tap instead of nine
    assert claim.picker.value == manila(9, 50)
    assert [widget.isChecked() for widget, _ in claim.choice_buttons] == [True, False, False]
    claim.choose_time(ClaimTimeKind.NOW)
    assert claim.picker.value == manila(18, 52)


def test_the_kiosk_names_a_reason_its_own_way_and_stores_the_seeds_reason(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    clock_in_at(qtbot, running, manila(7, 58))
    running.time.set(manila(8, 1, day=3))
    kiosk.identified(MARIA)
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.claim))
    claim = kiosk.claim
    labels = {reason: widget.text() for reason, widget in claim.reason_buttons.items()}
    assert labels[ClockoutReason.CLOSED_TAB_BY_ACCIDENT] == "Left the screen too soon"
    assert "Closed tab by accident" not in labels.values()
    click(qtbot, claim.reason_buttons[ClockoutReason.CLOSED_TAB_BY_ACCIDENT])

    click(qtbot, claim.note_button)  # the note opens with an on-screen keyboard
    assert editing(claim)
    assert claim.keyboard.isVisible()
    claim.keyboard.type_text("Gate was locked. Left at 4")
    click(qtbot, claim.keyboard.keys[claim.keyboard.BACKSPACE])
    claim.keyboard.type_text("16")
    assert claim.note.text() == "Gate was locked. Left at 16"
    click(qtbot, claim.note_done)
    assert not editing(claim)
    assert claim.note_button.text() == "Note: Gate was locked. Left at 16"
    with qtbot.waitSignal(kiosk.claimed) as claimed:
        click(qtbot, claim.submit)
    incident = claimed.args[0].incident
    assert incident.employee_reason is ClockoutReason.CLOSED_TAB_BY_ACCIDENT
    assert incident.employee_claimed_logout_time == manila(16)
    assert incident.employee_note == "Gate was locked. Left at 16"
    assert "(Left the screen too soon)" in kiosk.confirm.extra.text()
    with running.database.read() as session:
        stored = repository.get_incident(session, incident.id)
    assert stored is not None
    assert stored.employee_reason is not None
    assert stored.employee_reason.value == "closed_tab_by_accident"  # the seed's reason, as sync sends it
