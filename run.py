#!/usr/bin/env python3
"""Set up everything the kiosk and its tests need, then run one of them.

    python3 run.py kiosk [kiosk options]   start the kiosk (same options as main.py)
    python3 run.py test [pytest options]   run the whole test suite
    python3 run.py release-key --out DIR   make the Ed25519 key pair that signs releases
    python3 run.py build --key DIR/release.key --out OUT
                                           build, smoke-test and sign the release archive (packaging/build.py)
    python3 run.py verify --pub DIR/release.pub ARCHIVE
                                           check a release archive against its signed manifest
    python3 run.py release-repo publish --repository DIR --keys DIR --pub DIR/release.pub ARCHIVE
                                           publish a release to the kiosks' update repository (also: init,
                                           refresh, rotate-key, status)

On a fresh machine this installs uv (into .tools/ when it is not on PATH), creates .venv from uv.lock, fetches the
face-landmark model into resources/models/ and only then starts the requested program; for the tests, run as root
on Debian (as CI runs them), it also installs the system programs they use (`TEST_SYSTEM_PACKAGES`). Every step is
skipped when it is already done, so the second run starts at once. Only the standard library is used here, because
nothing else is installed yet when this runs.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".tools"
VENV = ROOT / ".venv"
BIN = "Scripts" if os.name == "nt" else "bin"
EXE = ".exe" if os.name == "nt" else ""
PYPI_UV = "https://pypi.org/pypi/uv/json"

TEST_SYSTEM_PACKAGES = (
    # A real X server for the kiosk's window, and Qt's X11 and Wayland plugins' own libraries.
    "xvfb", "xauth", "libxcb-cursor0", "libxcb-icccm4", "libxcb-image0", "libxcb-keysyms1", "libxcb-randr0",
    "libxcb-render-util0", "libxcb-shape0", "libxcb-xkb1", "libxkbcommon-x11-0", "libwayland-cursor0",
    "libegl1", "libgl1", "libfontconfig1", "libdbus-1-3",
    # What the X server says of the kiosk's window (its size without a window manager).
    "x11-utils",
    # A desktop keyring on a private session bus; systemd's credential sealing, to a software TPM2 too.
    "gnome-keyring", "dbus", "systemd", "util-linux", "swtpm", "libtss2-tcti-swtpm0", "libtss2-esys-3.0.2-0",
    # Releases: the install script's checks and user, the kiosk compositor and a Wayland screenshot of it.
    "openssl", "passwd", "cage", "xwayland", "grim",
    # The head-office console's browser tests: a real Chromium driven through its WebDriver.
    "chromium", "chromium-driver",
)  # fmt: skip
"""Debian packages some tests use. Elsewhere (not root, not Debian) a test that needs a missing one fails with the
`apt-get install` line that adds it."""


COMMANDS = {
    "kiosk": [str(ROOT / "main.py")],
    "test": ["-m", "pytest"],
    "release-key": [str(ROOT / "main.py"), "release-key"],
    "build": [str(ROOT / "packaging" / "build.py")],
    "verify": [str(ROOT / "main.py"), "verify"],
    "release-repo": [str(ROOT / "main.py"), "release-repo"],
}
"""What each run.py command runs with the environment's Python, before its own arguments."""


def say(message: str) -> None:
    print(f"[run.py] {message}", file=sys.stderr, flush=True)


def find_uv() -> str:
    """uv from PATH, else from our own tools environment, installing it there with pip on first use, or straight
    from PyPI where this Python has no pip for a new environment (Debian and Ubuntu ship it apart, in python3-venv)."""
    found = shutil.which("uv")
    if found:
        return found
    uv = TOOLS / BIN / f"uv{EXE}"
    if not uv.exists():
        say("installing uv into .tools/ (first run only)")
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS)
            subprocess.run([str(TOOLS / BIN / f"python{EXE}"), "-m", "pip", "install", "--quiet", "uv"], check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            say(f"no pip for a new environment here ({error}); fetching uv's wheel from PyPI instead")
            download_uv(uv)
    return str(uv)


def uv_wheel_matches(filename: str) -> bool:
    """Whether a uv wheel from PyPI runs on this machine."""
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "x86_64": "x86_64", "aarch64": "aarch64", "arm64": "arm64"}.get(machine, machine)
    if sys.platform.startswith("linux"):
        libc = "manylinux" if platform.libc_ver()[0] == "glibc" else "musllinux"
        return f"-{libc}_" in filename and filename.endswith(f"_{arch}.whl")
    if sys.platform == "win32":
        return filename.endswith("-win_amd64.whl" if arch == "x86_64" else f"-win_{arch}.whl")
    if sys.platform == "darwin":
        return "-macosx_" in filename and filename.endswith((f"_{arch}.whl", "_universal2.whl"))
    return False


def download_uv(target: Path) -> None:
    """Put the uv program of PyPI's latest uv wheel for this machine at `target`, checked against PyPI's SHA-256."""
    with urllib.request.urlopen(PYPI_UV, timeout=60) as answer:
        release = json.load(answer)
    wheels = [file for file in release["urls"] if file["packagetype"] == "bdist_wheel"]
    chosen = next((file for file in wheels if uv_wheel_matches(file["filename"])), None)
    if chosen is None:
        raise SystemExit(f"[run.py] PyPI has no uv wheel for {sys.platform} {platform.machine()}; install uv yourself")
    # A mirror of PyPI may answer with addresses relative to the JSON page.
    url = urllib.parse.urljoin(PYPI_UV, chosen["url"])
    with urllib.request.urlopen(url, timeout=300) as answer:  # noqa: S310 - PyPI's file URL
        data = answer.read()
    if hashlib.sha256(data).hexdigest() != chosen["digests"]["sha256"]:
        raise SystemExit(f"[run.py] {chosen['filename']} does not match PyPI's SHA-256; not installed")
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        program = next(name for name in wheel.namelist() if re.fullmatch(rf"[^/]+\.data/scripts/uv{EXE}", name))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(wheel.read(program))
    target.chmod(0o755)


def sync_environment() -> Path:
    """Make .venv match uv.lock exactly (a no-op when it already does) and return its Python."""
    env = dict(os.environ, UV_PROJECT_ENVIRONMENT=str(VENV))
    subprocess.run([find_uv(), "sync", "--locked", "--quiet"], cwd=ROOT, check=True, env=env)
    return VENV / BIN / f"python{EXE}"


def install_test_system_packages() -> None:
    """Install the missing `TEST_SYSTEM_PACKAGES`, when running as root where apt-get is."""
    if os.name != "posix" or os.geteuid() != 0 or not (shutil.which("apt-get") and shutil.which("dpkg-query")):
        return
    missing = [
        package
        for package in TEST_SYSTEM_PACKAGES
        if "install ok installed"
        not in subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
        ).stdout
    ]
    if not missing:
        return
    say(f"installing the system packages the tests use: {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        # A fresh machine may not have package lists yet, or stale ones.
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(install, env=env, check=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    what, rest = argv[0], argv[1:]
    python = sync_environment()
    # The presentation-attack model's only source is its repository; where that is out of reach, the shared copy
    # beside the checkout (the one the tests use) is taken, still checked against its pinned SHA-256.
    shared_model = ROOT.parent / "shared" / "models" / "face_antispoof_minifasnet_v2se_98.20.onnx"
    fetch_env = dict(os.environ)
    if shared_model.is_file():
        fetch_env.setdefault("TIMECLOCK_ANTISPOOF_MODEL", str(shared_model))
    subprocess.run([str(python), str(ROOT / "main.py"), "fetch-models"], cwd=ROOT, check=True, env=fetch_env)
    if what == "test":
        install_test_system_packages()
    return subprocess.run([str(python), *COMMANDS[what], *rest], cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
