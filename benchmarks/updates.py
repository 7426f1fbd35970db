"""Figures of updates: a fleet of simulated kiosks taking a new release, and the camera screen during a download.

    .venv/bin/python -m benchmarks.updates [--kiosks 20] [--payload-mb 16]          the fleet
    .venv/bin/python -m benchmarks.updates --screen [--payload-mb 64] [--video PATH] the camera screen

The fleet: a real TUF repository (`release-repo`'s code) served over HTTP on the loopback address; each simulated
kiosk is its own installation (version 1.0.0 of a small real release, with `--payload-mb` of incompressible data
standing in for libraries and models) and its own data folder, started by the real launcher
(`packaging/linux/timeclock-kiosk-launch`). Version 1.1.0 is published, then every kiosk's launcher starts at once
(as if all polled at that moment: the poll interval is left aside): 1.0.0 checks, downloads, verifies, stages and
switches, the launcher runs 1.1.0's selftest and starts it, and 1.1.0 confirms itself. Prints the time from publish to
the last kiosk confirmed, and the bytes served per kiosk (metadata and archive). All kiosks share this machine's 2
cores, so the time is what 20 kiosks take on one small PC, far more than one kiosk on its own.

The screen (the GUI-stall benchmark, `benchmarks.ui_stall`, with an update on top): the kiosk plays a video through
its face pipeline on its idle screen while the update service downloads, verifies and stages a `--payload-mb`
release in the background at its low priority; prints the longest stall of the GUI thread, the preview frames
that reach the GUI thread per second and the longest wait between two of them, how long the camera's process waited
for a core (its threads' run-queue time, summed, per second), and the kiosk process's CPU, before, during
and after the download (the machine's other load changes meanwhile). The repository's HTTP server runs in a process
of its own at nice 19: it stands for head office's server on another machine, whose CPU is not the kiosk's.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from benchmarks.ui_stall import DEFAULT_VIDEO, pump
from kiosk.app import KioskApp, KioskOptions
from kiosk.services.release import load_public_key
from kiosk.services.update_repository import UpdateRepository
from kiosk.services.update_service import UpdateService
from kiosk.services.updates import Installation, KioskUpdater, running_release
from kiosk.store.database import Database
from kiosk.store.device_settings import load_device_settings, save_device_settings
from kiosk.store.update_state import UpdateStateFiles
from kiosk.ui.kiosk import Kiosk
from kiosk.ui.responsiveness import StallMonitor
from kiosk.ui.sound import SoundPlayer
from tests.conftest import MemoryKeyring
from tests.support import ManualTimeSource
from tests.ui.conftest import faces_root, set_up_kiosk
from tests.update_support import install, release_keys, serve, small_release

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = ROOT / "packaging" / "linux" / "timeclock-kiosk-launch"


def fleet(kiosks: int, payload_mb: float) -> None:
    payload = int(payload_mb * 1024 * 1024)
    with tempfile.TemporaryDirectory(prefix="updates-bench-") as temporary:
        place = Path(temporary)
        release_key, release_pub = release_keys(place / "release-keys")
        repository = UpdateRepository.create(place / "repository", place / "tuf-keys", now=datetime.now(UTC))
        root = place / "root.json"
        root.write_bytes(repository.root_bytes())
        old = small_release(place / "builds" / "1.0.0", "1.0.0", release_key, payload_bytes=payload)
        for number in range(kiosks):
            install(place / f"kiosk{number}" / "opt", old, "1.0.0")
            (place / f"kiosk{number}" / "data").mkdir()
        new = small_release(place / "builds" / "1.1.0", "1.1.0", release_key, payload_bytes=payload)
        archive_bytes = new.stat().st_size
        with serve(repository.folder) as (url, faults):

            def run_kiosk(number: int) -> float:
                folder = place / f"kiosk{number}"
                env = {
                    "PATH": os.environ["PATH"],
                    "TIMECLOCK_INSTALL_BASE": str(folder / "opt"),
                    "TIMECLOCK_DATA_DIR": str(folder / "data"),
                    "TIMECLOCK_RELEASE_PUB": str(release_pub),
                    "TIMECLOCK_UPDATE_ROOT": str(root),
                    "TIMECLOCK_UPDATE_SOURCE": url,
                }
                done = subprocess.run(
                    ["bash", str(LAUNCHER)], env=env, capture_output=True, text=True, timeout=1800, check=False
                )
                if done.returncode != 0:
                    raise RuntimeError(f"kiosk {number}: {done.stderr}")
                return time.monotonic()

            published = time.monotonic()
            repository.publish(new, load_public_key(release_pub), now=datetime.now(UTC))
            with ThreadPoolExecutor(max_workers=kiosks) as pool:
                finished = list(pool.map(run_kiosk, range(kiosks)))
            served, requests = faults.served_bytes, list(faults.requests)
        running = [
            Installation(place / f"kiosk{number}" / "opt").current_version() == "1.1.0"
            and UpdateStateFiles(place / f"kiosk{number}" / "data").read_trial() is None
            for number in range(kiosks)
        ]
        metadata_requests = [path for path in requests if "/metadata/" in path]
        times = sorted(moment - published for moment in finished)
        print(f"kiosks: {kiosks}, archive {archive_bytes / 1e6:.1f} MB (payload {payload_mb:g} MB)")
        print(f"running 1.1.0 and confirmed: {sum(running)} of {kiosks}")
        print(
            f"publish to all running: {times[-1]:.1f} s (first kiosk {times[0]:.1f} s, median "
            f"{statistics.median(times):.1f} s), all {kiosks} on one 2-core machine"
        )
        per_kiosk = served / kiosks
        print(
            f"bytes served per kiosk: {per_kiosk / 1e6:.3f} MB = archive {archive_bytes / 1e6:.3f} MB + metadata "
            f"{(per_kiosk - archive_bytes) / 1e3:.1f} kB in {len(metadata_requests) / kiosks:.0f} files"
        )


@contextlib.contextmanager
def serve_elsewhere(folder: Path) -> Iterator[str]:
    """Python's own HTTP server on the loopback address, in a process of its own at the lowest priority (it stands
    for a server on another machine, whose CPU the kiosk does not pay for); yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = ["nice", "-n", "19", sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
               "--directory", str(folder), str(port)]  # fmt: skip
    server = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


class FrameArrivals:
    """When each preview frame reached the GUI thread, whichever screen is up.

    The idle view's paint count is no frame rate: the view paints only while the idle screen is shown (the clip's
    face starts attempts, and a notice covers the idle screen for seconds after each), and it paints again for
    other reasons (its caption, its spinner). A frame handed to the GUI thread is one the screen can show.
    """

    def __init__(self, kiosk: Kiosk) -> None:
        vision = kiosk.parts.vision
        if vision is None:
            raise RuntimeError("the kiosk has no camera pipeline")
        self.times: list[float] = []
        vision.frame_ready.connect(self._arrived)

    def _arrived(self, _image: object, _box: object) -> None:
        self.times.append(time.monotonic())

    def since(self, started: float, ended: float) -> tuple[float, float]:
        """Frames per second between `started` and `ended`, and the longest wait for a frame (ms) in it."""
        inside = [moment for moment in self.times if started <= moment <= ended]
        edges = [started, *inside, ended]
        longest = max(later - earlier for earlier, later in itertools.pairwise(edges))
        return len(inside) / (ended - started), longest * 1000


def waited_for_cpu(pid: int | None) -> float:
    """Seconds the threads of process `pid` have spent ready to run but waiting for a core (Linux's schedstat;
    0 elsewhere)."""
    tasks = Path(f"/proc/{pid}/task")
    if pid is None or not tasks.is_dir():
        return 0.0
    waited = 0
    for task in tasks.iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            waited += int((task / "schedstat").read_text().split()[1])
    return waited / 1e9


@dataclass(frozen=True, slots=True)
class ScreenFigures:
    seconds: float
    longest_stall_ms: float
    frames_per_second: float
    longest_frame_gap_ms: float
    camera_waited_ms_per_s: float
    cpu_cores: float


def measure(kiosk: Kiosk, frames: FrameArrivals, service: UpdateService | None, seconds: float) -> ScreenFigures:
    """The GUI thread's longest stall, the preview frames reaching it and the process's CPU, for `seconds`, or until
    the service's check is done."""
    monitor = StallMonitor(interval_ms=5)
    monitor.start()
    camera_pid = kiosk.parts.vision.pid if kiosk.parts.vision is not None else None
    started, camera_waited = time.monotonic(), waited_for_cpu(camera_pid)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    if service is None:
        pump(lambda: False, seconds)
    else:
        pump(lambda: service.wait_for_check(0), 600)
    ended, camera_waited = time.monotonic(), waited_for_cpu(camera_pid) - camera_waited
    after = resource.getrusage(resource.RUSAGE_SELF)
    monitor.stop()
    used = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    fps, gap = frames.since(started, ended)
    seconds = ended - started
    return ScreenFigures(seconds, monitor.longest_ms, fps, gap, camera_waited * 1000 / seconds, used / seconds)


def screen(payload_mb: float, video: Path | None, seconds: float) -> None:
    clip = video or faces_root() / DEFAULT_VIDEO
    if not clip.is_file():
        sys.exit(f"video not found: {clip} (set TIMECLOCK_FACES)")
    payload = int(payload_mb * 1024 * 1024)
    application = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="updates-screen-") as temporary:
        place = Path(temporary)
        data = place / "data"
        keyring, clock = MemoryKeyring(), ManualTimeSource()
        set_up_kiosk(data, keyring, clock)
        release_key, release_pub = release_keys(place / "release-keys")
        repository = UpdateRepository.create(place / "repository", place / "tuf-keys", now=datetime.now(UTC))
        (place / "root.json").write_bytes(repository.root_bytes())
        install(place / "opt", small_release(place / "b0", "1.0.0", release_key), "1.0.0")
        new = small_release(place / "b1", "1.1.0", release_key, payload_bytes=payload)
        repository.publish(new, load_public_key(release_pub), now=datetime.now(UTC))
        archive_mb = new.stat().st_size / 1e6
        app = KioskApp(
            KioskOptions(data_dir=data, camera=str(clip)),
            keyring_backend=keyring,
            time_source=clock,
            sounds=SoundPlayer(enabled=False),
        )
        kiosk = app.build()
        kiosk.window.resize(1280, 800)
        kiosk.window.apply_style(800)
        kiosk.window.show()
        frames = FrameArrivals(kiosk)
        pump(lambda: kiosk.window.current is kiosk.idle and kiosk.idle.camera.frames_painted > 0, 30)

        # Camera only before and after the download: the machine's other load changes while it runs.
        before = measure(kiosk, frames, None, seconds)
        # The server runs in a process of its own: in this one it would take the kiosk's interpreter lock.
        with serve_elsewhere(repository.folder) as url:
            database = Database(data / "kiosk.db")
            with database.write() as session:  # the source IT set at provisioning
                settings = load_device_settings(session).replace(update_source=url)
                save_device_settings(session, settings, datetime.now(UTC))
            updater = KioskUpdater(
                data_dir=data,
                running=running_release(place / "opt" / "1.0.0" / "timeclock-kiosk"),
                release_key=load_public_key(release_pub),
                source=url,
                pinned_root=place / "root.json",
                platform="linux-x86_64",
            )
            service = UpdateService(updater, database, first_check=(0.0, 0.0))
            service.start()
            busy = measure(kiosk, frames, service, seconds)
            service.close()
            database.close()
        staged = updater.status().staged_version
        after = measure(kiosk, frames, None, seconds)
        kiosk.window.allow_exit()
        kiosk.window.close()
        app.close()
        shutil.rmtree(place / "opt", ignore_errors=True)
    del application
    print(f"release {archive_mb:.1f} MB, downloaded, verified and staged: {staged}")
    for name, figures in (("camera only", before), ("camera + update", busy), ("camera only", after)):
        print(
            f"{name:<16} {figures.seconds:6.1f} s  longest GUI stall {figures.longest_stall_ms:6.1f} ms  "
            f"preview {figures.frames_per_second:5.1f} frames/s, longest wait {figures.longest_frame_gap_ms:5.0f} ms  "
            f"camera process waited for a core {figures.camera_waited_ms_per_s:4.0f} ms/s  "
            f"process CPU {figures.cpu_cores * 100:5.0f} % of one core"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=20)
    parser.add_argument("--payload-mb", type=float, default=16.0)
    parser.add_argument("--screen", action="store_true", help="measure the camera screen during a download")
    parser.add_argument("--video", type=Path)
    parser.add_argument("--seconds", type=float, default=10.0, help="the camera-only measurement's length")
    args = parser.parse_args()
    if args.screen:
        screen(args.payload_mb, args.video, args.seconds)
    else:
        fleet(args.kiosks, args.payload_mb)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # WORKAROUND: as in benchmarks.ui_stall, dlib's binding can crash the interpreter's final garbage collection.
    os._exit(code)
