"""Company settings changed from the kiosk: bounds, audit entries, and their effect on the punch rules."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from kiosk.domain.errors import RuleViolation
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.domain.sessions import AnomalyCode
from kiosk.services.company_settings import CompanySettings, CompanySettingsView
from kiosk.store import repository
from tests.support import KioskWorld

SUPERVISOR = "supervisor"


@pytest.fixture
def settings(world: KioskWorld) -> CompanySettings:
    return CompanySettings(world.database, world.clock, world.missed)


def audit(world: KioskWorld) -> list[tuple[str, dict[str, object]]]:
    with world.database.read() as session:
        return [(entry.action, json.loads(entry.detail)) for entry in repository.audit_entries(session)]


def test_each_setting_is_changed_and_audited(world: KioskWorld, settings: CompanySettings) -> None:
    assert settings.get() == CompanySettingsView("Giovanni Construction", True, False, True, timedelta(hours=16))
    settings.set_missed_clockout_enabled(False, changed_by=SUPERVISOR)
    settings.set_block_reports_on_pending(True, changed_by=SUPERVISOR)
    settings.set_pin_punching_allowed(False, changed_by=SUPERVISOR)
    after = settings.set_open_session_limit(timedelta(hours=12, minutes=30), changed_by=SUPERVISOR)
    assert after == CompanySettingsView("Giovanni Construction", False, True, False, timedelta(hours=12, minutes=30))
    assert settings.get() == after
    assert world.missed.get_missed_clockout_settings().open_session_limit == timedelta(hours=12, minutes=30)
    assert audit(world) == [
        ("settings.missed_clockout", {"missed_clockout_enabled": False}),
        ("settings.missed_clockout", {"block_reports_on_pending": True}),
        ("settings.pin_punching", {"pin_punching_allowed": False}),
        ("settings.open_session_limit", {"open_session_limit": "12:30:00"}),
    ]


@pytest.mark.parametrize(
    ("change", "value", "words"),
    [
        ("set_open_session_limit", timedelta(minutes=59), "between 1 and 24 hours"),
        ("set_open_session_limit", timedelta(hours=24, minutes=1), "between 1 and 24 hours"),
        ("set_open_session_limit", timedelta(hours=2, seconds=30), "whole minutes"),
        ("set_open_session_limit", 16, "must be a duration"),
        ("set_pin_punching_allowed", "yes", r"on \(true\) or off \(false\)"),
        ("set_missed_clockout_enabled", 1, r"on \(true\) or off \(false\)"),
        ("set_block_reports_on_pending", None, r"on \(true\) or off \(false\)"),
    ],
)
def test_bad_values_change_nothing(
    world: KioskWorld, settings: CompanySettings, change: str, value: object, words: str
) -> None:
    before = settings.get()
    with pytest.raises(RuleViolation, match=words) as refused:
        getattr(settings, change)(value, changed_by=SUPERVISOR)
    assert refused.value.code == "setting_invalid"
    assert settings.get() == before
    assert audit(world) == []


def test_the_open_session_limit_decides_when_a_session_is_missed(world: KioskWorld, settings: CompanySettings) -> None:
    world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=IdentifiedBy.FACE)
    world.time.advance(hours=10)
    session = world.clock.derive_employee_now("E1").sessions_of("E1")[0]
    assert AnomalyCode.MISSED_CLOCK_OUT not in session.anomalies
    settings.set_open_session_limit(timedelta(hours=8), changed_by=SUPERVISOR)
    session = world.clock.derive_employee_now("E1").sessions_of("E1")[0]
    assert AnomalyCode.MISSED_CLOCK_OUT in session.anomalies
    assert world.clock.employee_view("E1").claim_required_for_clock_in
