"""First start: the company, the site, its time zone and the supervisor PIN, then straight into the kiosk."""

from __future__ import annotations

import zoneinfo

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from kiosk.domain.errors import RuleViolation
from kiosk.ui.employee_screens import LanguageButton
from kiosk.ui.language import translate
from kiosk.ui.messages import Level
from kiosk.ui.problems import rule_text
from kiosk.ui.widgets import MessageLine, button, label

DEFAULT_ZONE = "Asia/Manila"


class SetupScreen(QWidget):
    """Collects the set-up facts; `submitted` carries them once the two PIN entries agree."""

    submitted = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.company = QLineEdit()
        self.site = QLineEdit()
        self.kiosk_name = QLineEdit("Kiosk")  # a name, typed by whoever sets the kiosk up: not translated
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
        self.save = button(translate("SetupScreen", "Start the kiosk"), "go", self._submit)
        self.language_button = LanguageButton()
        form = QFormLayout()
        form.addRow(label(translate("SetupScreen", "Company"), wrap=False), self.company)
        form.addRow(label(translate("SetupScreen", "Site"), wrap=False), self.site)
        form.addRow(label(translate("SetupScreen", "Time zone"), wrap=False), self.zone)
        form.addRow(label(translate("SetupScreen", "This kiosk's name"), wrap=False), self.kiosk_name)
        form.addRow(label(translate("SetupScreen", "Supervisor PIN (6 to 12 digits)"), wrap=False), self.pin)
        form.addRow(label(translate("SetupScreen", "Supervisor PIN again"), wrap=False), self.pin_again)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.addWidget(label(translate("SetupScreen", "Set up this time clock"), "title"))
        layout.addWidget(
            label(
                translate("SetupScreen", "These facts are asked once. The supervisor PIN opens supervisor mode."),
                "muted",
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save, 3)
        bottom.addWidget(self.language_button, 1)
        layout.addLayout(bottom)

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
        self.error.show_message(rule_text(error), Level.PROBLEM)
