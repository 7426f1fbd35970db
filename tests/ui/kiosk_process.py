"""The kiosk as `python main.py` runs it, in a process of its own, left the way a supervisor leaves it.

    python -m tests.ui.kiosk_process [--signals N] [--window-info] -- MAIN_ARGUMENTS...

Runs `main.py` with MAIN_ARGUMENTS (the real command line, composition root, window and vision process), waits until
the idle screen is up and the camera's frames reach the kiosk (when it has a camera; a window saying why the kiosk
cannot start is printed, and its "Try again" tapped once a second), optionally prints what the X
server says of the window (`xwininfo`) and emits N of the vision pipeline's signals (what a long day of camera
frames does to PySide), then opens supervisor mode with the demo PIN, taps "Exit the kiosk" and confirms. Each step
is printed on standard output; the process's exit status is the kiosk's, and an interpreter that crashes while it
shuts down shows in it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from kiosk.app import DEMO_PIN, KioskApp
from kiosk.commands import main as kiosk_main
from kiosk.ui import launch
from kiosk.ui.kiosk import Kiosk
from kiosk.ui.problem import ProblemWindow
from kiosk.ui.vision_process import Checking

STEP_MS = 50
FRAMES_BEFORE_LEAVING = 10


class Supervisor:
    """Drives the kiosk from its event loop, one step per tick, as a person would tap through it."""

    def __init__(self, built: list[Kiosk], signals: int, timeout_s: float, window_info: bool) -> None:
        self.built = built
        self.signals = signals
        self.window_info = window_info
        self.problem_told = False
        self.next_retry = 0.0
        self.deadline = time.monotonic() + timeout_s
        self.step = "frames"
        self.timer = QTimer()
        self.timer.timeout.connect(self.tick)
        self.timer.start(STEP_MS)

    def say(self, text: str) -> None:
        print(text, flush=True)

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            self.say(f"timed out waiting for: {self.step}")
            os._exit(3)  # the kiosk cannot be left the normal way; the test reads the step it stopped at
        if not self.built:
            self.watch_problem()
            return
        kiosk = self.built[0]
        admin = kiosk.admin
        if self.step == "frames" and self.ready(kiosk):
            self.report(kiosk)
            admin.ask_pin()
            admin.pin.entered.emit(DEMO_PIN)
            self.step = "supervisor"
        elif self.step == "supervisor" and kiosk.window.current is admin.home:
            self.say("supervisor mode")
            admin.home.exit.click()
            self.step = "confirmation"
        elif self.step == "confirmation" and kiosk.window.current is admin.exit_confirmation:
            self.say("exit confirmed")
            self.timer.stop()
            admin.exit_confirmation.confirm.click()

    def watch_problem(self) -> None:
        """A window saying why the kiosk cannot start: print what it says, and tap "Try again" once a second."""
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, ProblemWindow) and widget.isVisible():
                if not self.problem_told:
                    self.say(
                        f"problem window: {widget.title.text()} | {widget.problem.text()} | {widget.advice.text()}"
                    )
                    self.problem_told = True
                if time.monotonic() >= self.next_retry:
                    self.next_retry = time.monotonic() + 1.0
                    widget.retry.click()

    def ready(self, kiosk: Kiosk) -> bool:
        """The idle screen is up, and the camera's frames reach the kiosk (when it has a camera)."""
        vision = kiosk.parts.vision
        if kiosk.window.current is not kiosk.idle or not kiosk.window.isVisible():
            return False
        return vision is None or vision.frames_read >= FRAMES_BEFORE_LEAVING

    def report(self, kiosk: Kiosk) -> None:
        vision = kiosk.parts.vision
        if vision is not None:
            self.say(f"frames {vision.frames_read} vision-pid {vision.pid}")
        if self.window_info:
            window = str(int(kiosk.window.winId()))
            described = subprocess.run(["xwininfo", "-id", window], capture_output=True, text=True, check=True)
            for line in described.stdout.splitlines():
                self.say(f"x11: {line.strip()}")
        if vision is not None and self.signals:
            hold_still = Checking("Hold still", 0)
            for _ in range(self.signals):
                vision.checking.emit(hold_still)
            self.say(f"signals {self.signals}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kiosk_process")
    parser.add_argument("--signals", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--window-info", action="store_true")
    parser.add_argument("main_arguments", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    built: list[Kiosk] = []
    build = KioskApp.build

    def build_and_keep(self: KioskApp) -> Kiosk:
        kiosk = build(self)
        built.append(kiosk)
        return kiosk

    KioskApp.build = build_and_keep  # type: ignore[method-assign]  # to find the kiosk main.py builds
    launch.application()  # main.py uses this one; the driver's timer needs it first
    supervisor = Supervisor(built, args.signals, args.timeout, args.window_info)
    arguments = [argument for argument in args.main_arguments if argument != "--"]
    code = kiosk_main(arguments)
    supervisor.say(f"exited {code}")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
