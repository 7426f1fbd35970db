"""The employee's screens on a real database: greeting, punches, duplicate taps, the missed clock-out claim and its
review in supervisor mode. The person is handed to the kiosk as identified (the camera paths have their own tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pytestqt.qtbot import QtBot

from kiosk.domain.incidents import ClockoutReason, IncidentStatus
from kiosk.domain.punches import BreakType, IdentifiedBy, PunchKind
from kiosk.domain.sessions import EmployeeStatus
from kiosk.services.timeclock import PunchOutcome, PunchStatus
from kiosk.store import repository
from kiosk.ui.kiosk import Identity
from kiosk.ui.sound import Sound
from tests.ui.conftest import SUPERVISOR_PIN, RunningKiosk, click, showing

MARIA = Identity("E1", IdentifiedBy.FACE, match_distance=0.31, liveness_passed=True)


def greet(qtbot: QtBot, running: RunningKiosk, identity: Identity = MARIA) -> None:
    kiosk = running.kiosk
    kiosk.identified(identity)
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet) or showing(kiosk, kiosk.claim))


def tap(qtbot: QtBot, running: RunningKiosk, kind: PunchKind, break_type: BreakType | None = None) -> PunchOutcome:
    kiosk = running.kiosk
    assert showing(kiosk, kiosk.greet)
    with qtbot.waitSignal(kiosk.punched) as punched:
        click(qtbot, kiosk.greet.action_buttons[(kind, break_type)])
    assert showing(kiosk, kiosk.confirm)
    outcome = punched.args[0]
    assert isinstance(outcome, PunchOutcome)
    return outcome


def offered(running: RunningKiosk) -> set[tuple[PunchKind, BreakType | None]]:
    return set(running.kiosk.greet.action_buttons)


def test_a_shift_with_a_break_punched_through_the_screens(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    greet(qtbot, running)
    assert kiosk.greet.hello.text() == "Hello, Maria Santos"
    assert offered(running) == {(PunchKind.CLOCK_IN, None)}
    outcome = tap(qtbot, running, PunchKind.CLOCK_IN)
    assert outcome.status is PunchStatus.RECORDED
    assert kiosk.confirm.headline.text() == "Clocked in"
    assert kiosk.confirm.detail.text() == "at 21:00"  # 13:00 UTC in Manila
    assert running.sounds.played[-1] is Sound.CONFIRM
    with qtbot.waitSignal(kiosk.confirm.done, timeout=7000):
        pass
    assert showing(kiosk, kiosk.idle)

    running.time.advance(hours=2)
    greet(qtbot, running)
    assert "On shift since 21:00" in kiosk.greet.state.text()
    assert offered(running) == {
        (PunchKind.BREAK_START, BreakType.LUNCH),
        (PunchKind.BREAK_START, BreakType.REST),
        (PunchKind.BREAK_START, BreakType.OTHER),
        (PunchKind.CLOCK_OUT, None),
    }
    tap(qtbot, running, PunchKind.BREAK_START, BreakType.LUNCH)
    assert kiosk.confirm.headline.text() == "Lunch break started"

    running.time.advance(minutes=30)
    greet(qtbot, running)
    assert offered(running) == {(PunchKind.BREAK_END, None), (PunchKind.CLOCK_OUT, None)}
    tap(qtbot, running, PunchKind.BREAK_END)
    assert kiosk.confirm.headline.text() == "Break ended"

    running.time.advance(hours=1)
    greet(qtbot, running)
    tap(qtbot, running, PunchKind.CLOCK_OUT)
    assert kiosk.confirm.headline.text() == "Clocked out"
    with running.database.read() as session:
        kinds = [punch.kind for punch in repository.punches_of(session, "E1")]
    assert kinds == [PunchKind.CLOCK_IN, PunchKind.BREAK_START, PunchKind.BREAK_END, PunchKind.CLOCK_OUT]


def test_a_duplicate_tap_shows_the_earlier_punch_and_stores_nothing(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    greet(qtbot, running)
    first = tap(qtbot, running, PunchKind.CLOCK_IN)
    running.time.advance(seconds=20)
    # The second person in a hurry taps Clock out twice; the first tap's screen is still up for the same person.
    greet(qtbot, running)
    tap(qtbot, running, PunchKind.CLOCK_OUT)
    running.time.advance(seconds=15)
    greet(qtbot, running)
    kiosk.greet.show_employee("Maria Santos", "", ((PunchKind.CLOCK_OUT, None),), False)  # the stale screen's button
    again = tap(qtbot, running, PunchKind.CLOCK_OUT)
    assert again.status is PunchStatus.DUPLICATE
    assert kiosk.confirm.headline.text() == "Already recorded"
    assert kiosk.confirm.detail.text() == "Clocked out at 21:00"
    with running.database.read() as session:
        assert len(repository.punches_of(session, "E1")) == 2
    assert first.punch is not None


def test_missed_clock_out_claim_then_supervisor_approves_and_rejects(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    for identity in (MARIA, Identity("E2", IdentifiedBy.FACE, 0.35, True)):
        greet(qtbot, running, identity)
        tap(qtbot, running, PunchKind.CLOCK_IN)
    running.time.advance(hours=20)  # next day; neither clocked out

    greet(qtbot, running)
    assert showing(kiosk, kiosk.claim)  # the claim comes first
    claim = kiosk.claim
    assert claim.title.text() == "Maria Santos, you did not clock out after you started yesterday at 21:00"
    assert not claim.submit.isEnabled()  # a reason is required
    clock_in = datetime(2026, 11, 2, 13, 0, tzinfo=UTC)
    assert claim.picker.value == datetime(2026, 11, 3, 8, 0, tzinfo=UTC)  # the regular day's end: 16:00 in Manila
    for _ in range(30):
        claim.picker.step(-timedelta(days=1))
    assert claim.picker.value == clock_in  # never before the clock-in
    claim.picker.step(timedelta(hours=9))
    claim.choose(ClockoutReason.FORGOT)
    claim.note.setText("Left with the crane crew")
    with qtbot.waitSignal(kiosk.claimed) as claimed:
        click(qtbot, claim.submit)
    outcome = claimed.args[0]
    assert outcome.incident.status is IncidentStatus.EMPLOYEE_CLAIMED
    assert outcome.incident.employee_claimed_logout_time == clock_in + timedelta(hours=9)
    assert kiosk.confirm.headline.text() == "Claim sent and clocked in"
    assert "06:00" in kiosk.confirm.extra.text()
    assert outcome.clock_in.state.status is EmployeeStatus.ON_SHIFT

    greet(qtbot, running, Identity("E2", IdentifiedBy.FACE, 0.35, True))
    kiosk.claim.choose(ClockoutReason.DEVICE_DIED)
    with qtbot.waitSignal(kiosk.claimed):
        click(qtbot, kiosk.claim.submit)

    admin = kiosk.admin
    admin.ask_pin()
    with qtbot.waitSignal(admin.unlocked):
        admin.pin.keypad.type_digits(SUPERVISOR_PIN)
        click(qtbot, admin.pin.keypad.buttons["OK"])
    qtbot.waitUntil(admin.home.banner.isVisible)
    assert admin.home.banner_text.text() == "2 Unresolved Missed Clock-Outs"
    click(qtbot, admin.home.review)
    qtbot.waitUntil(lambda: showing(kiosk, admin.incidents))
    assert admin.incidents.list.count() == 2

    def open_row(name: str) -> None:
        rows = [admin.incidents.list.item(i) for i in range(admin.incidents.list.count())]
        row = next(item for item in rows if item.text().startswith(name))
        admin.incidents.list.itemClicked.emit(row)
        qtbot.waitUntil(lambda: showing(kiosk, admin.detail))

    open_row("Maria Santos")
    assert "Reason: Forgot" in admin.detail.facts.text()
    assert "Left with the crane crew" in admin.detail.facts.text()
    click(qtbot, admin.detail.approve_button)
    qtbot.waitUntil(lambda: showing(kiosk, admin.incidents))

    open_row("Jose Reyes")
    admin.detail.picker.set_value(clock_in + timedelta(hours=8))
    click(qtbot, admin.detail.reject_button)  # no notes: refused
    qtbot.waitUntil(lambda: "required" in kiosk.window.message_bar.text)
    assert showing(kiosk, admin.detail)
    admin.detail.notes.setPlainText("Gate log shows 05:00")
    click(qtbot, admin.detail.reject_button)
    qtbot.waitUntil(lambda: showing(kiosk, admin.incidents))

    services = running.kiosk.services
    assert services is not None
    incidents = {i.full_name: i for i in services.missed.get_missed_clockout_incidents()}
    assert incidents["Maria Santos"].status is IncidentStatus.APPROVED
    assert incidents["Jose Reyes"].status is IncidentStatus.REJECTED
    assert incidents["Jose Reyes"].final_logout_time == clock_in + timedelta(hours=8)
    view = services.clock.derive_employee_now("E2")
    closed = [s for s in view.sessions if s.clock_out is not None]
    assert closed[0].clock_out == clock_in + timedelta(hours=8)  # the session was closed at once
    admin.show_home()
    qtbot.waitUntil(lambda: not admin.home.banner.isVisible())


def test_with_missed_clock_outs_off_the_open_session_is_closed_at_the_limit(
    qtbot: QtBot, running: RunningKiosk
) -> None:
    kiosk = running.kiosk
    services = kiosk.services
    assert services is not None
    services.company.set_missed_clockout_enabled(False, changed_by="test")
    greet(qtbot, running)
    tap(qtbot, running, PunchKind.CLOCK_IN)
    running.time.advance(hours=20)  # past the 16 h limit: the rule closes the session and flags it
    greet(qtbot, running)
    assert showing(kiosk, kiosk.greet)  # no claim screen
    assert offered(running) == {(PunchKind.CLOCK_IN, None)}
    assert not kiosk.greet.forgot.isVisible()
    tap(qtbot, running, PunchKind.CLOCK_IN)
    assert kiosk.confirm.headline.text() == "Clocked in"


def test_an_employee_no_longer_active_is_told_and_nothing_is_recorded(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    services = kiosk.services
    assert services is not None
    services.roster.set_employee_active("E3", False, changed_by="test")
    kiosk.identified(Identity("E3", IdentifiedBy.PIN))
    qtbot.waitUntil(lambda: "no longer active" in kiosk.window.message_bar.text)
    assert showing(kiosk, kiosk.idle)
    assert running.sounds.played[-1] is Sound.PROBLEM
    with running.database.read() as session:
        assert repository.punches_of(session, "E3") == []
