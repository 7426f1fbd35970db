"""`python main.py mail ...` as a real process: configure with the password through standard input, look at the
outbox, send to an SMTP server running in the test process."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.store import repository
from kiosk.store.location import DATABASE_FILE
from tests.file_keyring import process_environment
from tests.mail_server import PASSWORD, USER, MailServer
from tests.support import KioskWorld, make_world

ROOT = Path(__file__).resolve().parents[2]
DAY1_0800 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


@pytest.fixture
def world(data_dir: Path) -> Iterator[KioskWorld]:
    """A kiosk database in `data_dir` with one missed clock-out claim, so one review email waits."""
    kiosk = make_world(data_dir / DATABASE_FILE)
    kiosk.time.set(DAY1_0800)
    kiosk.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=IdentifiedBy.FACE)
    kiosk.time.set(DAY1_0800 + timedelta(days=1))
    kiosk.missed.create_and_submit_clockout_claim(
        "E1", DAY1_0800 + timedelta(hours=9), "forgot", identified_by=IdentifiedBy.FACE
    )
    yield kiosk
    kiosk.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[MailServer]:
    mail_server = MailServer(tmp_path / "smtp")
    mail_server.start()
    yield mail_server
    mail_server.stop()


def mail(data_dir: Path, keyring: Path, *options: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "main.py"), "mail", "--data-dir", str(data_dir), *options]
    return subprocess.run(
        command,
        cwd=ROOT,
        env=process_environment(keyring),
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_configure_show_send_and_list(world: KioskWorld, data_dir: Path, tmp_path: Path, server: MailServer) -> None:
    keyring = tmp_path / "keyring.json"
    unsent = mail(data_dir, keyring, "send")
    assert unsent.returncode == 1
    assert unsent.stdout == "mail is not configured; 1 message(s) wait in the outbox\n"

    configure = [
        *("configure", "--host", "localhost", "--port", str(server.port), "--user", USER),
        *("--from", "kiosk-north@giovanni.example", "--to", "supervisor@giovanni.example"),
        *("--ca-file", str(server.ca_file), "--timeout", "5", "--password-stdin"),
    ]
    configured = mail(data_dir, keyring, *configure, stdin=PASSWORD + "\n")
    assert configured.returncode == 0, configured.stderr
    assert PASSWORD in keyring.read_text(encoding="utf-8")
    shown = mail(data_dir, keyring, "show")
    assert shown.stdout.splitlines() == [
        f"mail: localhost:{server.port}, STARTTLS on",
        f"login: {USER}",
        "from: kiosk-north@giovanni.example",
        "to: supervisor@giovanni.example",
        f"extra certificate authorities: {server.ca_file}",
        "waiting: 1 message(s)",
    ]
    sent = mail(data_dir, keyring, "send")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert sent.stdout == "sent 1, failed 0, waiting 0\n"
    assert [message["Subject"] for message in server.inbox.messages] == [
        "[Giovanni Construction] Missed Clock-Out Requires Review"
    ]
    listed = list(csv.DictReader(io.StringIO(mail(data_dir, keyring, "outbox").stdout)))
    assert [(row["subject"], row["attempts"], row["last_error"]) for row in listed] == [
        ("[Giovanni Construction] Missed Clock-Out Requires Review", "1", "")
    ]
    assert listed[0]["sent_at"] != ""


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (("configure", "--host", "localhost", "--to", "hr@giovanni.example"), "give the sender"),
        (("configure", "--from", "kiosk@giovanni.example"), "--host is required"),
        (("configure", "--off", "--host", "localhost"), "--off removes the SMTP server"),
        (("configure", "--host", "localhost", "--port", "70000"), "1 to 65535"),
        (
            ("configure", "--host", "x.example", "--from", "a@x.example", "--to", "b@x.example", "--password-stdin"),
            "standard input held no password",
        ),
    ],
)
def test_bad_settings_change_nothing(
    world: KioskWorld, data_dir: Path, tmp_path: Path, options: tuple[str, ...], words: str
) -> None:
    keyring = tmp_path / "keyring.json"
    result = mail(data_dir, keyring, *options)
    assert result.returncode != 0
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert not keyring.exists()
    with world.database.read() as session:
        assert "mail" not in repository.device_values(session)
        assert repository.audit_entries(session, "settings.mail") == []


def test_a_folder_without_a_kiosk_is_refused(tmp_path: Path) -> None:
    result = mail(tmp_path / "nothing", tmp_path / "keyring.json", "show")
    assert result.returncode != 0
    assert "there is no kiosk database" in result.stderr
    assert not (tmp_path / "nothing").exists()
