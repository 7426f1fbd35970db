"""How long a tap on the language button keeps the GUI thread busy before every screen shows the other language.

    .venv/bin/python -m benchmarks.language_switch [--switches 40]

Builds the kiosk with the composition root (offscreen, 1280x800, a throwaway data folder with three employees, no
camera), brings up the greeting of an employee (the screen whose button a person taps), then switches between
English and Filipino `--switches` times. Each switch installs the catalogue and the locale and shows every text of
every screen again (the screens not in view too, so that whichever comes next is already in the new language).
Prints the median and the slowest switch, and how many widgets the kiosk has.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QWidget

from kiosk.app import KioskApp, KioskOptions
from kiosk.domain.punches import IdentifiedBy
from kiosk.ui.kiosk import Identity
from kiosk.ui.language import Language
from kiosk.ui.sound import SoundPlayer
from tests.conftest import MemoryKeyring
from tests.support import ManualTimeSource
from tests.ui.conftest import set_up_kiosk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--switches", type=int, default=40)
    args = parser.parse_args()
    application = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        keyring, clock = MemoryKeyring(), ManualTimeSource()
        set_up_kiosk(Path(folder), keyring, clock)
        app = KioskApp(
            KioskOptions(data_dir=Path(folder), no_camera=True),
            keyring_backend=keyring,
            time_source=clock,
            sounds=SoundPlayer(False),
        )
        kiosk = app.build()
        kiosk.window.resize(1280, 800)
        kiosk.window.apply_style(800)
        kiosk.window.show()
        deadline = time.monotonic() + 10
        while kiosk.window.current is not kiosk.idle and time.monotonic() < deadline:
            QApplication.processEvents()
        kiosk.identified(Identity("E1", IdentifiedBy.PIN))
        while kiosk.window.current is not kiosk.greet and time.monotonic() < deadline:
            QApplication.processEvents()
        timings = []
        for index in range(args.switches):
            language = Language.FILIPINO if index % 2 == 0 else Language.ENGLISH
            started = time.perf_counter()
            kiosk.use_language(language)
            QApplication.processEvents()  # the repaint of the screen in view
            timings.append((time.perf_counter() - started) * 1000)
        widgets = len(kiosk.window.findChildren(QWidget))
        print(f"language switch on the greeting, {widgets} widgets, {args.switches} switches:")
        print(f"  median {statistics.median(timings):.1f} ms, slowest {max(timings):.1f} ms")
        kiosk.window.allow_exit()
        kiosk.window.close()
        app.close()
    del application
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
