"""Touch widgets shared by the screens: buttons, a PIN keypad, a bounded date-time picker, the camera view."""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QHideEvent,
    QImage,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui.language import Shown, clock, day, day_and_clock, set_accessible_name, set_text, translate
from kiosk.ui.theme import COLOURS

MESSAGE_SECONDS = 6
PLUS, MINUS = "+", "\u2212"
KEYPAD_WIDTH = 560


def button(text: Shown = "", tone: str | None = None, on_click: Callable[[], None] | None = None) -> QPushButton:
    """A large touch button; `tone` is go, stop, pause, accent or quiet (see kiosk.qss)."""
    widget = QPushButton()
    set_text(widget, text)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    if tone:
        widget.setProperty("tone", tone)
    if on_click is not None:
        widget.clicked.connect(on_click)
    return widget


def label(text: Shown = "", role: str | None = None, *, wrap: bool = True, centre: bool = False) -> QLabel:
    """A label; `role` is title, huge, muted or small (see kiosk.qss)."""
    widget = QLabel()
    set_text(widget, text)
    widget.setWordWrap(wrap)
    if role:
        widget.setProperty("role", role)
    if centre:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return widget


def restyle(widget: QWidget) -> None:
    """Apply the style sheet again after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


class ChoiceRow(QWidget):
    """A row of large buttons of which exactly one is chosen (touch-friendly instead of a drop-down list)."""

    def __init__(
        self, choices: list[tuple[Shown, object]], parent: QWidget | None = None, *, vertical: bool = False
    ) -> None:
        super().__init__(parent)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._values: dict[QPushButton, object] = {}
        layout: QHBoxLayout | QVBoxLayout = QVBoxLayout(self) if vertical else QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for text, value in choices:
            widget = button(text)
            widget.setCheckable(True)
            self._group.addButton(widget)
            self._values[widget] = value
            layout.addWidget(widget)

    @property
    def value(self) -> object:
        for widget, value in self._values.items():
            if widget.isChecked():
                return value
        return None

    def set_value(self, value: object) -> None:
        for widget, candidate in self._values.items():
            if candidate == value:
                widget.setChecked(True)

    def choose(self, value: object) -> None:
        """Tap the button of `value`."""
        for widget, candidate in self._values.items():
            if candidate == value:
                widget.click()


class LevelIcon(QWidget):
    """A painted sign for a message's level: a warning triangle, a tick or an "i" (no font needs the glyphs)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level = ""
        self.setFixedSize(40, 40)

    def set_level(self, level: str, size: int) -> None:
        self.level = level
        self.setFixedSize(size, size)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        if not self.level:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height())
        white = QColor(COLOURS["text"])
        pen = QPen(white, max(3.0, side / 10), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        inset = side * 0.1
        if self.level == "problem":
            triangle = QPolygonF(
                [QPointF(side / 2, inset), QPointF(side - inset, side - inset), QPointF(inset, side - inset)]
            )
            painter.drawPolygon(triangle)
            painter.drawLine(QPointF(side / 2, side * 0.4), QPointF(side / 2, side * 0.66))
            painter.drawPoint(QPointF(side / 2, side * 0.78))
        elif self.level == "success":
            painter.drawPolyline(
                QPolygonF(
                    [
                        QPointF(side * 0.2, side * 0.52),
                        QPointF(side * 0.42, side * 0.74),
                        QPointF(side * 0.8, side * 0.28),
                    ]
                )
            )
        else:
            painter.drawEllipse(QRectF(inset, inset, side - 2 * inset, side - 2 * inset))
            painter.drawPoint(QPointF(side / 2, side * 0.32))
            painter.drawLine(QPointF(side / 2, side * 0.46), QPointF(side / 2, side * 0.7))
        painter.end()


class MessageLine(QFrame):
    """A sign and a sentence on the colour of its level (information, success, problem); empty, it shows nothing.

    Its height never changes: the place is kept while it is empty, so the screen around it does not move.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "message")
        self.icon = LevelIcon()
        self._text = label()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 4, 16, 4)
        layout.setSpacing(16)
        layout.addStretch(1)
        layout.addWidget(self.icon)
        layout.addWidget(self._text)
        layout.addStretch(1)
        self.level = ""
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)

    @property
    def text(self) -> str:
        return self._text.text()

    def show_message(self, text: Shown, level: str) -> None:
        """Show `text` with the look of `level` (a `kiosk.ui.messages.Level` value)."""
        self.level = level
        set_text(self._text, text)
        self.setProperty("level", level)
        restyle(self)
        restyle(self._text)
        self.icon.set_level(level, max(28, self._text.fontMetrics().height()))
        self.icon.setVisible(bool(level))
        self._fit_text()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_text()

    def retranslated(self) -> None:
        """The text changed language, and with it its length."""
        self._fit_text()

    def _fit_text(self) -> None:
        """A wrapping label asks for little width; give it its one-line width, up to what the line has room for."""
        margins = self.contentsMargins()
        room = self.width() - margins.left() - margins.right() - self.icon.width() - 64
        wanted = self._text.fontMetrics().horizontalAdvance(self._text.text()) + 8
        self._text.setMinimumWidth(max(0, min(wanted, room)))

    def clear(self) -> None:
        self.level = ""
        set_text(self._text, "")
        self.setProperty("level", "")
        restyle(self)
        restyle(self._text)
        self.icon.hide()


class MessageBar(MessageLine):
    """The strip at the bottom of the window: one message at a time, for a few seconds, in a place kept for it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear)
        self.clear()

    def show_message(self, text: Shown, level: str) -> None:
        super().show_message(text, level)
        self._timer.start(MESSAGE_SECONDS * 1000)


class Keypad(QWidget):
    """A numeric keypad with a masked display; `entered` carries the digits when OK is pressed."""

    entered = Signal(str)

    def __init__(self, max_digits: int = 12, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._max = max_digits
        self._digits = ""
        self.display = label("", "title", centre=True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.display)
        grid = QGridLayout()
        grid.setSpacing(12)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "Clear", "0", "OK"]
        names = {"Clear": translate("Keypad", "Clear"), "OK": translate("Keypad", "OK")}
        self.buttons: dict[str, QPushButton] = {}
        for index, key in enumerate(keys):
            tone = "go" if key == "OK" else ("quiet" if key == "Clear" else None)
            widget = button(names.get(key, key), tone)
            widget.clicked.connect(lambda _=False, key=key: self.press(key))
            grid.addWidget(widget, index // 3, index % 3)
            self.buttons[key] = widget
        for column in range(3):
            grid.setColumnStretch(column, 1)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.setMinimumWidth(KEYPAD_WIDTH)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._show()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """A physical keyboard works too: digits (main row or number pad), Backspace, Delete, Enter."""
        key, typed = event.key(), event.text()
        if len(typed) == 1 and typed in "0123456789":
            self._tap(typed)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._tap("OK")
        elif key == Qt.Key.Key_Backspace:
            self._digits = self._digits[:-1]
            self._show()
        elif key == Qt.Key.Key_Delete:
            self._tap("Clear")
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _tap(self, key: str) -> None:
        """A key typed on a keyboard counts only while its button could be tapped (not while a PIN is checked)."""
        if self.buttons[key].isEnabled():
            self.press(key)

    def press(self, key: str) -> None:
        if key == "Clear":
            self._digits = ""
        elif key == "OK":
            digits, self._digits = self._digits, ""
            self._show()
            self.entered.emit(digits)
            return
        elif key.isdigit() and len(self._digits) < self._max:
            self._digits += key
        self._show()

    def type_digits(self, digits: str) -> None:
        """Press each digit key of `digits` (a physical keyboard does the same)."""
        for digit in digits:
            self.press(digit)

    def clear(self) -> None:
        self._digits = ""
        self._show()

    def set_enabled_keys(self, enabled: bool) -> None:
        for widget in self.buttons.values():
            widget.setEnabled(enabled)

    def _show(self) -> None:
        self.display.setText(" ".join("\u25cf" for _ in self._digits) or "\u2013")


class OnScreenKeyboard(QWidget):
    """Letters, digits and a little punctuation as touch keys, typing into one text field at a time.

    The keys never take the focus, so a physical keyboard keeps typing into the same field. Shift changes the case of
    the next letter only; with `sentence_case` the first letter of the text and of each sentence comes out capital by
    itself (Shift there gives a small letter).
    """

    ROWS = ("1234567890", "qwertyuiop", "asdfghjkl'", "zxcvbnm,.-")
    SHIFT, SPACE, BACKSPACE, CLEAR = "Shift", "Space", "\u232b", "Clear"

    def __init__(self, parent: QWidget | None = None, *, sentence_case: bool = False) -> None:
        super().__init__(parent)
        self.sentence_case = sentence_case
        self._target: QLineEdit | None = None
        self._shift: bool | None = None  # the case Shift chose for the next letter; None: the automatic one
        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        for row, characters in enumerate(self.ROWS):
            for column, character in enumerate(characters):
                self._add(grid, character, (row, column, 1))
        last = len(self.ROWS)
        self._add(grid, self.SHIFT, (last, 0, 2), "quiet")
        self._add(grid, self.SPACE, (last, 2, 3))
        self._add(grid, "_", (last, 5, 1))  # codes (employee numbers) take letters, digits, - _ and .
        self._add(grid, self.BACKSPACE, (last, 6, 2), "quiet")
        self._add(grid, self.CLEAR, (last, 8, 2), "quiet")
        set_text(self.keys[self.SHIFT], translate("OnScreenKeyboard", "Shift"))
        set_text(self.keys[self.SPACE], translate("OnScreenKeyboard", "Space"))
        set_text(self.keys[self.CLEAR], translate("OnScreenKeyboard", "Clear"))
        self.keys[self.SHIFT].setCheckable(True)
        set_accessible_name(self.keys[self.BACKSPACE], translate("OnScreenKeyboard", "Delete the last character"))
        for column in range(10):
            grid.setColumnStretch(column, 1)
        self._show_case()

    def _add(self, grid: QGridLayout, key: str, place: tuple[int, int, int], tone: str | None = None) -> None:
        row, column, span = place
        widget = button(key, tone)
        # The keys share the keyboard's width; their text is a character or a short word, never wider than a key.
        widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        widget.clicked.connect(lambda _=False, key=key: self.press(key))
        grid.addWidget(widget, row, column, 1, span)
        self.keys[key] = widget

    def attach(self, target: QLineEdit) -> None:
        """Type into `target` from now on."""
        self._target = target
        self._show_case()

    def press(self, key: str) -> None:
        """Tap `key` (a character of `ROWS`, "_", or Shift, Space, the delete key, Clear)."""
        target = self._target
        if target is None:
            return
        if key == self.SHIFT:
            self._shift = not self._capital()
        elif key == self.BACKSPACE:
            target.backspace()
            self._shift = None
        elif key == self.CLEAR:
            target.clear()
            self._shift = None
        else:
            text = " " if key == self.SPACE else key
            target.insert(text.upper() if self._capital() else text)
            self._shift = None
        self._show_case()

    def type_text(self, text: str) -> None:
        """Tap the keys of `text`, with Shift before each capital (as a person would)."""
        for character in text:
            if character == " ":
                self.press(self.SPACE)
                continue
            if character.isalpha() and character.isupper() != self._capital():
                self.press(self.SHIFT)
            self.press(character.lower())

    def _capital(self) -> bool:
        if self._shift is not None:
            return self._shift
        if not self.sentence_case or self._target is None:
            return False
        before = self._target.text()[: self._target.cursorPosition()].rstrip(" ")
        return before == "" or before.endswith((".", "!", "?"))

    def _show_case(self) -> None:
        capital = self._capital()
        for row in self.ROWS:
            for character in row:
                self.keys[character].setText(character.upper() if capital else character)
        self.keys[self.SHIFT].setChecked(capital)


class DateTimePicker(QWidget):
    """Picks a moment between two bounds with large step buttons, in the site's time zone.

    Steps are a day, an hour, five minutes and a minute either way; a step that would leave the bounds stops at the
    bound, and buttons that cannot move are disabled.
    """

    changed = Signal()

    STEPS = (
        (translate("DateTimePicker", "day"), timedelta(days=1)),
        (translate("DateTimePicker", "hour"), timedelta(hours=1)),
        (translate("DateTimePicker", "5 min"), timedelta(minutes=5)),
    )
    FINE = (translate("DateTimePicker", "1 min"), timedelta(minutes=1))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._zone = ZoneInfo("UTC")
        self._low = self._high = self._value = datetime(2000, 1, 1, tzinfo=self._zone)
        self.date_text = label("", "title", centre=True)
        self.time_text = label("", "huge", centre=True)
        self.range_text = label("", "small", centre=True)
        self.date_text.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.time_text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        shown = QHBoxLayout()
        shown.addWidget(self.date_text, 1)
        shown.addSpacing(24)
        shown.addWidget(self.time_text, 1)
        layout.addLayout(shown)
        grid = QGridLayout()
        self._buttons: list[tuple[QPushButton, timedelta]] = []
        for column, (name, step) in enumerate((*self.STEPS, self.FINE)):
            for row, sign in enumerate((1, -1)):
                widget = button(
                    translate("DateTimePicker", "{sign} {step}").format(sign=PLUS if sign > 0 else MINUS, step=name)
                )
                delta = step * sign
                widget.clicked.connect(lambda _=False, delta=delta: self.step(delta))
                grid.addWidget(widget, row, column)
                self._buttons.append((widget, delta))
        layout.addLayout(grid)
        layout.addWidget(self.range_text)

    def set_range(self, low: datetime, high: datetime, zone: ZoneInfo, value: datetime | None = None) -> None:
        """Limit the picker to [low, high] (aware times) shown in `zone`; start at `value` or at `high`."""
        self._zone = zone
        self._low, self._high = low, max(low, high)
        self._value = self._clamp(value if value is not None else self._high)
        set_text(
            self.range_text,
            translate("DateTimePicker", "Between {earliest} and {latest}").format(
                earliest=day_and_clock(self._low, self._zone), latest=day_and_clock(self._high, self._zone)
            ),
        )
        self._show()

    @property
    def value(self) -> datetime:
        return self._value

    def set_value(self, value: datetime) -> None:
        self._value = self._clamp(value)
        self._show()

    def step(self, delta: timedelta) -> None:
        self._value = self._clamp(self._value + delta)
        self._show()

    def _clamp(self, value: datetime) -> datetime:
        return min(max(value, self._low), self._high)

    def _show(self) -> None:
        set_text(self.date_text, day(self._value, self._zone))
        set_text(self.time_text, clock(self._value, self._zone))
        for widget, delta in self._buttons:
            widget.setEnabled(self._clamp(self._value + delta) != self._value)
        self.changed.emit()


class Cue(enum.Enum):
    """What the camera view draws beside the face guide for the liveness step being asked."""

    TURN_LEFT = "turn_left"  # an arrow to the person's left: the screen's left, since the preview is a mirror
    TURN_RIGHT = "turn_right"
    LOOK_UP = "look_up"
    BLINK = "blink"  # a closed eye
    SMILE = "smile"  # a smiling mouth


SPINNER_MS = 40


class CameraView(QWidget):
    """The live preview, mirrored like a mirror, with an oval face guide and a line of text over it.

    While a liveness step is asked it shows a cue for it (an arrow, a closed eye or a smile) and a ring counting down
    the step's seconds; while the face is matched, a turning arc.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._box: tuple[int, int, int, int] | None = None
        self._caption: Shown = ""
        self._guide_colour = QColor(COLOURS["text"])
        self.frames_painted = 0
        self.cue: Cue | None = None
        self.seconds_left: float | None = None
        self.step_seconds = 6.0
        self._spin = QTimer(self)
        self._spin.setInterval(SPINNER_MS)
        self._spin.timeout.connect(self._turn)
        self.spinner_angle = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)

    def set_cue(self, cue: Cue | None, seconds_left: float | None = None, step_seconds: float = 6.0) -> None:
        """Show `cue` with `seconds_left` of `step_seconds` on the countdown ring (None: no cue)."""
        self.cue, self.seconds_left, self.step_seconds = cue, seconds_left, step_seconds
        self.update()

    @property
    def countdown(self) -> int | None:
        """The whole seconds the ring shows (rounded up, as a countdown is read)."""
        return None if self.seconds_left is None else math.ceil(self.seconds_left)

    def set_matching(self, matching: bool) -> None:
        """A turning arc around the face guide while the face is matched."""
        if matching and not self._spin.isActive():
            self._spin.start()
        elif not matching and self._spin.isActive():
            self._spin.stop()
        self.update()

    @property
    def matching(self) -> bool:
        return self._spin.isActive()

    def _turn(self) -> None:
        self.spinner_angle = (self.spinner_angle + 12) % 360
        self.update()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        self.set_matching(False)
        self.set_cue(None)
        super().hideEvent(event)

    def set_frame(self, image: QImage, box: tuple[int, int, int, int] | None) -> None:
        """Show `image` (already mirrored) and, when given, the face box (x, y, w, h in the image's pixels)."""
        self._image = image
        self._box = box
        self.update()

    def clear(self) -> None:
        self._image = None
        self._box = None
        self.update()

    def set_caption(self, text: Shown, colour: str = "text") -> None:
        self._caption = text
        self._guide_colour = QColor(COLOURS[colour])
        self.update()

    @property
    def caption(self) -> str:
        return str(self._caption)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(COLOURS["panel"]))
        target = QRectF(self.rect())
        if self._image is not None and not self._image.isNull():
            scale = min(self.width() / self._image.width(), self.height() / self._image.height())
            width, height = self._image.width() * scale, self._image.height() * scale
            target = QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)
            painter.drawImage(target, self._image)
            if self._box is not None:
                x, y, w, h = self._box
                painter.setPen(QPen(QColor(COLOURS["go"]), 4))
                painter.drawRect(QRectF(target.x() + x * scale, target.y() + y * scale, w * scale, h * scale))
            self.frames_painted += 1
        guide_h = target.height() * 0.62
        guide = QRectF(0, 0, guide_h * 0.75, guide_h)
        guide.moveCenter(target.center())
        pen = QPen(self._guide_colour, 5, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(guide)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.cue is not None:
            self._paint_cue(painter, guide)
        if self.seconds_left is not None:
            self._paint_countdown(painter)
        if self._spin.isActive():
            arc = QPen(QColor(COLOURS["accent"]), 10, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
            painter.setPen(arc)
            painter.drawArc(guide.adjusted(-14, -14, 14, 14), -self.spinner_angle * 16, 100 * 16)
        caption = str(self._caption)
        if caption:
            font = painter.font()
            font.setPixelSize(max(22, self.height() // 14))
            font.setBold(True)
            painter.setFont(font)
            band = QRectF(0, self.height() - self.height() // 6, self.width(), self.height() // 6)
            painter.fillRect(band, QColor(0, 0, 0, 170))
            painter.setPen(QColor(COLOURS["text"]))
            painter.drawText(band, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, caption)
        painter.end()

    def _paint_cue(self, painter: QPainter, guide: QRectF) -> None:
        """The step's sign beside the face guide, white on a dark disc, large enough to see from a metre."""
        size = max(48.0, min(guide.width(), guide.height()) * 0.42)
        centre = guide.center()
        if self.cue is Cue.TURN_LEFT:
            centre = QPointF(guide.left() - size * 0.75, centre.y())
        elif self.cue is Cue.TURN_RIGHT:
            centre = QPointF(guide.right() + size * 0.75, centre.y())
        else:
            centre = QPointF(centre.x(), guide.top() - size * 0.1)
        disc = QRectF(0, 0, size * 1.3, size * 1.3)
        disc.moveCenter(centre)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 190))
        painter.drawEllipse(disc)
        white = QColor(COLOURS["text"])
        half = size / 2
        x, y = centre.x(), centre.y()
        if self.cue in (Cue.TURN_LEFT, Cue.TURN_RIGHT, Cue.LOOK_UP):
            arrow = [(-half, 0.0), (0.0, -half), (0.0, -half * 0.4), (half, -half * 0.4)]
            arrow += [(half, half * 0.4), (0.0, half * 0.4), (0.0, half)]
            if self.cue is Cue.TURN_RIGHT:
                arrow = [(-ax, ay) for ax, ay in arrow]
            elif self.cue is Cue.LOOK_UP:
                arrow = [(ay, ax) for ax, ay in arrow]
            painter.setBrush(white)
            painter.drawPolygon(QPolygonF([QPointF(x + ax, y + ay) for ax, ay in arrow]))
            return
        pen = QPen(white, max(5.0, size / 10), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.cue is Cue.BLINK:
            # A closed eye: the lid's downward curve, with lashes pointing out of it.
            radius_x, radius_y = half, half * 0.55
            lid_centre = QPointF(x, y - half * 0.45)
            lid = QRectF(lid_centre.x() - radius_x, lid_centre.y() - radius_y, 2 * radius_x, 2 * radius_y)
            painter.drawArc(lid, 195 * 16, 150 * 16)
            for degrees in (225.0, 250.0, 270.0, 290.0, 315.0):
                angle = math.radians(degrees)
                dx, dy = math.cos(angle), -math.sin(angle)
                root = QPointF(lid_centre.x() + radius_x * dx, lid_centre.y() + radius_y * dy)
                painter.drawLine(root, QPointF(root.x() + dx * half * 0.35, root.y() + dy * half * 0.35))
        else:
            # A smiling face: the outline, two eyes, the smile.
            painter.drawEllipse(QRectF(x - half, y - half, size, size))
            painter.drawPoint(QPointF(x - half * 0.35, y - half * 0.25))
            painter.drawPoint(QPointF(x + half * 0.35, y - half * 0.25))
            painter.drawArc(QRectF(x - half * 0.55, y - half * 0.45, size * 0.55, size * 0.6), 200 * 16, 140 * 16)

    def _paint_countdown(self, painter: QPainter) -> None:
        """A ring in the top right corner: the step's remaining share of its time, and the seconds in figures."""
        left, total = self.seconds_left or 0.0, max(self.step_seconds, 0.1)
        size = max(72.0, self.height() / 6)
        ring = QRectF(self.width() - size - 24, 24, size, size)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 190))
        painter.drawEllipse(ring)
        colour = QColor(COLOURS["pause"] if left <= 2 else COLOURS["go"])
        painter.setPen(QPen(colour, max(6.0, size / 10), Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        inner = ring.adjusted(size / 10, size / 10, -size / 10, -size / 10)
        painter.drawArc(inner, 90 * 16, round(360 * 16 * min(1.0, left / total)))
        font = painter.font()
        font.setPixelSize(round(size * 0.4))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor(COLOURS["text"]))
        painter.drawText(ring, Qt.AlignmentFlag.AlignCenter, str(self.countdown))
