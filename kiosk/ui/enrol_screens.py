"""Enrolment in supervisor mode: the employee's consent first, then guided capture with live feedback."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from kiosk.ui.language import set_format, set_text, translate
from kiosk.ui.problems import advice_text
from kiosk.ui.widgets import CameraView, button, label

# The wording of kiosk.services.enrolment.CONSENT_TEXT (the version the consent record names), for the screen.
CONSENT = translate(
    "ConsentScreen",
    "I agree that this time clock keeps encrypted templates of my face, computed from the pictures taken now, and "
    "compares them with my face when I punch in or out. No picture of my face is kept. I can withdraw this consent "
    "at any time; my face templates are then deleted, and I punch with my PIN or with a supervisor.",
)


class ConsentScreen(QWidget):
    """The consent text, read to or by the employee; nothing is captured before they agree."""

    agreed = Signal()
    declined = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label("", "title")
        self.text = label("", None)
        self.agree = button(translate("ConsentScreen", "The employee agrees"), "go", self.agreed.emit)
        self.decline = button(translate("ConsentScreen", "Does not agree"), "quiet", self.declined.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.agree, 2)
        row.addWidget(self.decline, 1)
        layout.addLayout(row)

    def show_consent(self, name: str) -> None:
        """The consent text the employee agrees to, in the kiosk's language (the stored version names the English)."""
        set_text(self.title, translate("ConsentScreen", "Face recognition for {name}").format(name=name))
        set_text(self.text, CONSENT)


class CaptureScreen(QWidget):
    """The camera with the pose asked for, live feedback on the quality checks, and progress."""

    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label("", "title")
        self.camera = CameraView()
        self.advice = label("", "title", centre=True)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        set_format(self.progress, translate("CaptureScreen", "%v of %m"))
        self.cancel = button(translate("ClaimScreen", "Cancel"), "quiet", self.cancelled.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 16, 32, 16)
        layout.addWidget(self.title)
        layout.addWidget(self.camera, 1)
        layout.addWidget(self.advice)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel)

    def start(self, name: str, total: int, advice: str) -> None:
        set_text(self.title, translate("CaptureScreen", "Enrolling {name}").format(name=name))
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        set_text(self.advice, advice_text(advice))
        self.camera.clear()

    def show_step(self, collected: int, advice: str) -> None:
        self.progress.setValue(collected)
        if advice:
            set_text(self.advice, advice_text(advice))
