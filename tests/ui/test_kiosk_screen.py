"""The kiosk's window as the people at it meet it: it fills the screen without a window manager, and what it says of
a camera that does not work names no file or device and never claims to have given up while it reconnects."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.vision.camera import FILE_MAX_ATTEMPTS, CameraState, CameraStatus
from tests.file_keyring import process_environment
from tests.system import require_programs
from tests.ui.conftest import Launcher, showing

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bare_x_server(request: pytest.FixtureRequest) -> Iterator[tuple[str, tuple[int, int]]]:
    """An X server (Xvfb) of the size asked for, with no window manager, as on a kiosk PC started straight on X: its
    display name and size."""
    width, height = request.param
    require_programs("Xvfb", packages="xvfb")
    require_programs("xwininfo", packages="x11-utils")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as announced:
        display = announced.readline().strip()
    try:
        if not display:
            pytest.fail("Xvfb did not start")
        yield f":{display}", (width, height)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("bare_x_server", [(1920, 1080), (1280, 800)], indirect=True, ids=["1920x1080", "1280x800"])
def test_full_screen_fills_the_screen_without_a_window_manager(
    bare_x_server: tuple[str, tuple[int, int]], tmp_path: Path
) -> None:
    display, (width, height) = bare_x_server
    environment = process_environment(tmp_path / "keyring.json") | {"QT_QPA_PLATFORM": "xcb", "DISPLAY": display}
    command = [
        *(sys.executable, "-m", "tests.ui.kiosk_process", "--window-info", "--"),
        *("--data-dir", str(tmp_path / "data"), "--no-camera", "--demo"),
    ]
    result = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False, timeout=180
    )
    report = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr[-3000:]}"
    if "no Qt platform plugin could be initialized" in result.stderr:
        pytest.fail(
            f"Qt cannot use the X display (its xcb platform needs libxcb-cursor0, -icccm4, -keysyms1):\n{report}"
        )
    assert result.returncode == 0, report
    # What the X server itself says of the kiosk's window.
    window = dict(re.findall(r"^x11: ([^:]+):\s+(-?\d+)$", result.stdout, re.MULTILINE))
    assert window.get("Absolute upper-left X") == "0", report
    assert window.get("Absolute upper-left Y") == "0", report
    assert (window.get("Width"), window.get("Height")) == (str(width), str(height)), report


def test_a_camera_that_does_not_work_is_neither_named_nor_given_up_on(
    qtbot: QtBot, launch: Launcher, tmp_path: Path
) -> None:
    missing = tmp_path / "cameras" / "front-door-camera.mp4"
    running = launch(camera=missing)
    kiosk, vision = running.kiosk, running.app.vision
    assert vision is not None
    seen: list[CameraStatus] = []
    vision.camera_changed.connect(seen.append)
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
    # Past the attempts a file used to get before the source said it gave up (and was then started again).
    qtbot.waitUntil(lambda: kiosk.camera_status.attempts > FILE_MAX_ATTEMPTS + 1, timeout=60000)
    assert seen, "no camera status reached the kiosk"
    assert all(status.state is CameraState.RECONNECTING for status in seen), seen
    assert not any("gave up" in status.reason for status in seen)
    kiosk._show_camera_status()
    shown = " ".join((kiosk.idle.status.text(), kiosk.idle.camera.caption, kiosk.window.message_bar.text))
    assert "Camera not working, reconnecting" in kiosk.idle.status.text()
    assert "The camera is not working. It reconnects by itself." in kiosk.idle.camera.caption
    for private in (str(missing), missing.name, "cameras", "file not found"):
        assert private not in shown
