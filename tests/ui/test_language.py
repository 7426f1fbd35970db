"""The kiosk in English and in Filipino: every string on every screen is in the catalogue, a language change shows at
once, times follow the language's locale, and the kiosk returns to its own language after each person."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QListWidget, QProgressBar, QWidget
from pytestqt.qtbot import QtBot

from kiosk.domain.errors import RuleViolation
from kiosk.domain.punches import IdentifiedBy, PunchKind
from kiosk.services.enrolment import CONSENT_TEXT
from kiosk.services.kiosk_setup import KioskSetup
from kiosk.store import repository
from kiosk.store.database import Database
from kiosk.store.device_settings import DeviceSettings
from kiosk.store.secrets import SecretStore
from kiosk.ui.enrol_screens import CONSENT
from kiosk.ui.kiosk import Identity, Kiosk
from kiosk.ui.language import Language, Translations, clock_text, translate, translations_dir
from kiosk.ui.messages import explain
from kiosk.ui.problems import ADVICE, LIVENESS_REASONS, verdict_text
from kiosk.ui.vision_process import Verdict
from kiosk.ui.widgets import CameraView
from tests.conftest import MemoryKeyring
from tests.support import ManualTimeSource
from tests.ui.conftest import (
    EMPLOYEES,
    SUPERVISOR_PIN,
    RunningKiosk,
    click,
    set_up_kiosk,
    showing,
    start_kiosk,
    stop_kiosk,
)
from tests.ui.test_pin_and_supervisor import unlock

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = translations_dir() / "kiosk_fil.ts"
COMPILED = translations_dir() / "kiosk_fil.qm"
TOOLS = Path(sys.executable).parent

# Words a Filipino screen shows as they are in English, on purpose: names of things (the roster, the site, the
# kiosk), words Filipino workplaces use as they are, and the names of the languages themselves.
SAME_IN_BOTH = {
    *(part.lower() for employee in EMPLOYEES for part in employee),
    *["giovanni", "construction", "north", "yard", "kiosk", "engineer", "sa", "site", "office"],
    *[
        "pin",
        "ok",
        "supervisor",
        "shift",
        "min",
        "csv",
        "emergency",
        "site",
        "time",
        "zone",
        "filipino",
        "english",
        "liveness",
        "check",
        "network",
    ],
    *["clock", "am", "pm", "crane", "crew", "left", "with", "the"],  # the note typed on the claim screen's keyboard
    *[
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "oct",
        "nov",
        "dec",
    ],
}


def screen_texts(window: QWidget) -> dict[str, str]:
    """Every text the current screen and the message bar show, by a name for the widget that shows it."""
    shown: dict[str, str] = {}
    roots = [window.stack.currentWidget(), window.message_bar]  # type: ignore[attr-defined]
    for root in roots:
        for index, widget in enumerate([root, *root.findChildren(QWidget)]):
            if not widget.isVisibleTo(window):
                continue
            key = f"{type(root).__name__}/{index}:{type(widget).__name__}"
            if isinstance(widget, QLabel | QAbstractButton):
                shown[key] = widget.text()
            if isinstance(widget, QLineEdit):
                shown[key + ".placeholder"] = widget.placeholderText()
            if isinstance(widget, QProgressBar) and widget.isTextVisible():
                shown[key + ".format"] = widget.format()
            if isinstance(widget, CameraView):
                shown[key + ".caption"] = widget.caption
            if isinstance(widget, QListWidget):
                for row in range(widget.count()):
                    if not widget.item(row).isHidden():
                        shown[f"{key}.row{row}"] = widget.item(row).text()
    return {key: text for key, text in shown.items() if text.strip()}


def untranslated(english: str, filipino: str) -> bool:
    """A text shown the same in both languages that has a word which is not a name or a word kept as it is."""
    if english != filipino:
        return False
    words = [word.lower() for word in re.findall(r"[A-Za-z]{2,}", english)]
    return any(word not in SAME_IN_BOTH for word in words)


class CatalogueProbe(QTranslator):
    """Asked after the kiosk's catalogue: every lookup that reaches it while Filipino is on was missing there."""

    def __init__(self) -> None:
        super().__init__()
        self.listening = False
        self.missing: set[tuple[str, str]] = set()

    def translate(  # None is how a translator says "not here" (a null QString)
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        if self.listening and not context.startswith("Q"):  # Qt's own contexts (layout direction) are not ours
            self.missing.add((context, source))
        return None

    def isEmpty(self) -> bool:  # noqa: N802 - Qt's name
        return False


class BothLanguages:
    """Stands in for the render script's renderer: at each screen, reads it in English, then in Filipino."""

    def __init__(self, kiosk: Kiosk, probe: CatalogueProbe) -> None:
        self.kiosk = kiosk
        self.probe = probe
        self.screens: list[str] = []
        self.visited: set[int] = set()
        self.untranslated: list[str] = []
        self.unchanged: list[str] = []

    def save(self, name: str) -> None:
        window = self.kiosk.window
        QApplication.processEvents()
        english = screen_texts(window)
        self.probe.listening = True
        self.kiosk.use_language(Language.FILIPINO)
        filipino = screen_texts(window)  # no event loop turn in between: the change shows at once
        self.probe.listening = False
        self.kiosk.use_language(Language.ENGLISH)
        self.screens.append(name)
        self.visited.add(id(window.current))
        for key, text in english.items():
            if key not in filipino:
                continue
            if untranslated(text, filipino[key]):
                self.untranslated.append(f"{name}: {key}: {text!r}")
        if english and english == filipino:
            self.unchanged.append(name)
        assert screen_texts(window) == english, f"{name}: switching back to English did not restore the screen"


def render_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_screens", ROOT / "scripts" / "render_screens.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def probe() -> Iterator[CatalogueProbe]:
    app = QCoreApplication.instance()
    assert app is not None
    catalogue_probe = CatalogueProbe()
    app.installTranslator(catalogue_probe)
    yield catalogue_probe
    app.removeTranslator(catalogue_probe)


def test_every_string_on_every_screen_is_in_the_filipino_catalogue(
    qtbot: QtBot, running: RunningKiosk, probe: CatalogueProbe
) -> None:
    kiosk = running.kiosk
    both = BothLanguages(kiosk, probe)
    render_script().walk(kiosk, running.time, both)
    # Screens the walk does not reach without a camera or a first start: consent, capture, set-up, a refusal.
    admin = kiosk.admin
    admin.consent.show_consent("Ana Cruz")
    kiosk.window.show_screen(admin.consent)
    both.save("consent")
    admin.capture.start("Ana Cruz", 4, "Look straight at the camera.")
    admin.capture.show_step(1, "Move closer to the camera.")
    kiosk.window.show_screen(admin.capture)
    both.save("capture")
    admin.new_pin.reset(
        "", explain(RuleViolation("pin_format", "the PIN must be 4 to 8 digits", shortest=4, longest=8))
    )
    kiosk.window.show_screen(admin.new_pin)
    both.save("new-pin")
    kiosk.setup_screen.show_error(RuleViolation("pin_mismatch", "the two PIN entries differ"))
    kiosk.window.show_screen(kiosk.setup_screen)
    both.save("set-up")
    kiosk.window.messenger.report(RuntimeError("a bug"))
    both.save("unexpected-error")
    stack = kiosk.window.stack
    screens = [stack.widget(index) for index in range(stack.count())]
    unvisited = [type(screen).__name__ for screen in screens if id(screen) not in both.visited]
    assert not unvisited, f"screens the walk did not show: {unvisited}"
    assert not both.untranslated, "\n".join(both.untranslated)
    assert not both.unchanged, f"screens that look the same in Filipino: {both.unchanged}"
    assert not probe.missing, f"looked up but not in the Filipino catalogue: {sorted(probe.missing)}"


def test_the_idle_screens_language_button_changes_the_screen_at_once_and_the_kiosk_returns_to_its_own(
    qtbot: QtBot, running: RunningKiosk
) -> None:
    kiosk = running.kiosk
    assert kiosk.idle.language_button.text() == "Filipino"
    click(qtbot, kiosk.idle.language_button)
    assert kiosk.idle.prompt.text() == "Mag-punch gamit ang iyong PIN"  # no event loop turn needed
    assert kiosk.idle.supervisor_button.text() == "Supervisor"
    assert kiosk.idle.pin_button.text() == "Mag-punch gamit ang PIN"
    assert kiosk.idle.language_button.text() == "English"
    kiosk.identified(Identity("E1", IdentifiedBy.PIN))
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet))
    assert kiosk.greet.hello.text() == "Kumusta, Maria Santos"
    assert kiosk.greet.action_buttons[(PunchKind.CLOCK_IN, None)].text() == "Mag-clock in"
    click(qtbot, kiosk.greet.action_buttons[(PunchKind.CLOCK_IN, None)])
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.confirm))
    assert kiosk.confirm.headline.text() == "Naka-clock in na"
    click(qtbot, kiosk.confirm.ok)
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
    assert kiosk.language is Language.ENGLISH
    assert kiosk.idle.prompt.text() == "Punch with your PIN"
    assert kiosk.idle.language_button.text() == "Filipino"


def test_a_language_chosen_on_the_idle_screen_by_someone_who_walks_away_goes_back_after_the_idle_time(
    qtbot: QtBot, running: RunningKiosk
) -> None:
    kiosk = running.kiosk
    kiosk.window.set_idle_seconds(5)
    kiosk.settings = kiosk.settings.replace(idle_timeout_seconds=5)
    click(qtbot, kiosk.idle.language_button)
    assert kiosk.language is Language.FILIPINO
    qtbot.waitUntil(lambda: kiosk.language is Language.ENGLISH, timeout=8000)
    assert kiosk.idle.prompt.text() == "Punch with your PIN"


def test_the_greeting_in_the_employees_language_keeps_the_time_in_that_languages_format(
    qtbot: QtBot, running: RunningKiosk
) -> None:
    kiosk = running.kiosk
    kiosk.identified(Identity("E2", IdentifiedBy.PIN))
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.greet))
    assert kiosk.greet.hello.text() == "Hello, Jose Reyes"
    click(qtbot, kiosk.greet.action_buttons[(PunchKind.CLOCK_IN, None)])
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.confirm))
    # 13:00 UTC is 21:00 in Manila: 24-hour in English (as the kiosk always showed it), 12-hour in Filipino.
    assert kiosk.confirm.detail.text() == "at 21:00"
    assert re.fullmatch(r"\d{2}:\d{2}", kiosk.idle.header.time.text())
    kiosk.use_language(Language.FILIPINO)
    assert kiosk.confirm.detail.text() == "nang 9:00\u202fPM"
    assert kiosk.confirm.extra.text() == "Nasa shift mula 9:00\u202fPM"
    assert re.fullmatch(r"\d{1,2}:\d{2}\u202f[AP]M", kiosk.idle.header.time.text())
    assert re.fullmatch(r"[A-Z][a-z]+, [A-Z][a-z]+ \d{1,2}, \d{4}", kiosk.idle.header.date.text())
    kiosk.use_language(Language.ENGLISH)
    assert re.fullmatch(r"[A-Z][a-z]+ \d{1,2} [A-Z][a-z]+ \d{4}", kiosk.idle.header.date.text())


def test_clock_text_follows_the_locale() -> None:
    translations = Translations()
    try:
        translations.use(Language.FILIPINO)
        assert clock_text(datetime(2026, 11, 2, 8, 5, tzinfo=UTC).time()) == "8:05\u202fAM"
        assert clock_text(datetime(2026, 11, 2, 20, 5, tzinfo=UTC).time()) == "8:05\u202fPM"
        translations.use(Language.ENGLISH)
        assert clock_text(datetime(2026, 11, 2, 8, 5, tzinfo=UTC).time()) == "08:05"
        assert clock_text(datetime(2026, 11, 2, 20, 5, tzinfo=UTC).time()) == "20:05"
    finally:
        translations.close()


def test_the_supervisor_sets_the_kiosks_language_and_it_applies_at_once_and_after_a_restart(
    qtbot: QtBot, running: RunningKiosk, kiosk_folder: Path, memory_keyring: MemoryKeyring, clock: ManualTimeSource
) -> None:
    kiosk = running.kiosk
    admin = kiosk.admin
    admin.ask_pin()
    admin.pin.keypad.type_digits(SUPERVISOR_PIN)
    admin.pin.keypad.press("OK")
    qtbot.waitUntil(lambda: showing(kiosk, admin.home))
    admin.show_settings()
    qtbot.waitUntil(lambda: showing(kiosk, admin.settings))
    assert admin.settings.language.value == "en"
    admin.settings.language.choose("fil")
    click(qtbot, admin.settings.save_button)
    qtbot.waitUntil(lambda: showing(kiosk, admin.home))
    assert admin.home.leave.text() == "Umalis sa supervisor mode"
    assert kiosk.window.message_bar.text == "Nai-save ang mga setting."
    click(qtbot, admin.home.leave)
    qtbot.waitUntil(lambda: showing(kiosk, kiosk.idle))
    assert kiosk.language is Language.FILIPINO  # the kiosk's own language now
    assert kiosk.idle.language_button.text() == "English"
    assert kiosk.parts.setup.settings().language == "fil"  # kept for the next start


def test_a_kiosk_whose_language_is_filipino_starts_in_filipino(
    qtbot: QtBot, kiosk_folder: Path, memory_keyring: MemoryKeyring, clock: ManualTimeSource
) -> None:
    set_up_kiosk(kiosk_folder, memory_keyring, clock)
    database = Database(kiosk_folder / "kiosk.db")
    try:
        KioskSetup(database, SecretStore(memory_keyring), clock).update_settings("test", language="fil")
    finally:
        database.close()
    started = start_kiosk(qtbot, kiosk_folder, memory_keyring, clock)
    try:
        qtbot.waitUntil(lambda: showing(started.kiosk, started.kiosk.idle))
        assert started.kiosk.idle.prompt.text() == "Mag-punch gamit ang iyong PIN"
        assert started.kiosk.window.windowTitle() == "Time clock"
    finally:
        stop_kiosk(started)
    assert QCoreApplication.translate("GreetScreen", "Hello, {name}") == "Hello, {name}"  # the catalogue left with it


def test_an_unknown_language_is_refused_and_nothing_changes(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(RuleViolation) as refused:
        DeviceSettings(language="de")
    assert refused.value.code == "language_value"
    time = ManualTimeSource()
    set_up_kiosk(tmp_path, memory_keyring, time)
    database = Database(tmp_path / "kiosk.db")
    try:
        setup = KioskSetup(database, SecretStore(memory_keyring), time)
        with pytest.raises(RuleViolation, match="the language must be one of en, fil, not 'tl'"):
            setup.update_settings("test", language="tl")
        assert setup.settings().language == "en"
    finally:
        database.close()


def test_a_problem_from_a_service_is_shown_in_filipino_from_its_code(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    kiosk.window.messenger.report(RuleViolation("pin_format", "the PIN must be 4 to 8 digits", shortest=4, longest=8))
    assert kiosk.window.message_bar.text == "The PIN must be 4 to 8 digits."
    kiosk.use_language(Language.FILIPINO)
    assert kiosk.window.message_bar.text == "Ang PIN ay dapat 4 hanggang 8 numero."


def test_the_consent_on_screen_is_the_consent_the_record_names() -> None:
    assert CONSENT.source == CONSENT_TEXT


def messages(path: Path) -> dict[tuple[str, str], ET.Element]:
    found = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            found[(name, message.findtext("source") or "")] = message
    return found


def test_the_catalogue_holds_every_string_of_the_code_each_translated_with_the_same_values(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(path) for path in (ROOT / "kiosk" / "ui").glob("*.py"))
    subprocess.run(
        [str(TOOLS / "pyside6-lupdate"), *sources, "-ts", str(fresh), "-no-obsolete", "-locations", "none"],
        check=True,
        capture_output=True,
    )
    committed = messages(CATALOGUE)
    assert set(messages(fresh)) == set(committed), "run pyside6-lupdate (see kiosk/ui/language.py)"
    for (context, source), message in committed.items():
        translation = message.find("translation")
        assert translation is not None and translation.get("type") is None, f"{context}: {source!r} unfinished"
        text = translation.text or ""
        assert text.strip(), f"{context}: {source!r} has no translation"
        fields = sorted(re.findall(r"\{\w+\}|%[vmn]", source))
        assert sorted(re.findall(r"\{\w+\}|%[vmn]", text)) == fields, f"{context}: {text!r} changes the values"


def test_the_compiled_catalogue_is_the_catalogue(tmp_path: Path) -> None:
    built = tmp_path / "kiosk_fil.qm"
    subprocess.run(
        [str(TOOLS / "pyside6-lrelease"), "-silent", str(CATALOGUE), "-qm", str(built)], check=True, capture_output=True
    )
    assert built.read_bytes() == COMPILED.read_bytes(), "run pyside6-lrelease (see kiosk/ui/language.py)"


def test_a_missing_catalogue_is_said_and_the_language_stays(tmp_path: Path) -> None:
    translations = Translations(tmp_path)
    try:
        with pytest.raises(Exception, match=r"Filipino catalogue .* is missing or damaged"):
            translations.use(Language.FILIPINO)
        assert translations.current is Language.ENGLISH
    finally:
        translations.close()


def test_every_liveness_reason_and_quality_advice_has_words_in_the_ui() -> None:
    """A reason code or an advice added in the vision layer without words here would reach the screen in English."""
    liveness = "\n".join(path.read_text() for path in (ROOT / "kiosk" / "vision" / "liveness").glob("*.py"))
    codes = set(re.findall(r'Reason\(\s*"(\w+)"', liveness))
    assert codes and codes <= set(LIVENESS_REASONS), sorted(codes - set(LIVENESS_REASONS))
    vision = (ROOT / "kiosk" / "vision" / "quality.py").read_text() + (
        ROOT / "kiosk" / "services" / "enrolment.py"
    ).read_text()
    advice = {
        *re.findall(r'GateFailure\([^"]*"([^"]+)"\)', vision),
        *re.findall(r'PoseRange\("\w+",.*?"([^"]+)"\)', vision),
    }
    assert len(advice) >= 8, advice
    assert advice and advice <= set(ADVICE), sorted(advice - set(ADVICE))


def test_a_liveness_refusal_is_worded_in_filipino_from_its_reason_code(qtbot: QtBot, running: RunningKiosk) -> None:
    kiosk = running.kiosk
    english = "'Turn your head to your right' was not done within 6 s."
    refused = Verdict(None, None, False, ("challenge_timeout",), "liveness_failed", english)
    kiosk.not_identified(translate("NoticeScreen", "We could not confirm a live face"), verdict_text(refused))
    assert kiosk.notice.text.text() == english  # in English the vision layer's own, more precise sentence
    kiosk.use_language(Language.FILIPINO)
    assert kiosk.notice.title.text() == "Hindi namin makumpirma na buhay na mukha ito"
    assert kiosk.notice.text.text() == "Hindi nagawa sa oras ang isang hakbang. Sundin ang senyas sa screen."


def test_the_language_chosen_on_the_set_up_screen_is_the_kiosks_own_from_the_first_employee_on(
    qtbot: QtBot, kiosk_folder: Path, memory_keyring: MemoryKeyring, clock: ManualTimeSource
) -> None:
    started = start_kiosk(qtbot, kiosk_folder, memory_keyring, clock)
    try:
        kiosk = started.kiosk
        click(qtbot, kiosk.setup_screen.language_button)
        kiosk.setup_screen.fill("Power On Enterprise", "Main gate", "Asia/Manila", SUPERVISOR_PIN)
        click(qtbot, kiosk.setup_screen.save)
        form = kiosk.admin.employee_form
        qtbot.waitUntil(lambda: showing(kiosk, form))
        assert form.title.text() == "Magdagdag ng empleyado"
        assert form.intro.text().startswith("Handa na ang kiosk. Idagdag ngayon ang unang empleyado")
        assert form.department.currentText() == "Walang departamento"
        assert kiosk.settings.language == "fil"
        kiosk.go_idle()  # the kiosk's own language, not a choice for one person's turn
        assert kiosk.language is Language.FILIPINO
    finally:
        stop_kiosk(started)


def test_the_employee_form_in_filipino_adds_an_employee_without_a_department_and_words_refusals_from_their_code(
    qtbot: QtBot, running: RunningKiosk
) -> None:
    kiosk, admin = running.kiosk, running.kiosk.admin
    unlock(qtbot, running)
    kiosk.use_language(Language.FILIPINO)
    admin.show_employees()
    qtbot.waitUntil(lambda: showing(kiosk, admin.employees))
    rows = [admin.employees.list.item(index).text() for index in range(admin.employees.list.count())]
    # The number follows the name, so a row too long for the list loses its last detail, never the number.
    assert rows[2] == "Maria Santos  \u00b7  E1  \u00b7  walang mukha  \u00b7  walang PIN"
    admin.show_new_employee()
    form = admin.employee_form
    qtbot.waitUntil(lambda: showing(kiosk, form))
    assert form.department.currentText() == "Walang departamento"
    form.fill(number="E 9", first_name="Rosa", last_name="Lim", daily_rate="700")
    click(qtbot, form.save_button)
    qtbot.waitUntil(lambda: bool(form.error.text))
    assert form.error.text == "Ang numero ng empleyado ay dapat 1 hanggang 64 na titik, numero, '-', '_' o '.'."
    kiosk.use_language(Language.ENGLISH)  # what is typed and shown stays, in the other language
    assert form.department.currentText() == "No department"
    assert form.error.text.startswith("The employee number 'E 9' is not allowed")  # the service's own sentence
    assert form.number.text() == "E 9"
    kiosk.use_language(Language.FILIPINO)
    with running.database.read() as session:
        assert repository.employee_by_number(session, kiosk.settings.company_id or "", "E9") is None
    form.fill(number="E9", first_name="Rosa", last_name="Lim", daily_rate="700")
    click(qtbot, form.save_button)
    qtbot.waitUntil(lambda: showing(kiosk, admin.employee))
    assert admin.employee.facts.text().startswith(
        "Empleyado E9  \u00b7  walang departamento  \u00b7  arawang sahod 700"
    )
    with running.database.read() as session:
        added = repository.employee_by_number(session, kiosk.settings.company_id or "", "E9")
    assert added is not None and added.department is None  # "Walang departamento" is no department's name
    click(qtbot, admin.employee.deactivate_button)
    assert admin.employee.deactivate_button.text() == (
        "Pindutin muli para i-deactivate si Rosa Lim at burahin ang datos ng mukha"
    )
    kiosk.use_language(Language.ENGLISH)
    assert admin.employee.deactivate_button.text() == "Tap again to deactivate Rosa Lim and delete their face data"
