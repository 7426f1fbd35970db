"""The mail schedule: a first round at start, a round on request after a claim, every round's report kept."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.services.mail import Mailer, MailSettings, SendReport
from kiosk.services.mail_schedule import MailSchedule
from kiosk.store.secrets import SecretStore
from tests.mail_server import PASSWORD, USER, MailServer
from tests.support import KioskWorld

DAY1_0800 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[MailServer]:
    mail_server = MailServer(tmp_path / "smtp")
    mail_server.start()
    yield mail_server
    mail_server.stop()


def test_a_claim_is_mailed_when_the_schedule_is_asked(world: KioskWorld, server: MailServer) -> None:
    mailer = Mailer(world.database, SecretStore(), world.time)
    settings = MailSettings(
        host="localhost",
        port=server.port,
        username=USER,
        from_address="kiosk-north@giovanni.example",
        to_addresses=("supervisor@giovanni.example",),
        ca_file=str(server.ca_file),
        timeout_seconds=5,
    )
    mailer.configure(settings, changed_by="supervisor", password=PASSWORD)
    reports: list[SendReport] = []
    first_round = threading.Event()

    def heard(report: SendReport) -> None:
        reports.append(report)
        first_round.set()

    schedule = MailSchedule(mailer, interval=3600, on_report=heard)
    schedule.request_send()  # before start: nothing to do it with, ignored
    assert schedule.last_report is None
    schedule.start()
    try:
        assert first_round.wait(timeout=30), "the first round did not run at start"
        assert reports[0] == SendReport(sent=0, failed=0, waiting=0)
        world.time.set(DAY1_0800)
        world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=IdentifiedBy.FACE)
        world.time.set(DAY1_0800 + timedelta(days=1))
        world.missed.create_and_submit_clockout_claim(
            "E1", DAY1_0800 + timedelta(hours=9), "forgot", identified_by=IdentifiedBy.FACE
        )
        schedule.request_send()
        assert server.inbox.arrived.wait(timeout=30), "the review email did not arrive"
    finally:
        schedule.close()
    schedule.close()  # a second close does nothing
    assert [message["Subject"] for message in server.inbox.messages] == [
        "[Giovanni Construction] Missed Clock-Out Requires Review"
    ]
    assert schedule.last_report == SendReport(sent=1, failed=0, waiting=0)


@pytest.mark.parametrize("interval", [0, 9.5, 3601])
def test_the_interval_is_bounded(world: KioskWorld, interval: float) -> None:
    mailer = Mailer(world.database, SecretStore(), world.time)
    with pytest.raises(ValueError, match="10 to 3600 seconds"):
        MailSchedule(mailer, interval=interval)
