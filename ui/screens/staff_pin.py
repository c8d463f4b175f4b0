"""The staff screen's PIN page: a keypad, dots instead of digits, and the lockout message."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from kiosk.staff import PinCheck
from kiosk.text import Text
from ui import physical
from ui.theme import Theme
from ui.widgets import Keypad, big_button, label

PIN_PROMPT = Text("请输入管理密码", "Enter the staff PIN")
NO_PIN_YET = Text(
    "尚未设置管理密码。请维护人员运行 kiosk staff set-pin。",
    "No staff PIN yet. A maintainer sets it with: kiosk staff set-pin",
)
PIN_LOCKED = Text(
    "密码错误次数过多,已锁定,请 {m} 分钟后再试。",
    "Too many wrong PINs: locked, try again in {m} min.",
)
PIN_WRONG = Text("密码不对,还可以试 {n} 次。", "Wrong PIN; {n} tries left.")


class StaffPinPage(QWidget):
    """Emits `pin_entered(str)` with the digits typed; the keypad is cleared at once."""

    pin_entered = Signal(str)

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("staffPinPage")
        row = QHBoxLayout(self)
        physical.spacing(row, theme, 10)
        column = QVBoxLayout()
        self.prompt = label("", "title", name="pinPrompt")
        self.dots = label("", "huge", wrap=False, name="pinDots")
        self.message = label("", "problem", name="pinMessage")
        self.ok_button = big_button("", "pin_ok", role="primary")
        column.addWidget(self.prompt)
        column.addWidget(self.dots)
        column.addWidget(self.message)
        column.addStretch(1)
        column.addWidget(self.ok_button)
        self.keypad = Keypad(max_digits=8, theme=theme)
        self.keypad.setObjectName("pinKeypad")
        # The PIN is shown as dots only and never spoken.
        self.keypad.changed.connect(lambda digits: self.dots.setText("●" * len(digits)))
        self.ok_button.clicked.connect(self._submit)
        row.addLayout(column, 1)
        row.addWidget(self.keypad, 1)

    def _submit(self) -> None:
        pin = self.keypad.digits
        self.keypad.clear()
        self.pin_entered.emit(pin)

    def ask(self, pin_set: bool, language: str) -> None:
        self.keypad.clear()
        self.keypad.retranslate(language)
        self.message.clear()
        self.prompt.setText((PIN_PROMPT if pin_set else NO_PIN_YET)(language))
        self.ok_button.setEnabled(pin_set)
        self.ok_button.setText(Text("确定", "OK")(language))

    def show_result(self, check: PinCheck, language: str) -> None:
        if check.locked:
            text = PIN_LOCKED.format(m=max(1, round(check.locked_for_s / 60)))
        else:
            text = PIN_WRONG.format(n=check.attempts_left)
        self.message.setText(text(language))
