"""A data folder the kiosk cannot write in (its disk went read-only): the kiosk says so in a window, with what to do,
and starts by itself once the folder is writable again; `selftest` fails on the same folder with the same words.

The tests run as root, whom file modes do not stop, so the folder is made read-only for real: a read-only bind
mount of a folder in the test's temporary directory.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.services.kiosk_setup import KioskSetup
from kiosk.store.database import Database
from kiosk.store.location import DATABASE_FILE, write_problem
from kiosk.store.secrets import SecretStore
from tests.file_keyring import FILE_VARIABLE, FileKeyring, process_environment
from tests.support import ManualTimeSource

ROOT = Path(__file__).resolve().parents[2]


class ReadOnlyMount:
    """`path` shows the files of a folder of its own through a bind mount that can be switched read-only and back."""

    def __init__(self, source: Path, path: Path) -> None:
        self.source = source
        self.path = path

    def _mount(self, *arguments: str) -> None:
        result = subprocess.run(["mount", *arguments], capture_output=True, text=True, check=False, timeout=30)
        if result.returncode != 0:
            pytest.fail(
                f"this test makes a folder read-only with a bind mount, which needs root with the right to mount "
                f"(CAP_SYS_ADMIN): mount {' '.join(arguments)} said {result.stderr.strip()!r}"
            )

    def read_only(self) -> None:
        self._mount("-o", "remount,ro,bind", str(self.path))

    def writable(self) -> None:
        self._mount("-o", "remount,rw,bind", str(self.path))


@pytest.fixture
def mount(tmp_path: Path) -> Iterator[ReadOnlyMount]:
    source, path = tmp_path / "disk", tmp_path / "kiosk-data"
    source.mkdir()
    path.mkdir()
    mounted = ReadOnlyMount(source, path)
    mounted._mount("--bind", str(source), str(path))
    try:
        yield mounted
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False, timeout=30)


def test_write_problem_names_a_read_only_folder(mount: ReadOnlyMount) -> None:
    assert write_problem(mount.path) is None
    assert write_problem(mount.path / "not" / "made" / "yet") is None
    mount.read_only()
    assert write_problem(mount.path) == f"nothing can be written in {mount.path} (Read-only file system)"
    assert write_problem(mount.path / "later") == f"nothing can be written in {mount.path} (Read-only file system)"
    assert list(mount.source.iterdir()) == []  # the trial file was removed


def test_the_kiosk_shows_what_is_wrong_and_starts_once_the_folder_is_writable(
    mount: ReadOnlyMount, tmp_path: Path
) -> None:
    mount.read_only()
    environment = process_environment(tmp_path / "keyring.json") | {"QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "tests.ui.kiosk_process", "--", "--data-dir", str(mount.path), "--no-camera"]
    kiosk = subprocess.Popen(
        [*command, "--demo"], cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert kiosk.stdout is not None
        told = kiosk.stdout.readline()
        assert told.startswith("problem window: The kiosk cannot start | "), told
        assert f"The data folder {mount.path} cannot be used: nothing can be written in {mount.path}" in told
        assert "(Read-only file system)" in told
        assert "Ask IT to make this folder writable again" in told and "--data-dir" in told
        time.sleep(1.5)  # the window stays while the folder stays read-only, whatever is tapped
        assert kiosk.poll() is None
        mount.writable()
        stdout, stderr = kiosk.communicate(timeout=120)
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
            kiosk.communicate()
    report = f"stdout:\n{told}{stdout}\nstderr:\n{stderr[-3000:]}"
    assert kiosk.returncode == 0, report
    assert stdout.splitlines()[-3:] == ["supervisor mode", "exit confirmed", "exited 0"], report
    assert "Traceback" not in stderr, report
    # The log could not go to its file while the folder was read-only: it went to standard error instead.
    assert f"the log file cannot be written in {mount.path}" in stderr, report
    # Said once, although the kiosk looked again at every "Try again" until the folder was writable.
    assert stderr.count(f"the data folder {mount.path} cannot be used") == 1, report
    assert (mount.source / DATABASE_FILE).is_file()  # the kiosk did start, on the folder it was given
    assert (mount.source / "logs" / "kiosk.log").is_file()


def test_selftest_fails_on_a_read_only_data_folder(mount: ReadOnlyMount, tmp_path: Path) -> None:
    keyring = tmp_path / "keyring.json"
    database = Database(mount.path / DATABASE_FILE)
    environment_keyring = FileKeyring()  # type: ignore[no-untyped-call]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(FILE_VARIABLE, str(keyring))
        KioskSetup(database, SecretStore(environment_keyring), ManualTimeSource()).set_up(
            company_name="Giovanni Construction", site_name="North yard", timezone="Asia/Manila", admin_pin="482915"
        )
    database.close()
    mount.read_only()
    command = [sys.executable, str(ROOT / "main.py"), "--data-dir", str(mount.path), "selftest"]
    result = subprocess.run(
        command, cwd=ROOT, env=process_environment(keyring), capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 1, result.stdout + result.stderr
    first = result.stdout.splitlines()[0]
    assert first == (
        f"FAIL  data folder: nothing can be written in {mount.path} (Read-only file system); the kiosk would not "
        "start (punches could not be kept): make the folder writable, or give the kiosk a folder it can write in "
        "with --data-dir"
    )
    assert result.stdout.splitlines()[-1].startswith("selftest FAILED: ")
    assert "data folder" in result.stdout.splitlines()[-1]
    assert "Traceback" not in result.stdout + result.stderr
