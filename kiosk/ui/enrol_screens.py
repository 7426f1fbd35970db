"""Enrolment in supervisor mode: the employee's consent first, then guided capture with live feedback."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from kiosk.ui.widgets import CameraView, button, label


class ConsentScreen(QWidget):
    """The consent text, read to or by the employee; nothing is captured before they agree."""

    agreed = Signal()
    declined = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label("", "title")
        self.text = label("", None)
        self.agree = button("The employee agrees", "go", self.agreed.emit)
        self.decline = button("Does not agree", "quiet", self.declined.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.agree, 2)
        row.addWidget(self.decline, 1)
        layout.addLayout(row)

    def show_consent(self, name: str, text: str) -> None:
        self.title.setText(f"Face recognition for {name}")
        self.text.setText(text)


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
        self.progress.setFormat("%v of %m")
        self.cancel = button("Cancel", "quiet", self.cancelled.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 16, 32, 16)
        layout.addWidget(self.title)
        layout.addWidget(self.camera, 1)
        layout.addWidget(self.advice)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel)

    def start(self, name: str, total: int, advice: str) -> None:
        self.title.setText(f"Enrolling {name}")
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.advice.setText(advice)
        self.camera.clear()

    def show_step(self, collected: int, advice: str) -> None:
        self.progress.setValue(collected)
        if advice:
            self.advice.setText(advice)
