"""First start: the company, the site, its time zone and the supervisor PIN, then straight into the kiosk."""

from __future__ import annotations

import zoneinfo

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.domain.errors import RuleViolation
from kiosk.ui.messages import Level, sentence
from kiosk.ui.widgets import MessageLine, button, label

DEFAULT_ZONE = "Asia/Manila"


class SetupScreen(QWidget):
    """Collects the set-up facts; `submitted` carries them once the two PIN entries agree."""

    submitted = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.company = QLineEdit()
        self.site = QLineEdit()
        self.kiosk_name = QLineEdit("Kiosk")
        self.zone = QComboBox()
        self.zone.setEditable(True)
        self.zone.addItems(sorted(zoneinfo.available_timezones()))
        self.zone.setCurrentText(DEFAULT_ZONE)
        self.pin = QLineEdit()
        self.pin_again = QLineEdit()
        for field in (self.pin, self.pin_again):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setMaxLength(12)
        self.error = MessageLine()
        self.save = button("Start the kiosk", "go", self._submit)
        form = QFormLayout()
        form.addRow("Company", self.company)
        form.addRow("Site", self.site)
        form.addRow("Time zone", self.zone)
        form.addRow("This kiosk's name", self.kiosk_name)
        form.addRow("Supervisor PIN (6 to 12 digits)", self.pin)
        form.addRow("Supervisor PIN again", self.pin_again)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.addWidget(label("Set up this time clock", "title"))
        layout.addWidget(label("These facts are asked once. The supervisor PIN opens supervisor mode.", "muted"))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.save)

    def fill(self, company: str, site: str, zone: str, pin: str, kiosk_name: str = "Kiosk") -> None:
        """Type the facts in (the way a person would)."""
        self.company.setText(company)
        self.site.setText(site)
        self.zone.setCurrentText(zone)
        self.kiosk_name.setText(kiosk_name)
        self.pin.setText(pin)
        self.pin_again.setText(pin)

    def _submit(self) -> None:
        if self.pin.text() != self.pin_again.text():
            self.show_error(RuleViolation("pin_mismatch", "the two PIN entries differ"))
            return
        self.error.clear()
        self.save.setEnabled(False)
        self.submitted.emit(
            {
                "company_name": self.company.text(),
                "site_name": self.site.text(),
                "timezone": self.zone.currentText().strip(),
                "admin_pin": self.pin.text(),
                "kiosk_name": self.kiosk_name.text(),
            }
        )

    def show_error(self, error: RuleViolation) -> None:
        """Keep the form as it is and say what to change."""
        self.save.setEnabled(True)
        self.error.show_message(sentence(error.message), Level.PROBLEM)
