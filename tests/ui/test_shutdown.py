"""Leaving the kiosk: `python main.py` with a video as its camera, run as a process, left from supervisor mode.

Each run starts the real command line (composition root, window, vision process with MediaPipe on the video), waits
for the camera's frames, enters the supervisor PIN, taps "Exit the kiosk" and confirms (`tests/ui/kiosk_process.py`).
A run passes when the process exits with 0, Python never reports a fatal error, and the vision process is gone.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.file_keyring import process_environment

ROOT = Path(__file__).resolve().parents[2]
CAMERA = Path("video") / "headturn_live_tranvanluyt_real.mp4"
# A day at the kiosk: the pipeline's signals for every camera frame, 30 a second for several minutes, are more than
# the references Python held to True when the kiosk started (about 17,000).
A_LONG_RUN_OF_SIGNALS = 40_000


def leave_from_supervisor_mode(
    faces: Path, folder: Path, *, signals: int = 0
) -> tuple[subprocess.CompletedProcess[str], int]:
    """One start and stop of the kiosk; the finished process and the id its vision process had."""
    environment = process_environment(folder / "keyring.json") | {"QT_QPA_PLATFORM": "offscreen"}
    command = [
        *(sys.executable, "-m", "tests.ui.kiosk_process", "--signals", str(signals), "--"),
        *("--data-dir", str(folder / "data"), "--camera", str(faces / CAMERA), "--demo"),
    ]
    result = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False, timeout=180
    )
    found = re.search(r"vision-pid (\d+)", result.stdout)
    return result, int(found.group(1)) if found else -1


def assert_left_cleanly(result: subprocess.CompletedProcess[str], vision_pid: int) -> None:
    report = f"exit status {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr[-3000:]}"
    assert "Fatal Python error" not in result.stderr, report
    assert result.returncode == 0, report
    assert result.stdout.splitlines()[-3:] == ["supervisor mode", "exit confirmed", "exited 0"], report
    assert vision_pid > 0, report
    assert not Path(f"/proc/{vision_pid}").exists(), f"the vision process {vision_pid} outlived the kiosk"


def start_and_stop(faces: Path, folder: Path, runs: int) -> None:
    for run in range(runs):
        result, vision_pid = leave_from_supervisor_mode(faces, folder)
        try:
            assert_left_cleanly(result, vision_pid)
        except AssertionError as failure:
            raise AssertionError(f"run {run + 1} of {runs}: {failure}") from None


def test_a_kiosk_that_ran_long_leaves_without_crashing(faces: Path, tmp_path: Path) -> None:
    result, vision_pid = leave_from_supervisor_mode(faces, tmp_path, signals=A_LONG_RUN_OF_SIGNALS)
    assert f"signals {A_LONG_RUN_OF_SIGNALS}" in result.stdout, result.stdout + result.stderr[-3000:]
    assert_left_cleanly(result, vision_pid)


def test_starting_and_stopping_with_a_camera_five_times(faces: Path, tmp_path: Path) -> None:
    start_and_stop(faces, tmp_path, 5)


@pytest.mark.slow
def test_starting_and_stopping_with_a_camera_fifty_times(faces: Path, tmp_path: Path) -> None:
    start_and_stop(faces, tmp_path, 50)
