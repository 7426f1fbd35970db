"""How long the GUI thread is kept from its event loop.

A precise timer asks to run every few milliseconds; when a tick comes late, the GUI thread was busy (or blocked) for
that long. The kiosk logs long stalls; the benchmark and the tests read the longest one.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, Qt, QTimer

log = logging.getLogger(__name__)


class StallMonitor(QObject):
    """Measures stalls of the thread it lives on (the GUI thread).

    Args:
        interval_ms: how often the timer asks to run.
        report_above_ms: stalls longer than this are logged as warnings (0: never).
        parent: the Qt parent.
    """

    def __init__(self, interval_ms: int = 5, report_above_ms: float = 0.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.report_above_ms = report_above_ms
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last: float | None = None
        self.longest_ms = 0.0
        self.ticks = 0

    def start(self) -> None:
        self.longest_ms = 0.0
        self.ticks = 0
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._last = None

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            stall = (now - self._last) * 1000.0 - self.interval_ms
            self.longest_ms = max(self.longest_ms, stall)
            if self.report_above_ms and stall > self.report_above_ms:
                log.warning("the screen was unresponsive for %.0f ms", stall)
        self._last = now
        self.ticks += 1
