"""Reusable widgets: big buttons, the numeric keypad, the QR code."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QWidget,
)

from kiosk.qr_code import qr_matrix
from ui import physical
from ui.theme import Theme

ICON_SPACING_PX = 4  # QCommonStyle's gap between a button's icon and its text


def wrap_text(text: str, font: QFont, width: float) -> str:
    """`text` broken into lines no wider than `width` where the script allows a break
    (between CJK characters, at spaces), explicit line breaks kept."""
    lines: list[str] = []
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    for paragraph in text.split("\n"):
        layout = QTextLayout(paragraph, font)
        layout.setTextOption(option)
        layout.beginLayout()
        while (line := layout.createLine()).isValid():
            line.setLineWidth(max(width, 1.0))
            lines.append(paragraph[line.textStart() : line.textStart() + line.textLength()].strip())
        layout.endLayout()
        if not paragraph:
            lines.append("")
    return "\n".join(lines)


_NARROWEST: dict[tuple[str, str], str] = {}  # (caption, QFont.key()) -> its narrowest wrap


def narrowest_wrap(text: str, font: QFont) -> str:
    """`text` broken at every place it may break: its widest line is the narrowest a
    button can be. The same captions come back on every screen shown: kept by caption and
    font (the GUI thread's alone; emptied when it gets long, as a language changes)."""
    key = (text, font.key())
    if (found := _NARROWEST.get(key)) is None:
        if len(_NARROWEST) >= 512:
            _NARROWEST.clear()
        found = _NARROWEST[key] = wrap_text(text, font, 1.0)
    return found


class WrapButton(QPushButton):
    """A push button whose text wraps to its width instead of being cut or widening the
    screen (a long service name on a narrow portrait screen). `text()` stays the whole
    caption (the accessible name); `displayed_text()` is what is drawn."""

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        # Not Fixed: a fixed height would be the one-line height, whatever the wrapping.
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        # Layouts ask heightForWidth hundreds of times a screen: each answer is kept until
        # the caption, icon, font or style changes.
        self._heights: dict[int, int] = {}
        self._wrapped: dict[int, str] = {}  # the caption as drawn at a width
        self._hints: dict[str, QSize] = {}  # natural and minimum size
        # (A style property that changes padding later must come with a StyleChange,
        # e.g. setStyleSheet: a re-polish alone would leave these answers stale.)

    def _option(self, width: int) -> QStyleOptionButton:
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.rect = QRect(0, 0, width, max(self.height(), 1))
        return option

    def _text_width(self, width: int) -> int:
        room = self.style().subElementRect(
            QStyle.SubElement.SE_PushButtonContents, self._option(width), self
        )
        if not self.icon().isNull():
            return room.width() - self.iconSize().width() - ICON_SPACING_PX
        return room.width()

    def displayed_text(self, width: int | None = None) -> str:
        width = self.width() if width is None else width
        if width >= self._natural().width():
            return self.text()  # as wide as its one-line size: nothing to wrap
        if (shown := self._wrapped.get(width)) is None:
            if len(self._wrapped) > 32:
                self._wrapped.clear()
            text, room = self.text(), self._text_width(width)
            fits = all(
                self.fontMetrics().horizontalAdvance(line) <= room for line in text.split("\n")
            )
            shown = self._wrapped[width] = text if fits else wrap_text(text, self.font(), room)
        return shown

    def _size_for(self, text: str) -> QSize:
        # As QPushButton.sizeHint, for the given (wrapped) text.
        content = self.fontMetrics().size(Qt.TextFlag.TextShowMnemonic, text)
        if not self.icon().isNull():
            icon = self.iconSize()
            content = QSize(
                content.width() + icon.width() + ICON_SPACING_PX,
                max(content.height(), icon.height()),
            )
        return self.style().sizeFromContents(
            QStyle.ContentsType.CT_PushButton, self._option(self.width()), content, self
        )

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt name)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt name)
        if width >= self._natural().width():
            return max(self._natural().height(), self.minimumHeight())
        if (height := self._heights.get(width)) is None:
            if len(self._heights) > 32:
                self._heights.clear()
            height = self._heights[width] = self._size_for(self.displayed_text(width)).height()
        # The minimum is applied outside the caches: a new DPI changes it with no event.
        return max(height, self.minimumHeight())

    def _forget_sizes(self) -> None:
        self._heights.clear()
        self._wrapped.clear()
        self._hints.clear()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt name)
        if text == self.text():
            return  # as Qt does; the nav bar's captions are set again on every screen
        self._forget_sizes()
        super().setText(text)

    def setIcon(self, icon) -> None:  # noqa: N802 (Qt name)
        self._forget_sizes()
        super().setIcon(icon)

    def setIconSize(self, size: QSize) -> None:  # noqa: N802 (Qt name)
        if size == self.iconSize():
            return
        self._forget_sizes()
        super().setIconSize(size)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._forget_sizes()  # the style sheet's padding and font are in the answer
        super().changeEvent(event)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        # As narrow as the widest unbreakable piece (a CJK character, a Latin word).
        # Its height at a given width is heightForWidth's business (layouts ask it).
        if (hint := self._hints.get("minimum")) is None:
            narrowest = self._size_for(narrowest_wrap(self.text(), self.font()))
            hint = self._hints["minimum"] = QSize(narrowest.width(), self._natural().height())
        return hint.expandedTo(self.minimumSize())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return self._natural().expandedTo(self.minimumSize())

    def _natural(self) -> QSize:
        if (hint := self._hints.get("natural")) is None:
            hint = self._hints["natural"] = self._size_for(self.text())
        return hint

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        shown = self.displayed_text()
        if shown == self.text():
            super().paintEvent(event)  # one line as given: Qt paints it, as any button
            return
        option = self._option(self.width())
        option.rect = self.rect()
        option.text = shown
        QStylePainter(self).drawControl(QStyle.ControlElement.CE_PushButton, option)


def big_button(text: str, name: str, role: str = "secondary", wraps: bool = True) -> QPushButton:
    """`wraps=False` for a caption that can never need a second line (a keypad digit): a
    plain QPushButton, which Qt sizes and paints with no Python in between."""
    if wraps:
        button = WrapButton(text)
    else:
        button = QPushButton(text)
        # Grows with its row as a WrapButton does (a QPushButton's height is fixed).
        button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    button.setObjectName(name)
    button.setProperty("role", role)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


def label(text: str = "", style: str = "body", wrap: bool = True, name: str = "") -> QLabel:
    """A label; `style` (body, title, huge, muted, staff, problem, success, banner) picks
    the theme's text style, `name` is the objectName tests and screenshots find it by.
    Only staff-facing detail uses "staff" (smaller than the elder minimum)."""
    widget = QLabel(text)
    _style_label(widget, style, wrap, name)
    return widget


def _style_label(widget: QLabel, style: str, wrap: bool, name: str) -> None:
    widget.setProperty("textStyle", style)
    if name:
        widget.setObjectName(name)
    widget.setWordWrap(wrap)
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)


class NoticeLabel(QLabel):
    """A label shown only while it has something to say: an empty line kept for a
    message that may come would take a line of a low screen from the keypad."""

    def __init__(self, style: str, name: str) -> None:
        super().__init__()
        _style_label(self, style, True, name)
        self.hide()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt name)
        super().setText(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        super().clear()
        self.hide()


class Keypad(QWidget):
    """A big on-screen numeric keypad: no physical keyboard is ever needed.

    Signals:
        changed: the digits entered so far.
    """

    changed = Signal(str)

    def __init__(self, max_digits: int, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._digits = ""
        self._max = max_digits
        grid = QGridLayout(self)
        physical.spacing(grid, theme)
        grid.setContentsMargins(0, 0, 0, 0)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "delete"]
        for position, key in enumerate(keys):
            if key == "clear":
                button = big_button("", "key_clear")
                button.clicked.connect(self.clear)
            elif key == "delete":
                button = big_button("", "key_delete")
                button.clicked.connect(self._delete)
            else:
                button = big_button(key, f"key_{key}", wraps=False)  # one digit
                button.clicked.connect(lambda _=False, d=key: self._press(d))
            grid.addWidget(button, position // 3, position % 3)
        for column in range(3):
            grid.setColumnStretch(column, 1)  # equal keys, whatever their captions

    @property
    def digits(self) -> str:
        return self._digits

    def retranslate(self, language: str) -> None:
        self.findChild(QPushButton, "key_clear").setText("清空" if language != "en" else "Clear")
        self.findChild(QPushButton, "key_delete").setText(
            "⌫ 删除" if language != "en" else "⌫ Delete"
        )

    def set_digits(self, digits: str) -> None:
        self._digits = digits[: self._max]
        self.changed.emit(self._digits)

    def clear(self) -> None:
        self._digits = ""
        self.changed.emit(self._digits)

    def _press(self, digit: str) -> None:
        if len(self._digits) < self._max:
            self._digits += digit
            self.changed.emit(self._digits)

    def _delete(self) -> None:
        self._digits = self._digits[:-1]
        self.changed.emit(self._digits)


def paint_qr(painter: QPainter, matrix: list[list[bool]], x: float, y: float, side: float) -> None:
    """Dark modules as squares on whatever the painter draws on (screen or printer)."""
    cell = side / len(matrix)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    for row, line in enumerate(matrix):
        for column, dark in enumerate(line):
            if dark:
                painter.drawRect(QRectF(x + column * cell, y + row * cell, cell + 0.5, cell + 0.5))


class QrCodeWidget(QWidget):
    """Paints a QR code from the `qrcode` package's module matrix (no image library)."""

    def __init__(self, side_px: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._matrix: list[list[bool]] = []
        self._side = side_px
        self.setFixedSize(QSize(side_px, side_px))

    def set_data(self, data: str) -> None:
        self._matrix = qr_matrix(data)
        self.update()

    def clear(self) -> None:
        self._matrix = []
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        if self._matrix:
            paint_qr(painter, self._matrix, 0, 0, self._side)
