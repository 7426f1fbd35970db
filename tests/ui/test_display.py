"""Starting the kiosk on a fresh Linux machine: no display, Qt's system libraries missing, and a real X server.

The missing library is real: the kiosk runs in a mount namespace of its own in which the system library folder is
replaced by a copy without that library, so the dynamic loader truly cannot find it, as on a machine where the
package was never installed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.domain.errors import EnvironmentProblem
from kiosk.ui.display import (
    DEBIAN_PACKAGES,
    NO_DISPLAY,
    binaries_for,
    check_display,
    install_advice,
    platform_for,
    qt_folder,
)
from tests.system import require_programs

ROOT = Path(__file__).resolve().parents[2]
DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "XDG_SESSION_TYPE")
QT_PLUGIN_ERROR = "Could not load the Qt platform plugin"
SET_UP_SCREEN_LOG = "kiosk built (first start: set-up screen)"
START_TIMEOUT_S = 120.0

# Lays the system library folder over with a copy (symbolic links) lacking the named libraries, then runs the rest.
HIDE_LIBRARIES = """
set -e
library_dir=$1; original=$2; copy=$3; shift 3
mount --bind "$library_dir" "$original"
cp -as "$original"/. "$copy"/
while [ "$1" != "--" ]; do rm -f "$copy"/$1*; shift; done
shift
mount --bind "$copy" "$library_dir"
exec "$@"
"""


def kiosk_environment(tmp_path: Path, **display: str) -> dict[str, str]:
    """This process's environment without any display, with the kiosk's data and secrets key in `tmp_path`."""
    environment = {key: value for key, value in os.environ.items() if key not in DISPLAY_VARIABLES}
    environment |= {
        "TIMECLOCK_DATA_DIR": str(tmp_path / "data"),
        "TIMECLOCK_SECRETS_KEY": str(tmp_path / "key" / "secrets.key"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # a fresh machine: no keyring
    }
    return environment | display


def run_kiosk_command(environment: dict[str, str], prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [*(prefix or []), sys.executable, str(ROOT / "main.py"), "--no-camera"]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False)


def grab_screen(display: str, path: Path) -> np.ndarray:
    """The X server's whole screen, as a client on it sees it."""
    grab = (
        "import sys; from PySide6.QtGui import QGuiApplication; app = QGuiApplication([]); "
        "sys.exit(0 if app.primaryScreen().grabWindow(0).save(sys.argv[1]) else 1)"
    )
    environment = {key: value for key, value in os.environ.items() if key not in DISPLAY_VARIABLES}
    subprocess.run([sys.executable, "-c", grab, str(path)], env=environment | {"DISPLAY": display}, check=True)
    picture = cv2.imread(str(path))
    assert picture is not None
    return picture


def library_path(name: str) -> Path | None:
    """Where the dynamic loader finds `name` on this machine."""
    done = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.strip().startswith(f"{name} ") and "x86-64" in line:
            return Path(line.split("=>")[1].strip())
    return None


@pytest.fixture
def hide_libraries(tmp_path: Path) -> Callable[..., list[str]]:
    """A command prefix that runs a program with some system libraries missing (root, unshare and mount needed)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.fail("hiding a system library needs Linux and root (a private mount namespace)")
    require_programs("unshare", packages="util-linux")
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.fail(f"unshare --mount is not allowed here: {probe.stderr.decode().strip()}")

    def prefix(*names: str) -> list[str]:
        paths = {library_path(name) for name in names}
        if None in paths:
            pytest.fail(f"{names} are not all installed here, so they cannot be hidden (see run.py's packages)")
        folders = {path.resolve().parent for path in paths if path is not None}
        assert len(folders) == 1
        original, copy = tmp_path / "original", tmp_path / "copy"
        original.mkdir()
        copy.mkdir()
        return [
            "unshare", "--mount", "--propagation", "private", "sh", "-c", HIDE_LIBRARIES, "sh",
            str(folders.pop()), str(original), str(copy), *names, "--",
        ]  # fmt: skip

    return prefix


def test_with_no_display_the_kiosk_says_so_and_how_to_run_it(tmp_path: Path) -> None:
    result = run_kiosk_command(kiosk_environment(tmp_path))
    assert result.returncode == 1
    assert result.stderr == f"error: {NO_DISPLAY}\n"
    assert "cage -- python3 run.py kiosk" in result.stderr
    assert QT_PLUGIN_ERROR not in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "data").exists()


def test_a_missing_x11_library_prints_the_one_apt_get_line_that_installs_it(
    tmp_path: Path, hide_libraries: Callable[..., list[str]]
) -> None:
    prefix = hide_libraries("libxcb-icccm.so.4", "libxkbcommon-x11.so.0")
    result = run_kiosk_command(kiosk_environment(tmp_path, DISPLAY=":97"), prefix)
    assert result.returncode == 1, result.stderr
    assert result.stderr == (
        "error: Qt cannot open its X11 (xcb) display plugin: these system libraries are missing: "
        "libxcb-icccm.so.4, libxkbcommon-x11.so.0.\n"
        "Install them with:\n"
        "  apt-get install libxcb-icccm4 libxkbcommon-x11-0\n"
    )
    assert not (tmp_path / "data").exists()


def test_a_missing_wayland_library_under_a_wayland_compositor_names_its_package(
    tmp_path: Path, hide_libraries: Callable[..., list[str]]
) -> None:
    prefix = hide_libraries("libwayland-cursor.so.0")
    result = run_kiosk_command(kiosk_environment(tmp_path, WAYLAND_DISPLAY="wayland-7"), prefix)
    assert result.returncode == 1
    assert "error: Qt cannot open its Wayland display plugin" in result.stderr
    assert result.stderr.endswith("  apt-get install libwayland-cursor0\n")


def test_every_system_library_the_kiosks_qt_needs_has_its_debian_package() -> None:
    qt = qt_folder()
    assert qt is not None
    needed: set[str] = set()
    for platform in ("xcb", "wayland", "offscreen"):
        binaries = binaries_for(qt, platform)
        assert len(binaries) >= 2, f"QtWidgets and the {platform} plugin must both be checked"
        for binary in binaries:
            listing = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
            for name, target in re.findall(r"^\s*(\S+)\s+=>\s+(\S+)", listing, re.MULTILINE):
                if not target.startswith(str(qt.resolve())) and not target.startswith(str(qt)):
                    needed.add(name)
    assert "libxcb-cursor.so.0" in needed and "libwayland-client.so.0" in needed
    assert sorted(needed - set(DEBIAN_PACKAGES)) == []


def test_the_platform_follows_the_display_and_wayland_is_chosen_for_qt_under_a_wayland_compositor() -> None:
    assert platform_for({}) is None
    assert platform_for({"DISPLAY": ":0"}) == "xcb"
    assert platform_for({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}) == "xcb"  # Xwayland, as Qt would pick
    assert platform_for({"DISPLAY": ":0", "WAYLAND_DISPLAY": "w", "XDG_SESSION_TYPE": "wayland"}) == "wayland"
    assert platform_for({"QT_QPA_PLATFORM": "offscreen;xcb"}) == "offscreen"
    assert platform_for({"QT_QPA_PLATFORM": "vnc:size=800x600"}) == "vnc"

    cage = {"WAYLAND_DISPLAY": "wayland-0"}
    assert check_display(cage) == "wayland"
    assert cage["QT_QPA_PLATFORM"] == "wayland"

    nothing: dict[str, str] = {}
    assert check_display(nothing, system="win32") is None
    assert check_display(nothing, system="darwin") is None
    assert nothing == {}
    with pytest.raises(EnvironmentProblem, match="no display"):
        check_display(nothing)
    with pytest.raises(
        EnvironmentProblem, match=r"asks for the display plugin 'xbc', which Qt does not have; it has .*xcb"
    ):
        check_display({"QT_QPA_PLATFORM": "xbc"})


def test_install_advice_without_apt_or_for_an_unknown_library() -> None:
    assert install_advice(["libxcb-icccm.so.4"], has_apt=True, as_root=False) == (
        "Install them with:\n  sudo apt-get install libxcb-icccm4"
    )
    assert install_advice(["libxcb-icccm.so.4"], has_apt=False, as_root=False) == (
        "Install the packages of your distribution that provide them (for example: "
        "dnf provides '*/libxcb-icccm.so.4'), then start the kiosk again."
    )
    assert install_advice(["libxcb-keysyms.so.1", "libnew.so.9"], has_apt=True, as_root=True) == (
        "Install them with:\n  apt-get install libxcb-keysyms1\nFind the package of libnew.so.9 with: "
        "apt-file search libnew.so.9"
    )


def test_on_a_fresh_machine_with_an_x_server_the_kiosk_reaches_its_set_up_screen(tmp_path: Path) -> None:
    require_programs("Xvfb", packages="xvfb")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(  # a real X server, on the first free display number
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    kiosk: subprocess.Popen[str] | None = None
    try:
        with os.fdopen(read_end) as numbers:
            display = f":{numbers.readline().strip()}"
        environment = kiosk_environment(tmp_path, DISPLAY=display)
        command = [sys.executable, str(ROOT / "main.py"), "--no-camera"]
        kiosk = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        log = tmp_path / "data" / "logs" / "kiosk.log"
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and kiosk.poll() is None:
            if log.is_file() and SET_UP_SCREEN_LOG in log.read_text(encoding="utf-8"):
                break
            time.sleep(0.2)
        assert kiosk.poll() is None, kiosk.communicate()
        text = log.read_text(encoding="utf-8")
        assert SET_UP_SCREEN_LOG in text
        assert "secrets: an encrypted file readable only by" in text  # no keyring: the last resort, said plainly
        time.sleep(1.0)  # the first frame reaches the server
        # A bare X server has no window manager to honour "full screen": the window must cover the screen itself.
        screen = grab_screen(display, tmp_path / "screen.png")
        assert screen.shape[:2] == (800, 1280)
        ground = screen[5, 5].tolist()
        assert ground != [0, 0, 0]
        assert screen[799, 1279].tolist() == ground, "the kiosk does not cover the whole screen"
    finally:
        if kiosk is not None:
            kiosk.terminate()
            _, errors = kiosk.communicate(timeout=30)
            assert QT_PLUGIN_ERROR not in errors
        server.terminate()
        server.wait(timeout=30)
