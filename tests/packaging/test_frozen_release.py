"""The real release, end to end (slow: one PyInstaller build of several minutes, shared by every test here).

`python3 run.py build` builds and signs the archive; a build whose frozen app fails is not signed; install.sh puts
it into a temporary root; the installed app verifies itself; the frozen kiosk, started as the unit starts it (cage,
headless, as the kiosk's own user, with no D-Bus session and no keyring), reaches its idle screen full screen, is
killed with SIGKILL, is started again as systemd's Restart=always does, and still holds every punch.

Run with `python3 run.py test -m slow tests/packaging/test_frozen_release.py`.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.services.clock import SystemTimeSource
from kiosk.services.release import load_public_key, make_key_pair
from kiosk.services.timeclock import TimeClock
from kiosk.services.update_repository import UpdateRepository
from kiosk.services.updates import Installation, KioskUpdater, running_release
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.device_settings import load_device_settings
from kiosk.store.update_state import UpdateStateFiles
from tests.system import require_programs
from tests.update_support import PLATFORM, install, serve, small_release
from tests.vision.conftest import faces_root

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
APP = "timeclock-kiosk"
GROUND_BGR = (0x20, 0x12, 0x0B)  # the kiosk's background, #0b1220
IDLE_LOG_LINE = "screen IdleScreen"
START_TIMEOUT_S = 120.0
# Output size of cage's headless backend.
SCREEN = (1280, 720)

# The module's first test waits for the build (PyInstaller alone takes minutes on two cores).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]


@dataclass(frozen=True)
class Release:
    archive: Path
    public_key: Path
    private_key: Path
    build_seconds: float


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    """One real build for the whole module: PyInstaller, the frozen smoke test, the signature."""
    if os.geteuid() != 0:
        pytest.fail("these tests run as root (install.sh creates a user; cage runs as that user)")
    require_programs("cage", "grim", "Xwayland", "openssl", "useradd", "setpriv", packages="cage grim xwayland openssl")
    folder = tmp_path_factory.mktemp("release")
    private, public = make_key_pair(folder / "keys")
    started = time.monotonic()
    built = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--key", str(private), "--out", str(folder / "out"),
         "--frame", str(faces_root() / "people" / "barack_obama" / "fr_obama-240p.jpg")],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=3600,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    archives = list((folder / "out").glob("timeclock-kiosk-*-linux-x86_64.tar.gz"))
    assert len(archives) == 1, archives
    return Release(archives[0], public, private, time.monotonic() - started)


@pytest.fixture(scope="module")
def installed(release: Release) -> Iterator[Path]:
    """The release installed by install.sh into a temporary root the kiosk's user can reach."""
    root = Path(tempfile.mkdtemp(prefix="timeclock-root-"))
    root.chmod(0o755)  # the kiosk's user must reach /opt and /var/lib inside it, as on a real root
    done = subprocess.run(
        ["bash", str(LINUX / "install.sh"), "--root", str(root), "--pub", str(release.public_key),
         str(release.archive)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    yield root
    shutil.rmtree(root)


def test_the_archive_verifies_and_holds_the_models_and_plugins_the_kiosk_needs(release: Release) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "verify", "--pub", str(release.public_key), str(release.archive)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with tarfile.open(release.archive, "r:gz") as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    for needed in (
        "timeclock-kiosk",
        "MANIFEST",
        "MANIFEST.sig",
        "_internal/resources/models/face_landmarker.task",
        "_internal/face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat",
        "_internal/face_recognition_models/models/shape_predictor_68_face_landmarks.dat",
        "_internal/mediapipe/tasks/c/libmediapipe.so",
        "_internal/PySide6/Qt/plugins/platforms/libqwayland.so",
        "_internal/PySide6/Qt/plugins/platforms/libqxcb.so",
        "_internal/kiosk/store/migrations/versions/0001_initial_local_schema.py",
        "_internal/resources/styles/kiosk.qss",
    ):
        assert needed in names, needed
    print(f"build {release.build_seconds:.0f} s, archive {release.archive.stat().st_size / 1e6:.1f} MB")


def test_a_build_whose_frozen_app_fails_is_not_signed(release: Release, tmp_path: Path) -> None:
    with tarfile.open(release.archive, "r:gz") as tar:
        tar.extractall(tmp_path / "unpacked", filter="data")
    (folder,) = (tmp_path / "unpacked").iterdir()
    model = folder / "_internal" / "resources" / "models" / "face_landmarker.task"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte: the pinned model no longer matches
    model.write_bytes(bytes(data))
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--key", str(release.private_key), "--out", str(out),
         "--dist", str(folder)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=1800,
    )  # fmt: skip
    assert result.returncode == 1
    assert "build FAILED, nothing signed: the frozen app failed `selftest" in result.stderr
    assert "landmark model" in result.stderr and "corrupt or not the expected version" in result.stderr
    assert list(out.iterdir()) == []


def kiosk_user(root: Path) -> tuple[int, int]:
    line = next(line for line in (root / "etc" / "passwd").read_text().splitlines() if line.startswith(f"{APP}:"))
    fields = line.split(":")
    return int(fields[2]), int(fields[3])


def test_the_installed_app_verifies_itself_against_the_pinned_key(installed: Path) -> None:
    program = installed / "opt" / APP / "current" / APP
    env = {"PATH": "/usr/bin:/bin", "TIMECLOCK_RELEASE_PUB": str(installed / "etc" / APP / "release.pub")}
    ok = subprocess.run([str(program), "verify"], env=env, capture_output=True, text=True, check=False, timeout=600)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"ok: {(installed / 'opt' / APP).resolve()}/")
    style = installed / "opt" / APP / "current" / "_internal" / "resources" / "styles" / "kiosk.qss"
    original = style.read_bytes()
    style.write_bytes(original.replace(b"#", b"$", 1))
    try:
        bad = subprocess.run(
            [str(program), "verify"], env=env, capture_output=True, text=True, check=False, timeout=600
        )
    finally:
        style.write_bytes(original)
    assert bad.returncode == 1
    assert "does not match its signed manifest; changed: _internal/resources/styles/kiosk.qss" in bad.stderr


class CagedKiosk:
    """The kiosk started the way its systemd unit starts it, inside the temporary root, on cage's headless output."""

    def __init__(self, root: Path, runtime: Path, log: Path) -> None:
        self.root = root
        self.runtime = runtime
        self.log = log
        self.uid, self.gid = kiosk_user(root)
        self.process: subprocess.Popen[bytes] | None = None

    def environment(self) -> dict[str, str]:
        """The unit's Environment= lines, with its folders moved into the temporary root; no D-Bus, no keyring."""
        env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "XDG_RUNTIME_DIR": str(self.runtime)}
        unit = (self.root / "etc" / "systemd" / "system" / f"{APP}.service").read_text()
        for line in unit.splitlines():
            if line.startswith("Environment="):
                name, _, value = line.removeprefix("Environment=").partition("=")
                env[name] = str(self.root) + value if value.startswith(("/var/", "/etc/", "/opt/")) else value
        # cage on the headless backend with the software renderer. With a normal output transform, cage hands a
        # full-screen window's buffer straight to the headless output (direct scan-out), and the screenshot protocol
        # then copies black; turned 180 degrees (-r -r) it composites, and grim turns the picture back upright.
        env.update(WLR_BACKENDS="headless", WLR_RENDERER="pixman", WLR_LIBINPUT_NO_DEVICES="1")
        return env

    def command(self, *options: str) -> list[str]:
        unit = (self.root / "etc" / "systemd" / "system" / f"{APP}.service").read_text()
        exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
        words = shlex.split(exec_start.removeprefix("ExecStart="))
        assert words[:3] == ["/usr/bin/cage", "-d", "--"] and words[-1] == "$KIOSK_OPTIONS", words
        program = str(self.root) + words[3]
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups",
                "cage", "-d", "-r", "-r", "--", program, *options]  # fmt: skip

    def start(self, *options: str) -> float:
        """Start it and wait for the idle screen; the seconds that took."""
        self.log.write_bytes(b"")
        started = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command("-v", *options), env=self.environment(), stdout=log, stderr=subprocess.STDOUT
            )
        deadline = started + START_TIMEOUT_S
        while IDLE_LOG_LINE not in self.log.read_text(errors="replace"):
            assert self.process.poll() is None, f"the kiosk stopped:\n{self.log.read_text(errors='replace')}"
            assert time.monotonic() < deadline, f"no idle screen after {START_TIMEOUT_S} s:\n{self.log.read_text()}"
            time.sleep(0.2)
        return time.monotonic() - started

    def kiosk_pid(self) -> int:
        """The kiosk's process: under cage, below the launcher."""
        assert self.process is not None
        waiting, seen = [self.process.pid], []
        while waiting:
            pid = waiting.pop()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            for child in children:
                seen.append(child)
                if Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")[0].endswith(APP.encode()):
                    return int(child)
                waiting.append(int(child))
        raise AssertionError(f"no kiosk process under cage ({seen})")

    def screenshot(self, target: Path) -> np.ndarray:
        """What the screen shows, taken with grim as the kiosk's user."""
        shot = self.runtime / "screen.png"
        env = {"PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": str(self.runtime), "WAYLAND_DISPLAY": "wayland-0"}
        taken = subprocess.run(
            ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups", "grim", str(shot)],
            env=env, capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        assert taken.returncode == 0, taken.stderr
        shutil.copyfile(shot, target)
        image = cv2.imread(str(target))
        assert image is not None
        return image

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def assert_full_screen_idle(image: np.ndarray) -> None:
    """The whole output is the kiosk: its background reaches every edge, no title bar, nothing of the desktop."""
    height, width = image.shape[:2]
    assert (width, height) == SCREEN
    edges = np.concatenate([image[:3].reshape(-1, 3), image[:, :3].reshape(-1, 3), image[:, -3:].reshape(-1, 3)])
    share = float(np.mean(np.all(edges == np.array(GROUND_BGR, dtype=np.uint8), axis=1)))
    assert share > 0.95, f"only {share:.0%} of the screen's edges are the kiosk's background"
    # Something is drawn on that background: the clock, the site's name, the buttons.
    assert float(np.mean(np.any(image != np.array(GROUND_BGR, dtype=np.uint8), axis=2))) > 0.05


def punch_ids(database_path: Path) -> set[str]:
    database = Database(database_path)
    try:
        with database.read() as session:
            settings = load_device_settings(session)
            assert settings.company_id is not None
            return {str(punch.id) for punch in repository.all_punches(session, settings.company_id)}
    finally:
        database.close()


def test_the_frozen_kiosk_runs_under_cage_survives_sigkill_and_keeps_every_punch(
    installed: Path, tmp_path: Path
) -> None:
    uid, gid = kiosk_user(installed)
    runtime = Path(tempfile.mkdtemp(prefix="timeclock-runtime-"))
    os.chown(runtime, uid, gid)
    kiosk = CagedKiosk(installed, runtime, tmp_path / "kiosk.log")
    data = installed / "var" / "lib" / APP
    try:
        first = kiosk.start("--no-camera", "--demo")
        time.sleep(2)  # the first frames after the idle screen is chosen
        assert_full_screen_idle(kiosk.screenshot(tmp_path / "idle.png"))
        assert "DBUS_SESSION_BUS_ADDRESS" not in kiosk.environment()
        # No keyring and no sealed key here: the last-resort store, said plainly.
        assert "secrets are protected by file permissions only" in kiosk.log.read_text()

        # Punches recorded while the kiosk runs, committed to its database as a tap would be.
        database = Database(data / "kiosk.db")
        try:
            with database.read() as session:
                settings = load_device_settings(session)
                assert settings.company_id and settings.site_id and settings.kiosk_id
                people = [employee.id for employee in repository.employees(session, settings.company_id)]
            clock = TimeClock(
                database, company_id=settings.company_id, site_id=settings.site_id, kiosk_id=settings.kiosk_id,
                time_source=SystemTimeSource(),
            )  # fmt: skip
            recorded = {
                str(outcome.punch.id)
                for employee in people
                if (outcome := clock.record_punch(employee, PunchKind.CLOCK_IN, identified_by=IdentifiedBy.PIN)).punch
            }
        finally:
            database.close()
        assert len(recorded) == len(people) == 3

        os.kill(kiosk.kiosk_pid(), signal.SIGKILL)
        assert kiosk.process is not None
        kiosk.process.wait(timeout=30)  # cage ends with its only client, and the unit's Restart=always starts it again
        again = kiosk.start("--no-camera")
        time.sleep(2)
        assert_full_screen_idle(kiosk.screenshot(tmp_path / "idle-again.png"))
        kiosk.stop()
        assert recorded <= punch_ids(data / "kiosk.db")
        # Every file the kiosk made in its data folder is its user's, and no other user can read the folder.
        assert {(path.stat().st_uid, path.stat().st_gid) for path in data.rglob("*")} == {(uid, gid)}
        assert (data.stat().st_mode & 0o777) == 0o700
        print(f"idle screen after {first:.1f} s (first start, set up as demo), {again:.1f} s after SIGKILL")
        print(f"screenshots: {tmp_path / 'idle.png'} {tmp_path / 'idle-again.png'}")
    finally:
        kiosk.stop()
        shutil.rmtree(runtime, ignore_errors=True)


def test_the_real_release_is_published_staged_switched_to_and_confirms_itself_through_the_launcher(
    release: Release, tmp_path: Path
) -> None:
    """A kiosk running a small older release takes the real build from a TUF repository on the loopback address;
    the launcher runs the frozen app's own selftest, starts it, and the frozen kiosk confirms itself once it has kept
    its idle screen (3 minutes)."""
    now = datetime.now(UTC)
    repository = UpdateRepository.create(tmp_path / "repository", tmp_path / "tuf-keys", now=now)
    (tmp_path / "root.json").write_bytes(repository.root_bytes())
    published = repository.publish(release.archive, load_public_key(release.public_key), now=now)
    base, data = tmp_path / "opt", tmp_path / "data"
    data.mkdir()
    install(base, small_release(tmp_path / "old", "0.0.1", release.private_key), "0.0.1")
    with serve(repository.folder) as (url, _faults):
        updater = KioskUpdater(
            data_dir=data,
            running=running_release(base / "0.0.1" / APP),
            release_key=load_public_key(release.public_key),
            source=url,
            pinned_root=tmp_path / "root.json",
            platform=PLATFORM,
        )
        assert updater.check().staged == published.version
    assert updater.switch() == published.version
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "QT_QPA_PLATFORM": "offscreen",
        "TIMECLOCK_INSTALL_BASE": str(base),
        "TIMECLOCK_DATA_DIR": str(data),
        "TIMECLOCK_RELEASE_PUB": str(release.public_key),
        "TIMECLOCK_UPDATE_ROOT": str(tmp_path / "root.json"),
    }
    log = tmp_path / "launch.log"
    with log.open("wb") as output:
        launcher = subprocess.Popen(
            ["bash", str(LINUX / "timeclock-kiosk-launch"), "--no-camera", "--demo"],
            env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    state = UpdateStateFiles(data)
    try:
        deadline = time.monotonic() + 900
        while state.read_trial() is not None:
            assert launcher.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(launcher.pid, signal.SIGTERM)
        launcher.wait(timeout=60)
    assert Installation(base).current_version() == published.version
    assert state.read_failed() is None, log.read_text(errors="replace")
