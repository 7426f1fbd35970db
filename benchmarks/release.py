"""Figures of a release: build time, archive size, installed size, and the frozen kiosk's start to its idle screen
against `python main.py`'s. Run as root on Linux (cage runs as a throwaway user, install.sh needs root):

    .venv/bin/python -m benchmarks.release [--archive ARCHIVE --pub release.pub] [--runs N]

Without --archive it builds one (packaging/build.py, with a throwaway key) and times the build. Starts are timed
from launching the program to the kiosk choosing its idle screen (its `screen IdleScreen` log line), with no camera,
on cage's headless output, both programs the same way: a set-up data folder, no keyring. The first start of each
follows a drop of the kernel's file cache where the machine allows it (a cold start, as after a power cut); the
others are warm.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kiosk.services.release import make_key_pair

ROOT = Path(__file__).resolve().parents[1]
APP = "timeclock-kiosk"
IDLE = "screen IdleScreen"
TIMEOUT_S = 180.0
CAGE_USER_ID = 64_123  # any unused id: cage refuses to run as root


def build(work: Path) -> tuple[Path, Path, float]:
    private, public = make_key_pair(work / "keys")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--key", str(private), "--out", str(work / "out")],
        cwd=ROOT, check=True,
    )  # fmt: skip
    seconds = time.monotonic() - started
    (archive,) = (work / "out").glob("*.tar.gz")
    return archive, public, seconds


def install(archive: Path, public: Path, root: Path) -> Path:
    subprocess.run(
        ["bash", str(ROOT / "packaging" / "linux" / "install.sh"), "--root", str(root), "--pub", str(public),
         str(archive)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return (root / "opt" / APP / "current").resolve()


def folder_size(folder: Path) -> tuple[int, int]:
    """Bytes of the files (links not followed) and bytes the disk gives them."""
    apparent = disk = 0
    for path in folder.rglob("*"):
        info = path.lstat()
        if path.is_file() and not path.is_symlink():
            apparent += info.st_size
        disk += info.st_blocks * 512
    return apparent, disk


def drop_file_cache() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


class Compositor:
    """cage on a headless output, running as an unprivileged user, holding the screen for the programs timed."""

    def __init__(self, runtime: Path) -> None:
        self.runtime = runtime
        os.chown(runtime, CAGE_USER_ID, CAGE_USER_ID)
        env = {"PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": str(runtime), "WLR_BACKENDS": "headless",
               "WLR_RENDERER": "pixman", "WLR_LIBINPUT_NO_DEVICES": "1"}  # fmt: skip
        self.process = subprocess.Popen(
            ["setpriv", f"--reuid={CAGE_USER_ID}", f"--regid={CAGE_USER_ID}", "--clear-groups", "cage", "-d", "--",
             "sleep", "infinity"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not (runtime / "wayland-0").exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("cage did not start (apt-get install cage xwayland)")
            time.sleep(0.1)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def time_to_idle(command: list[str], data: Path, key: Path, compositor: Compositor) -> float:
    """Seconds from launching `command` to its idle screen; the program is then stopped."""
    env = {
        "PATH": "/usr/bin:/bin", "HOME": str(data.parent), "LANG": "C.UTF-8",
        "XDG_RUNTIME_DIR": str(compositor.runtime), "WAYLAND_DISPLAY": "wayland-0", "QT_QPA_PLATFORM": "wayland",
        "QT_WAYLAND_DISABLE_WINDOWDECORATION": "1", "TIMECLOCK_DATA_DIR": str(data), "TIMECLOCK_SECRETS_KEY": str(key),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }  # fmt: skip
    with tempfile.TemporaryFile() as log:
        started = time.monotonic()
        process = subprocess.Popen([*command, "-v"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            while True:
                log.seek(0)
                if IDLE.encode() in log.read():
                    return time.monotonic() - started
                if process.poll() is not None or time.monotonic() - started > TIMEOUT_S:
                    log.seek(0)
                    raise SystemExit(
                        f"{command[0]} did not reach its idle screen:\n{log.read().decode(errors='replace')}"
                    )
                time.sleep(0.05)
        finally:
            process.terminate()
            process.wait(timeout=30)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.release", description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, help="a built release archive (default: build one now)")
    parser.add_argument("--pub", type=Path, help="the public key of --archive")
    parser.add_argument("--runs", type=int, default=3, help="starts of each program (default 3)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("run as root: install.sh needs it and cage needs another user to run as")
    with tempfile.TemporaryDirectory(prefix="timeclock-bench-") as temporary:
        work = Path(temporary)
        work.chmod(0o755)
        if args.archive is None:
            archive, public, build_seconds = build(work)
            print(f"build (PyInstaller, frozen smoke test, signing, packing): {build_seconds:.0f} s")
        else:
            archive, public = args.archive, args.pub
        print(f"archive: {archive.name}: {archive.stat().st_size / 1e6:.1f} MB")
        root = work / "root"
        root.mkdir()
        started = time.monotonic()
        installed = install(archive, public, root)
        install_seconds = time.monotonic() - started
        apparent, disk = folder_size(installed)
        print(f"installed: {apparent / 1e6:.0f} MB in files ({disk / 1e6:.0f} MB on disk)")
        print(f"install.sh (verify, unpack, check every file): {install_seconds:.0f} s")
        runtime = work / "runtime"
        runtime.mkdir(mode=0o700)
        compositor = Compositor(runtime)
        try:
            programs = {
                "frozen app": [str(installed / APP), "--no-camera"],
                "python main.py": [sys.executable, str(ROOT / "main.py"), "--no-camera"],
            }
            for name, command in programs.items():
                data = work / name.replace(" ", "-") / "data"
                data.mkdir(parents=True)
                key = data.parent / "secrets.key"
                time_to_idle([*command, "--demo"], data, key, compositor)  # sets the demo company up, untimed
                cold = drop_file_cache()
                times = [time_to_idle(command, data, key, compositor) for _ in range(args.runs)]
                first = f"{'cold (file cache dropped)' if cold else 'first'} {times[0]:.2f} s"
                rest = f"warm median {statistics.median(times[1:]):.2f} s" if len(times) > 1 else ""
                print(f"start to idle screen, {name}: {first}; {rest} ({', '.join(f'{t:.2f}' for t in times)})")
        finally:
            compositor.close()
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
