"""The kiosk's one window: full screen, locked down, with a stack of screens and a message bar.

Lock-down: the window ignores close requests (the title bar's button, Alt+F4, a window manager's close) and the Escape
key until the supervisor has unlocked exit with the PIN; any touch, click or key restarts the inactivity timer, and
when it runs out the kiosk goes back to its idle screen (leaving supervisor mode too).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QStackedWidget, QVBoxLayout, QWidget

from kiosk.ui.language import set_window_title, translate
from kiosk.ui.messages import Messenger
from kiosk.ui.theme import Metrics, style_sheet
from kiosk.ui.widgets import MessageBar

log = logging.getLogger(__name__)

ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.KeyPress,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.Wheel,
    }
)


class KioskWindow(QWidget):
    """The full-screen window. Screens are added once and shown with `show_screen`."""

    idle_timeout = Signal()  # nobody touched the kiosk for the idle time while a screen other than idle was up
    close_refused = Signal()

    def __init__(self, messenger: Messenger, idle_seconds: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_window_title(self, translate("KioskWindow", "Time clock"))
        self.messenger = messenger
        self._exit_allowed = False
        self.stack = QStackedWidget()
        self.message_bar = MessageBar()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.message_bar)
        messenger.shown.connect(self.message_bar.show_message)
        self._idle_timer = QTimer(self)
        self._idle_timer.setSingleShot(True)
        self._idle_timer.timeout.connect(self._on_idle_timeout)
        self.set_idle_seconds(idle_seconds)
        self._resting: QWidget | None = None  # the screen inactivity leads back to
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    # --- screens --------------------------------------------------------------------------------------------------

    def add_screen(self, screen: QWidget) -> None:
        self.stack.addWidget(screen)

    def show_screen(self, screen: QWidget) -> None:
        """Bring `screen` up; the inactivity timer runs on every screen but the resting one."""
        if self.stack.indexOf(screen) < 0:
            self.stack.addWidget(screen)
        self.stack.setCurrentWidget(screen)
        log.debug("screen %s", type(screen).__name__)
        self.touch()

    @property
    def current(self) -> QWidget | None:
        return self.stack.currentWidget()

    def set_resting_screen(self, screen: QWidget) -> None:
        self._resting = screen

    # --- inactivity -----------------------------------------------------------------------------------------------

    def set_idle_seconds(self, seconds: int) -> None:
        self._idle_timer.setInterval(seconds * 1000)

    def touch(self) -> None:
        """Someone did something: restart the inactivity timer (stopped on the resting screen)."""
        if self._resting is not None and self.stack.currentWidget() is self._resting:
            self._idle_timer.stop()
        else:
            self._idle_timer.start()

    def _on_idle_timeout(self) -> None:
        log.info("inactivity: back to the idle screen")
        self.idle_timeout.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in ACTIVITY_EVENTS and self._idle_timer.isActive():
            self._idle_timer.start()
        return False

    # --- lock-down ------------------------------------------------------------------------------------------------

    def allow_exit(self) -> None:
        """The supervisor unlocked exit: the next close request closes the window."""
        self._exit_allowed = True

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self._exit_allowed:
            app = QApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
            event.accept()
            return
        log.info("close request refused: the supervisor PIN is needed to leave the kiosk")
        event.ignore()
        self.close_refused.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Escape or (
            event.key() == Qt.Key.Key_F4 and event.modifiers() & Qt.KeyboardModifier.AltModifier
        ):
            event.accept()  # swallowed: leaving the kiosk needs the supervisor PIN
            return
        super().keyPressEvent(event)

    def apply_style(self, height: int) -> None:
        """Size everything for the screen the window is on and a window `height` pixels tall."""
        metrics = Metrics.for_screen(self.screen(), height)
        self.setStyleSheet(style_sheet(metrics))
        self.metrics = metrics
