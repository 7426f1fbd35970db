"""From launching the kiosk to its idle screen, with a big site's database.

    .venv/bin/python -m benchmarks.kiosk_start [--employees 2000] [--days 365] [--runs 5]

Launches `main.py --data-dir DIR --no-camera --windowed` on the big kiosk of `benchmarks.big_kiosk` (built once into
the temporary folder and reused) in a process of its own, offscreen, and times from the launch (before Python
starts) until the kiosk's window shows its idle screen. The first run may read the files from disk; the median of
the runs is quoted. Target at 2,000 employees x 365 days: <= 3 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from PySide6.QtCore import QTimer

from benchmarks.big_kiosk import ROOT, big_kiosk, environment
from kiosk.app import KioskApp
from kiosk.commands import main as kiosk_main
from kiosk.ui import launch
from kiosk.ui.kiosk import Kiosk


def child(started: float, arguments: list[str]) -> int:
    """Run the kiosk as main.py does and print the seconds from `started` to its idle screen, then leave."""
    built: list[Kiosk] = []
    build = KioskApp.build

    def build_and_keep(self: KioskApp) -> Kiosk:
        kiosk = build(self)
        built.append(kiosk)
        return kiosk

    KioskApp.build = build_and_keep  # type: ignore[method-assign]  # to find the kiosk main.py builds
    launch.application()

    def look() -> None:
        if built and built[0].window.current is built[0].idle and built[0].window.isVisible():
            print(f"{time.time() - started:.3f}", flush=True)
            os._exit(0)  # measured: the shutdown is not what this times

    timer = QTimer()
    timer.timeout.connect(look)
    timer.start(5)
    return kiosk_main(arguments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.child is not None:
        sys.exit(child(args.child, rest))
    folder = big_kiosk(args.employees, args.days)
    seconds = []
    for _ in range(args.runs):
        started = time.time()
        done = subprocess.run(
            [
                sys.executable, "-m", "benchmarks.kiosk_start", "--child", str(started),
                "--data-dir", str(folder), "--no-camera", "--windowed",
            ],
            cwd=ROOT, env=environment(folder), capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        lines = done.stdout.split()
        if done.returncode != 0 or not lines:
            raise SystemExit(f"the kiosk did not reach its idle screen ({done.returncode}): {done.stderr[-2000:]}")
        seconds.append(float(lines[-1]))
        print(f"launch to idle screen: {seconds[-1]:.2f} s", flush=True)
    print(
        f"kiosk start with {args.employees} employees x {args.days} days: median {statistics.median(seconds):.2f} s "
        f"over {len(seconds)} runs (first {seconds[0]:.2f} s)"
    )


if __name__ == "__main__":
    main()
