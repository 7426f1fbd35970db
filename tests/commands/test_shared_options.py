"""Options that stand before or after the command (`--data-dir`, `--camera`, `--verbose`): every command that reads
a data folder reads the one given, wherever it stands, and never the default folder of another kiosk.

Two real kiosk databases: the one the command is pointed at (`ours`, with punches and a queued email) and the one
the environment names as the default (`theirs`, set up but empty). The commands run in this process, on the test's
own keyring.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from kiosk.commands import build_parser, kiosk, main, shared_options
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.store.device_settings import DeviceSettings, save_device_settings
from kiosk.store.location import DATA_DIR_VARIABLE, DATABASE_FILE
from kiosk.store.secrets import KEY_FILE_VARIABLE
from tests.support import KioskWorld, make_world

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)  # 08:00 in Manila
AS_OF = "2026-11-04T00:00:00Z"
OBAMA = ["barack_obama/fr_obama.jpg", "barack_obama/fr_obama2.jpg", "barack_obama/fr_obama1_knn_test.jpg"]


def _kiosk(folder: Path) -> KioskWorld:
    world = make_world(folder / DATABASE_FILE)
    with world.database.write() as session:
        settings = DeviceSettings(company_id="C1", site_id="S1", kiosk_id="K1", admin_pin_hash="set")
        save_device_settings(session, settings, world.time.now)
    return world


@pytest.fixture
def ours(tmp_path: Path) -> Path:
    """The kiosk the commands are pointed at: E1 worked Monday, and forgot to clock out on Tuesday (one email)."""
    folder = tmp_path / "our-kiosk"
    world = _kiosk(folder)
    world.time.set(MONDAY)
    world.clock.record_punch("E1", PunchKind.CLOCK_IN, identified_by=IdentifiedBy.PIN)
    world.time.set(MONDAY + timedelta(hours=9))
    world.clock.record_punch("E1", PunchKind.CLOCK_OUT, identified_by=IdentifiedBy.PIN)
    world.time.set(MONDAY + timedelta(days=1))
    world.clock.record_punch("E2", PunchKind.CLOCK_IN, identified_by=IdentifiedBy.PIN)
    world.time.set(MONDAY + timedelta(days=2))
    world.missed.create_and_submit_clockout_claim(
        "E2", MONDAY + timedelta(days=1, hours=8), "forgot", identified_by=IdentifiedBy.PIN
    )
    world.close()
    return folder


@pytest.fixture
def theirs() -> Path:
    """The default data folder (TIMECLOCK_DATA_DIR, a throwaway one per test): another kiosk, with no punches."""
    folder = Path(os.environ[DATA_DIR_VARIABLE])
    world = _kiosk(folder)
    world.close()
    return folder


def run(*arguments: str) -> int:
    try:
        return main(list(arguments))
    except SystemExit as stopped:
        return int(stopped.code or 0)


def employees_in(csv_text: str) -> list[str]:
    return [line.split(",")[0] for line in csv_text.splitlines()[1:]]


@pytest.mark.parametrize(
    "place", ["before", "after"], ids=["main.py --data-dir DIR timesheet", "main.py timesheet --data-dir DIR"]
)
def test_timesheet_reads_the_folder_given_wherever_the_option_stands(
    ours: Path, theirs: Path, place: str, capsys: pytest.CaptureFixture[str]
) -> None:
    options = ["timesheet", "--as-of", AS_OF]
    arguments = ["--data-dir", str(ours), *options] if place == "before" else [*options, "--data-dir", str(ours)]
    assert run(*arguments) == 0
    assert employees_in(capsys.readouterr().out) == ["E1", "E2", "E2"]  # E2: the claimed day and the next


@pytest.mark.parametrize(
    "arguments",
    [
        ("--data-dir", "{dir}", "mail", "show"),
        ("mail", "--data-dir", "{dir}", "show"),
        ("mail", "show", "--data-dir", "{dir}"),
        ("--data-dir", "{dir}", "mail", "show", "--data-dir", "{dir}"),
    ],
    ids=" ".join,
)
def test_mail_show_reads_the_folder_given_wherever_the_option_stands(
    ours: Path, theirs: Path, arguments: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(*(argument.format(dir=ours) for argument in arguments)) == 0
    assert capsys.readouterr().out == "mail: not configured; 1 message(s) waiting in the outbox\n"


@pytest.mark.parametrize("action", ["outbox", "send"])
def test_the_other_mail_actions_take_the_folder_after_the_action(
    ours: Path, theirs: Path, action: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run("mail", action, "--data-dir", str(ours))
    output = capsys.readouterr().out
    if action == "outbox":
        assert code == 0
        assert len(output.splitlines()) == 2  # the header and the one queued email
    else:
        assert code == 1
        assert output == "mail is not configured; 1 message(s) wait in the outbox\n"


def test_mail_configure_writes_to_the_folder_given_before_the_command(
    ours: Path, theirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure = ("configure", "--host", "smtp.example.com", "--from", "kiosk@example.com", "--to", "boss@example.com")
    assert run("--data-dir", str(ours), "mail", *configure) == 0
    capsys.readouterr()
    assert run("mail", "show", "--data-dir", str(ours)) == 0
    assert capsys.readouterr().out.startswith("mail: smtp.example.com:587")
    assert run("mail", "show") == 0  # the default folder's kiosk was left alone
    assert capsys.readouterr().out == "mail: not configured; 0 message(s) waiting in the outbox\n"


@pytest.mark.parametrize("place", ["before", "after"])
def test_selftest_checks_the_folder_given_wherever_the_option_stands(
    ours: Path, theirs: Path, place: str, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["--data-dir", str(ours), "selftest"] if place == "before" else ["selftest", "--data-dir", str(ours)]
    run(*arguments)
    database_line = next(line for line in capsys.readouterr().out.splitlines() if "database:" in line)
    assert database_line.startswith(f"ok    database: {ours.resolve() / DATABASE_FILE} opens")


def test_vision_enrolment_commands_use_the_folder_given_wherever_it_stands(
    ours: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faces = Path(__file__).resolve().parents[2].parent / "shared" / "faces" / "people"
    if "TIMECLOCK_FACES" in os.environ:
        faces = Path(os.environ["TIMECLOCK_FACES"]) / "people"
    if not faces.is_dir():
        pytest.fail(f"face test data not found at {faces} (set TIMECLOCK_FACES to its folder)")
    # The default folder holds no kiosk at all: a command that read it would say so and fail.
    images = [str(faces / name) for name in OBAMA]
    enroll = ("vision", "enroll", "--employee", "E1", "--images", *images, "--consent-by", "Lim")
    assert run("--data-dir", str(ours), *enroll) == 0
    assert json.loads(capsys.readouterr().out)["templates"] == 3
    identify = ("vision", "identify", "--image", str(faces / "barack_obama" / "fr_obama3.jpg"))
    assert run("--data-dir", str(ours), *identify) == 0
    assert json.loads(capsys.readouterr().out)["employee"] == "E1"
    assert run(*identify, "--data-dir", str(ours)) == 0
    assert json.loads(capsys.readouterr().out)["employee"] == "E1"
    assert run("--data-dir", str(ours), "vision", "forget", "--employee", "E1", "--by", "Lim") == 0
    assert json.loads(capsys.readouterr().out) == {"employee": "E1", "name": "Maria Santos", "templates_removed": 3}


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (("--data-dir", "/srv/a", "provision", "tck1.x"), Path("/srv/a")),
        (("provision", "tck1.x", "--data-dir", "/srv/a"), Path("/srv/a")),
        (("--data-dir", "/srv/a"), Path("/srv/a")),
        (("--data-dir", "/srv/a", "--windowed"), Path("/srv/a")),
        (("provision", "tck1.x"), None),
    ],
)
def test_provision_and_the_kiosk_itself_take_the_folder(arguments: tuple[str, ...], expected: Path | None) -> None:
    args = build_parser().parse_args(arguments)
    assert shared_options.resolve(args) is None
    assert kiosk.misplaced(args) is None
    assert args.data_dir == expected


@pytest.mark.parametrize("arguments", [("--camera", "clip.mp4", "selftest"), ("selftest", "--camera", "clip.mp4")])
def test_the_camera_goes_before_or_after_selftest(arguments: tuple[str, ...]) -> None:
    args = build_parser().parse_args(arguments)
    assert shared_options.resolve(args) is None
    assert args.camera == "clip.mp4"


def test_the_same_folder_spelled_twice_is_one_folder(
    ours: Path, theirs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ours.parent)
    assert run("--data-dir", ours.name, "mail", "show", "--data-dir", str(ours)) == 0
    assert capsys.readouterr().out == "mail: not configured; 1 message(s) waiting in the outbox\n"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ("--data-dir", "{ours}", "timesheet", "--data-dir", "{theirs}"),
            "--data-dir is given twice with different values ({ours} and {theirs}); give it once",
        ),
        (
            ("--data-dir", "{ours}", "mail", "--data-dir", "{theirs}", "show"),
            "--data-dir is given twice with different values ({ours} and {theirs}); give it once",
        ),
        (
            ("--camera", "1", "selftest", "--camera", "2"),
            "--camera is given twice with different values (1 and 2); give it once",
        ),
        (("--data-dir", "{ours}", "fetch-models"), "--data-dir does not apply to the fetch-models command"),
        (("--camera", "1", "timesheet"), "--camera does not apply to the timesheet command"),
        (
            ("--windowed", "--demo", "timesheet"),
            "--demo, --windowed applies to the kiosk screen (main.py with no command), not to the timesheet command",
        ),
        (("timesheet", "--windowed"), "unrecognized arguments: --windowed"),
    ],
)
def test_an_ambiguous_or_misplaced_option_is_refused_and_nothing_happens(
    ours: Path, theirs: Path, arguments: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {path: path.stat().st_mtime_ns for path in (ours / DATABASE_FILE, theirs / DATABASE_FILE)}
    assert run(*(argument.format(ours=ours, theirs=theirs) for argument in arguments)) == 2
    output = capsys.readouterr()
    assert output.out == ""
    assert output.err.splitlines()[-1] == f"main.py: error: {message.format(ours=ours, theirs=theirs)}"
    assert {path: path.stat().st_mtime_ns for path in before} == before


@pytest.mark.parametrize("arguments", [("-v", "mail", "show"), ("mail", "show", "-v"), ("mail", "-v", "show")])
def test_verbose_goes_anywhere(theirs: Path, arguments: tuple[str, ...]) -> None:
    args = build_parser().parse_args(arguments)
    assert shared_options.resolve(args) is None
    assert args.verbose is True


@pytest.mark.parametrize(
    "arguments",
    [
        ("--data-dir", "{dir}", "secrets", "show"),
        ("secrets", "--data-dir", "{dir}", "show"),
        ("secrets", "show", "--data-dir", "{dir}"),
    ],
    ids=" ".join,
)
def test_secrets_show_names_the_store_of_the_folder_given_wherever_the_option_stands(
    ours: Path,
    theirs: Path,
    arguments: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # No keyring: the secrets would live in the data folder's encrypted file, whose path the command prints.
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    monkeypatch.setenv(KEY_FILE_VARIABLE, str(ours.parent / "key" / "secrets.key"))
    assert run(*(argument.format(dir=ours) for argument in arguments)) == 0
    store = capsys.readouterr().out.splitlines()[0]
    assert f"{ours.resolve() / 'secrets.vault'}" in store, store
    assert str(theirs) not in store
