"""WORKAROUND: PySide6 6.12.0 gives back references it never took to Python's None, True and False.

Measured on 6.12.0 with Python 3.11 (6.8.3, 6.10.3 and 6.11.3 do not do it): every call of a Qt method that returns
nothing (`setText`, `update`, `QTimer.start`, ...) takes one reference away from None, every `Signal.emit` one from
True, every failed `disconnect` one from False. A kiosk showing its camera makes thousands of such calls a minute, and
when a count reaches zero Python aborts with "Fatal Python error: bool_dealloc" (or "none_dealloc"): sometimes while
it runs, more often at exit, when the interpreter's own references are released. Python 3.12 made these objects
immortal (PEP 683), so there the lost references cost nothing. Upstream tracker: https://bugreports.qt.io/projects/PYSIDE

`guard()` measures whether the installed PySide6 leaks, and if it does, gives the three objects a count so large that
no run of the kiosk can spend it, which is what Python 3.12 does for them. It is called before the QApplication is
made. `tests/ui/test_shutdown.py` runs a kiosk with a camera through more signals than Python held references to
True when it started, and leaves it from supervisor mode: without this guard, on 6.12.0, that run aborts.
"""

from __future__ import annotations

import ctypes
import logging
import sys

import PySide6
from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

SINGLETONS = (None, True, False)
PROBE_CALLS = 64
# Far beyond what any run could spend (a leak per call, at a million calls a second, for eight years), far below the
# largest count (2**63), so counting up can never overflow either.
IMMORTAL_COUNT = 1 << 48


class _Probe(QObject):
    fired = Signal()


def leaks() -> bool:
    """Whether the installed PySide6 takes references to None or True away that it never took."""
    probe = _Probe()
    before = [sys.getrefcount(singleton) for singleton in SINGLETONS]
    for _ in range(PROBE_CALLS):
        probe.fired.emit()
        probe.setObjectName("probe")
    after = [sys.getrefcount(singleton) for singleton in SINGLETONS]
    # Other threads may take or drop a few references meanwhile; a leak shows as one per call.
    return any(start - end >= PROBE_CALLS // 2 for start, end in zip(before, after, strict=True))


def _count_of(singleton: object) -> ctypes.c_ssize_t:
    # In CPython's release builds an object starts with its reference count (PyObject.ob_refcnt).
    return ctypes.c_ssize_t.from_address(id(singleton))


def guard() -> bool:
    """Make None, True and False immortal when the installed PySide6 leaks them; True when it did.

    Does nothing on Python 3.12 and later (they are immortal there) or when PySide6 does not leak.
    """
    if sys.version_info >= (3, 12):
        return False
    if all(_count_of(singleton).value >= IMMORTAL_COUNT for singleton in SINGLETONS):
        return True  # guarded already
    if not leaks():
        return False
    for singleton in SINGLETONS:
        count = _count_of(singleton)
        # getrefcount counts its own argument too; a mismatch means an object layout this code does not know.
        if count.value != sys.getrefcount(singleton) - 1:
            log.error("cannot guard against PySide6 %s's reference leak on this Python build", PySide6.__version__)
            return False
        if count.value < IMMORTAL_COUNT:
            count.value += IMMORTAL_COUNT
    log.warning(
        "PySide6 %s releases references to None and True it never took; they are made immortal for this run "
        "(Python 3.12, or PySide6 6.11.3, does not need this)",
        PySide6.__version__,
    )
    return True
