"""The kiosk's languages: every sentence on screen goes through Qt's translation system, and every time and date
is written the way the language's locale writes it.

Screens never put a finished string on a widget. They put a `Text` (a source sentence in English with its context and
the values to fill in, looked up in the current catalogue each time it is shown) or a `Later` (a time or date,
formatted by `QLocale()` each time it is shown) with `set_text` and its siblings. A language change then only has to
ask every widget to show its texts again (`retranslate`), and nothing typed, chosen or shown is lost.

The sources are English, so English needs no catalogue. The Filipino catalogue is
`resources/translations/kiosk_fil.ts`, kept up to date with `pyside6-lupdate` (which finds every `translate("Context",
"source")` call) and compiled with `pyside6-lrelease` into the `.qm` file beside it, which is committed: the kiosk then
runs from a checkout or a frozen build with no build step, and a test checks that the `.qm` is the compiled `.ts`.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QTime, QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QWidget,
)

from kiosk.domain.errors import EnvironmentProblem
from kiosk.ui.theme import resources_dir

log = logging.getLogger(__name__)

TEXT_ROLE = 0x0100 + 77  # Qt.ItemDataRole.UserRole + 77: the Text a list row shows
_BOUND = "_kiosk_texts"  # the attribute on a widget holding its texts, by the setter that shows each


class Language(enum.Enum):
    """A language the kiosk speaks; the value is the code stored in the device settings."""

    ENGLISH = "en"
    FILIPINO = "fil"

    @property
    def facts(self) -> LanguageFacts:
        return LANGUAGE_FACTS[self]

    @property
    def native_name(self) -> str:
        """The language's name in itself, which is how a person looks for their language on a button."""
        return self.facts.native_name

    @property
    def locale(self) -> QLocale:
        return QLocale(self.facts.locale)

    @classmethod
    def from_code(cls, code: str) -> Language:
        """The language of a stored code; an unknown code (a newer kiosk's setting) is English."""
        for language in cls:
            if language.value == code:
                return language
        log.warning("unknown language %r; using English", code)
        return cls.ENGLISH


@dataclass(frozen=True, slots=True)
class LanguageFacts:
    """How a language writes things.

    Attributes:
        native_name: the language's own name for itself.
        locale: the QLocale name whose day and month names, and 12- or 24-hour clock, are used.
        catalogue: the compiled catalogue's file name in resources/translations (None: the sources are this language).
        day: a date with its weekday, short (QLocale format).
        day_year: the same with the year.
        long_day: a date with its weekday and month written out, without the year.
        full_day: a date with its weekday, month and year written out.
    """

    native_name: str
    locale: str
    catalogue: str | None
    day: str
    day_year: str
    long_day: str
    full_day: str


LANGUAGE_FACTS = {
    # British English writes the 24-hour clock and the day before the month, the look the kiosk always had.
    Language.ENGLISH: LanguageFacts(
        "English", "en_GB", None, "ddd d MMM", "ddd d MMM yyyy", "dddd d MMMM", "dddd d MMMM yyyy"
    ),
    # Filipino (Philippines) writes a 12-hour clock with AM/PM and the month before the day.
    Language.FILIPINO: LanguageFacts(
        "Filipino", "fil_PH", "kiosk_fil.qm", "ddd, MMM d", "ddd, MMM d, yyyy", "dddd, MMMM d", "dddd, MMMM d, yyyy"
    ),
}


def translations_dir() -> Path:
    return resources_dir() / "translations"


# --- texts that are looked up when shown ---------------------------------------------------------------------------


class Text:
    """A sentence in the current language: `source` (English) of `context`, looked up each time it is shown.

    Values to fill in (`{name}` in the source) are given with `format`; they may be texts or times themselves, which
    are then shown in the current language too.
    """

    __slots__ = ("args", "context", "source")

    def __init__(self, context: str, source: str, args: Mapping[str, object] | None = None) -> None:
        self.context = context
        self.source = source
        self.args = dict(args or {})

    def format(self, **args: object) -> Text:
        return Text(self.context, self.source, self.args | args)

    def __str__(self) -> str:
        translated = QCoreApplication.translate(self.context, self.source)
        if not self.args:
            return translated
        return translated.format(**{key: str(value) for key, value in self.args.items()})

    def __repr__(self) -> str:
        return f"Text({self.context!r}, {self.source!r}, {self.args!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (self.context, self.source, self.args) == (
            other.context,
            other.source,
            other.args,
        )

    def __hash__(self) -> int:
        return hash((self.context, self.source))


def translate(context: str, source: str) -> Text:
    """The sentence `source` of `context`, shown in the current language.

    The name and the two literal arguments are what `pyside6-lupdate` looks for, so every call is found for the
    catalogue; fill values in with `.format(...)`, never inside this call.
    """
    return Text(context, source)


class Later:
    """Something shown in the current language's way, worked out each time it is shown (a time, a date, a list)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], str]) -> None:
        self.make = make

    def __str__(self) -> str:
        return self.make()


Shown = str | Text | Later


def joined(parts: tuple[Shown, ...] | list[Shown], separator: str) -> Later:
    """`parts` shown one after the other with `separator` between them."""
    frozen = tuple(parts)
    return Later(lambda: separator.join(str(part) for part in frozen))


# --- times and dates, the locale's way -----------------------------------------------------------------------------


def _facts() -> LanguageFacts:
    """The facts of the language in use (English until a language is chosen: the machine's locale is not asked)."""
    name = QLocale().name()
    for facts in LANGUAGE_FACTS.values():
        if facts.locale == name:
            return facts
    return LANGUAGE_FACTS[Language.ENGLISH]


def speaks_source_language() -> bool:
    """Whether the kiosk speaks English now, the language its sources (and the services' messages) are written in."""
    return _facts() is LANGUAGE_FACTS[Language.ENGLISH]


def _locale() -> QLocale:
    return QLocale(_facts().locale)


def _local(moment: datetime, zone: tzinfo | None) -> datetime:
    return moment.astimezone(zone) if zone is not None else moment


def clock_text(value: time) -> str:
    """A time of day as the current language writes it: `14:05` in English, `2:05 PM` in Filipino."""
    locale = _locale()
    return locale.toString(QTime(value.hour, value.minute), locale.timeFormat(QLocale.FormatType.ShortFormat))


def day_text(day: date, *, year: bool = False, long: bool = False) -> str:
    """A date with its weekday: `Mon 3 Nov` (with `year`: `Mon 3 Nov 2026`; `long`: `Monday 3 November`)."""
    facts = _facts()
    patterns = {(False, False): facts.day, (True, False): facts.day_year}
    patterns |= {(False, True): facts.long_day, (True, True): facts.full_day}
    pattern = patterns[(year, long)]
    return _locale().toString(QDate(day.year, day.month, day.day), pattern)


def clock(moment: datetime, zone: tzinfo | None) -> Later:
    """The time of day of `moment` in `zone`."""
    return Later(lambda: clock_text(_local(moment, zone).time()))


def time_of_day(value: time) -> Later:
    return Later(lambda: clock_text(value))


def day(moment: datetime | date, zone: tzinfo | None = None, *, year: bool = False, long: bool = False) -> Later:
    """The date of `moment` (in `zone`) with its weekday."""
    local_day = _local(moment, zone).date() if isinstance(moment, datetime) else moment
    return Later(lambda: day_text(local_day, year=year, long=long))


def day_and_clock(moment: datetime, zone: tzinfo | None, *, year: bool = False) -> Later:
    """`Mon 3 Nov 14:05`: the date and the time of `moment` in `zone`."""
    local = _local(moment, zone)
    return Later(lambda: f"{day_text(local.date(), year=year)} {clock_text(local.time())}")


def weekday_and_clock(moment: datetime, zone: tzinfo | None) -> Later:
    """`Mon 14:05`: the weekday and the time, for a moment within the last week."""
    local = _local(moment, zone)
    return Later(
        lambda: f"{_locale().toString(QDate(local.year, local.month, local.day), 'ddd')} {clock_text(local.time())}"
    )


def full_date(day_value: date) -> Later:
    """The date as the locale writes it in full, with the weekday and the year (the idle screen's header)."""
    return Later(lambda: day_text(day_value, year=True, long=True))


# --- showing texts on widgets --------------------------------------------------------------------------------------


def _bind(widget: QWidget, setter: str, text: Shown) -> None:
    bound: dict[str, Shown] | None = getattr(widget, _BOUND, None)
    if bound is None:
        bound = {}
        setattr(widget, _BOUND, bound)
    if isinstance(text, str):
        bound.pop(setter, None)
    else:
        bound[setter] = text
    getattr(widget, setter)(str(text))


def set_text(widget: QLabel | QAbstractButton | QLineEdit, text: Shown) -> None:
    """Show `text` on a label or a button (it is shown again in the new language after a language change)."""
    _bind(widget, "setText", text)


def set_placeholder(widget: QLineEdit | QPlainTextEdit, text: Shown) -> None:
    _bind(widget, "setPlaceholderText", text)


def set_format(widget: QProgressBar, text: Shown) -> None:
    _bind(widget, "setFormat", text)


def set_accessible_name(widget: QWidget, text: Shown) -> None:
    _bind(widget, "setAccessibleName", text)


def set_window_title(widget: QWidget, text: Shown) -> None:
    _bind(widget, "setWindowTitle", text)


def list_item(text: Shown) -> QListWidgetItem:
    """A list row showing `text` (shown again in the new language after a language change)."""
    item = QListWidgetItem(str(text))
    item.setData(TEXT_ROLE, text)
    return item


def bound_texts(widget: QWidget) -> dict[str, Shown]:
    """The texts `widget` shows through the functions above, by the setter that shows each."""
    return dict(getattr(widget, _BOUND, None) or {})


def retranslate(root: QWidget) -> None:
    """Show every text under `root` again in the current language (and let painted widgets paint theirs again)."""
    for widget in (root, *root.findChildren(QWidget)):
        for setter, text in bound_texts(widget).items():
            getattr(widget, setter)(str(text))
        if isinstance(widget, QListWidget):
            for index in range(widget.count()):
                item = widget.item(index)
                text = item.data(TEXT_ROLE)
                if isinstance(text, Text | Later):
                    item.setText(str(text))
        hook = getattr(widget, "retranslated", None)
        if callable(hook):
            hook()
        widget.update()


# --- switching ---------------------------------------------------------------------------------------------------


class Translations:
    """Installs the catalogue and the locale of the language in use into the running Qt application."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or translations_dir()
        self.current = Language.ENGLISH
        self._translator: QTranslator | None = None

    def use(self, language: Language) -> None:
        """Speak `language` from now on: its catalogue for texts, its locale for times and dates.

        Raises:
            EnvironmentProblem: the language's catalogue is missing or unreadable (the language in use stays).
        """
        app = QCoreApplication.instance()
        if app is None:
            raise EnvironmentProblem("there is no Qt application to translate")
        translator: QTranslator | None = None
        catalogue = language.facts.catalogue
        if catalogue is not None:
            translator = QTranslator(app)
            path = self.folder / catalogue
            if not translator.load(str(path)):
                raise EnvironmentProblem(f"the {language.native_name} catalogue {path} is missing or damaged")
        if self._translator is not None:
            app.removeTranslator(self._translator)
            self._translator.deleteLater()
        self._translator = translator
        if translator is not None:
            app.installTranslator(translator)
        QLocale.setDefault(language.locale)
        self.current = language
        log.info("language: %s", language.value)

    def close(self) -> None:
        """Take the catalogue out of the application (which outlives the kiosk in tests and tools)."""
        app = QCoreApplication.instance()
        if self._translator is not None and app is not None:
            app.removeTranslator(self._translator)
        self._translator = None
        self.current = Language.ENGLISH
        QLocale.setDefault(Language.ENGLISH.locale)
