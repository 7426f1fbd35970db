"""The missed clock-out review email: queued with the claim, sent by SMTP to a real server in this process (aiosmtpd,
STARTTLS with a certificate from a test authority, AUTH), kept and retried when sending fails."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.domain.errors import RuleViolation
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.services.mail import Mailer, MailSettings
from kiosk.services.roster import Roster
from kiosk.store import mail_outbox, repository
from kiosk.store.secrets import SMTP_PASSWORD, SecretStore
from tests.mail_server import PASSWORD, USER, MailServer
from tests.support import KioskWorld
from wire.mail import retry_pause

FACE = IdentifiedBy.FACE
DAY1_0800 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # 08:00 in Manila
SUBJECT = "[Giovanni Construction] Missed Clock-Out Requires Review"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[MailServer]:
    """An SMTP server on a free port, not yet started (tests start it when they want it up)."""
    mail_server = MailServer(tmp_path)
    yield mail_server
    mail_server.stop()


@pytest.fixture
def mailer(world: KioskWorld) -> Mailer:
    return Mailer(world.database, SecretStore(), world.time)


def settings_for(server: MailServer, **changes: Any) -> MailSettings:
    values: dict[str, Any] = {
        "host": "localhost",
        "port": server.port,
        "username": USER,
        "from_address": "kiosk-north@giovanni.example",
        "to_addresses": ("supervisor@giovanni.example", "hr@giovanni.example"),
        "ca_file": str(server.ca_file),
        "timeout_seconds": 5,
    }
    return MailSettings(**(values | changes))


def submit_claim(world: KioskWorld) -> None:
    world.time.set(DAY1_0800)
    world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=FACE)
    world.time.set(DAY1_0800 + timedelta(days=1))
    world.missed.create_and_submit_clockout_claim(
        "E1", DAY1_0800 + timedelta(hours=9), "forgot", "left with the crane crew", identified_by=FACE
    )


def test_a_claim_queues_the_review_email_in_its_transaction(world: KioskWorld, mailer: Mailer) -> None:
    Roster(world.database, world.clock, SecretStore()).update_employee(
        "E1", number="W-0001", first_name="Maria", last_name="Santos", department=None, daily_rate=800, changed_by="s"
    )
    submit_claim(world)
    (queued,) = mailer.outbox()
    (incident,) = world.missed.get_missed_clockout_incidents()
    assert (queued.subject, queued.related_id, queued.sent_at, queued.attempts) == (SUBJECT, str(incident.id), None, 0)
    assert queued.body.splitlines()[:8] == [
        "Maria Santos did not clock out and has submitted a missed clock-out claim.",
        "",
        "Employee: Maria Santos (employee W-0001)",
        "Site: North yard",
        "Original clock-in: 2026-11-02 08:00 (Asia/Manila, UTC+08:00)",
        "Claimed clock-out: 2026-11-02 17:00 (Asia/Manila, UTC+08:00)",
        "Reason: Forgot",
        "Note: left with the crane crew",
    ]
    assert "admin mode" in queued.body and "python -m central incidents list" in queued.body
    assert "E1" not in queued.body  # the internal id stays internal


def test_a_refused_claim_queues_nothing(world: KioskWorld, mailer: Mailer) -> None:
    world.time.set(DAY1_0800)
    world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=FACE)
    world.time.set(DAY1_0800 + timedelta(days=1))
    with pytest.raises(RuleViolation):
        world.missed.create_and_submit_clockout_claim(
            "E1", DAY1_0800 + timedelta(hours=30), "forgot", identified_by=FACE
        )
    assert mailer.outbox() == []


def test_unconfigured_mail_waits_in_the_outbox(world: KioskWorld, mailer: Mailer) -> None:
    submit_claim(world)
    report = mailer.send_due()
    assert (report.configured, report.sent, report.waiting) == (False, 0, 1)
    assert mailer.outbox(unsent_only=True)[0].attempts == 0


def test_mail_is_sent_over_starttls_with_login(world: KioskWorld, mailer: Mailer, server: MailServer) -> None:
    server.start()
    mailer.configure(settings_for(server), changed_by="supervisor", password=PASSWORD)
    submit_claim(world)
    report = mailer.send_due()
    assert (report.sent, report.failed, report.waiting, report.last_error) == (1, 0, 0, None)
    (message,) = server.inbox.messages
    assert message["Subject"] == SUBJECT
    assert message["From"] == "kiosk-north@giovanni.example"
    assert message["To"] == "supervisor@giovanni.example, hr@giovanni.example"
    assert "Original clock-in: 2026-11-02 08:00 (Asia/Manila, UTC+08:00)" in message.get_payload()
    assert server.inbox.envelopes == [
        ("kiosk-north@giovanni.example", ["supervisor@giovanni.example", "hr@giovanni.example"])
    ]
    assert server.inbox.logins == [USER]
    (sent,) = mailer.outbox()
    assert sent.sent_at == world.time.now and sent.attempts == 1
    assert mailer.send_due().sent == 0  # sent once only


def test_unsent_mail_stays_queued_and_is_retried(world: KioskWorld, mailer: Mailer, server: MailServer) -> None:
    mailer.configure(settings_for(server), changed_by="supervisor", password=PASSWORD)
    submit_claim(world)
    down = mailer.send_due()  # nothing listens on the port yet
    assert (down.sent, down.failed, down.waiting) == (0, 1, 1)
    assert down.last_error is not None and f"cannot send through localhost:{server.port}" in down.last_error
    (queued,) = mailer.outbox()
    assert (queued.attempts, queued.next_attempt_at, queued.sent_at) == (1, world.time.now + timedelta(minutes=1), None)

    server.start()
    assert mailer.send_due().sent == 0  # not due for another minute
    world.time.advance(minutes=1)
    assert mailer.send_due().sent == 1
    assert [message["Subject"] for message in server.inbox.messages] == [SUBJECT]


@pytest.mark.parametrize(
    "case",
    [
        ({}, "wrong-password", "Authentication"),
        ({"ca_file": None}, PASSWORD, "CERTIFICATE_VERIFY_FAILED"),
        ({"starttls": False}, PASSWORD, "AUTH extension not supported"),  # no login over plain text
        ({}, "", "secret store holds no SMTP password"),
    ],
)
def test_a_refusing_server_keeps_the_mail(
    world: KioskWorld, mailer: Mailer, server: MailServer, case: tuple[dict[str, Any], str, str]
) -> None:
    change, password, words = case
    server.start()
    mailer.configure(settings_for(server, **change), changed_by="supervisor", password=password)
    submit_claim(world)
    report = mailer.send_due()
    assert (report.sent, report.failed, report.waiting) == (0, 1, 1)
    assert report.last_error is not None and words in report.last_error
    assert server.inbox.messages == []
    mailer.configure(settings_for(server), changed_by="supervisor", password=PASSWORD)
    world.time.advance(minutes=1)
    assert mailer.send_due().sent == 1


def test_settings_are_stored_with_the_password_in_the_keyring(
    world: KioskWorld, mailer: Mailer, server: MailServer
) -> None:
    assert mailer.settings() == MailSettings()
    settings = settings_for(server)
    mailer.configure(settings, changed_by="supervisor", password=PASSWORD)
    assert mailer.settings() == settings
    assert SecretStore().get(SMTP_PASSWORD) == PASSWORD
    with world.database.read() as session:
        (entry,) = repository.audit_entries(session, "settings.mail")
        stored = repository.device_values(session)["mail"]
    assert PASSWORD not in entry.detail and PASSWORD not in str(stored)
    mailer.configure(replace(settings, username=None), changed_by="supervisor", password="")
    assert SecretStore().get(SMTP_PASSWORD) is None


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"host": "smtp example.com"}, "not a host name"),
        ({"port": 0}, "1 to 65535"),
        ({"port": "587"}, "1 to 65535"),
        ({"from_address": "kiosk"}, "not an email address"),
        ({"to_addresses": ("hr@giovanni.example", "hr@giovanni.example")}, "listed twice"),
        ({"to_addresses": ()}, "at least one recipient"),
        ({"to_addresses": ("a@b.example, c@d.example",)}, "not an email address"),
        ({"starttls": "yes"}, "STARTTLS"),
        ({"timeout_seconds": 0}, "timeout"),
        ({"ca_file": "/nowhere/ca.pem"}, "does not exist"),
        ({"username": " "}, "user name"),
    ],
)
def test_bad_settings_are_refused(
    world: KioskWorld, mailer: Mailer, server: MailServer, changes: dict[str, Any], words: str
) -> None:
    with pytest.raises(RuleViolation, match=words) as refused:
        settings_for(server, **changes)
    assert refused.value.code == "mail_setting_invalid"
    assert mailer.settings() == MailSettings()


def test_stored_settings_of_the_wrong_shape_are_refused() -> None:
    assert MailSettings.from_json(MailSettings().to_json()) == MailSettings()
    bad_values: list[object] = [[], {"hostname": "x"}, {"to_addresses": "hr@giovanni.example"}]
    for bad in bad_values:
        with pytest.raises(RuleViolation, match=r"mail setting|must be"):
            MailSettings.from_json(bad)


def test_retry_pauses_double_up_to_an_hour(world: KioskWorld) -> None:
    assert [retry_pause(n) for n in (1, 2, 3, 7, 8, 500)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(hours=1),
    ]
    with world.database.read() as session:
        assert mail_outbox.count_unsent(session) == 0


def test_the_review_email_links_to_the_claim_in_head_offices_console(
    world: KioskWorld, mailer: Mailer, server: MailServer
) -> None:
    mailer.configure(
        settings_for(server, console_url="https://hq.giovanni.example/console/"), changed_by="s", password=PASSWORD
    )
    submit_claim(world)
    (queued,) = mailer.outbox()
    (incident,) = world.missed.get_missed_clockout_incidents()
    assert f"Review it here: https://hq.giovanni.example/console/incidents/{incident.id}" in queued.body


@pytest.mark.parametrize("url", ["hq.giovanni.example", "ftp://hq.example", "https://hq.example/x?a=1", "https:// x"])
def test_a_console_address_that_is_not_one_is_refused(
    world: KioskWorld, mailer: Mailer, server: MailServer, url: str
) -> None:
    with pytest.raises(RuleViolation, match="is not a web address"):
        mailer.configure(settings_for(server, console_url=url), changed_by="s", password=PASSWORD)
    assert mailer.settings() == MailSettings()
