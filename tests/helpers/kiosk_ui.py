"""Driving the real kiosk window like a villager or a staff member: taps, not calls."""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from drivers.identity import Identity
from drivers.pcsc.service import CardIdentified
from kiosk.config import KioskConfig
from kiosk.core import KioskCore
from kiosk.voice import RecordingVoice
from tests.helpers.enrolment import enrolled
from ui.main_window import KioskWindow

STAFF_PIN = "246810"
REFERENCE_SIZE = (1920, 1080)  # 21.5" at 102 DPI, the theme's reference screen


def make_window(qtbot, data_dir, voice=None, pin: str | None = STAFF_PIN, **overrides):
    """A real core (store in `data_dir`, card service not started) and its window."""
    core = KioskCore(KioskConfig.load(data_dir, **enrolled(data_dir, **overrides)))
    if pin and not core.pin.is_set:
        core.pin.set_pin(pin)
    window = KioskWindow(core, voice=voice or RecordingVoice())
    qtbot.addWidget(window)
    window.resize(*REFERENCE_SIZE)
    window.show()
    return core, window


def insert_card_event(core: KioskCore, identity: Identity) -> None:
    """The device thread's event for a read card (the card path itself is tested on real
    pcscd in tests/e2e)."""
    now = time.monotonic()
    core.present_card(CardIdentified("Virtual PCD 00 00", identity, now, now, 9))


def shown_button(window: QWidget, name: str) -> QPushButton | None:
    """The button called `name` that is on screen (hidden pages have their own keypads)."""
    for found in window.findChildren(QPushButton, name):
        if found.isVisible():
            return found
    return None


def tap(qtbot, window: QWidget, name: str) -> None:
    # A freshly rendered screen shows its widgets on the next event-loop turn.
    def ready() -> bool:
        target = shown_button(window, name)
        return target is not None and target.isEnabled()

    qtbot.waitUntil(ready, timeout=3000)
    qtbot.mouseClick(shown_button(window, name), Qt.MouseButton.LeftButton)


def text_of(window: QWidget, name: str) -> str:
    return window.findChild(QLabel, name).text()


def visible_text(window: QWidget) -> str:
    parts = []
    for widget in window.findChildren(QLabel) + window.findChildren(QPushButton):
        if widget.isVisible():
            parts.append(widget.text())
    return "\n".join(parts)


def all_widget_text(window: QWidget) -> str:
    """Text of every label and button in the tree, shown or not."""
    return "\n".join(
        w.text() for w in window.findChildren(QLabel) + window.findChildren(QPushButton)
    )


def tap_corner(qtbot, window: KioskWindow, times: int) -> None:
    for _ in range(times):
        qtbot.mouseClick(window.attract, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))


def enter_pin(qtbot, window: KioskWindow, pin: str) -> None:
    for digit in pin:
        qtbot.mouseClick(
            window.staff.pin_page.keypad.findChild(QPushButton, f"key_{digit}"),
            Qt.MouseButton.LeftButton,
        )
    tap(qtbot, window, "pin_ok")


def open_staff(qtbot, window: KioskWindow, pin: str = STAFF_PIN) -> None:
    tap_corner(qtbot, window, 5)
    assert window.stack.currentWidget() is window.staff
    enter_pin(qtbot, window, pin)
    qtbot.waitUntil(lambda: window.staff.unlocked, timeout=3000)


def choose_service(qtbot, window: KioskWindow, service_id: str) -> None:
    """Tap the service on the home screen, turning menu pages as a villager would."""
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=5000)
    qtbot.waitUntil(
        lambda: any(
            b.isVisible() and b.objectName().startswith("service_")
            for b in window.home.findChildren(QPushButton)
        ),
        timeout=3000,
    )
    for _ in range(5):
        if shown_button(window.home, f"service_{service_id}") is not None:
            break
        page = window.home.page_label.text()
        tap(qtbot, window, "menu_next")
        qtbot.waitUntil(lambda page=page: window.home.page_label.text() != page, timeout=3000)
        qtbot.waitUntil(
            lambda: any(
                b.isVisible() and b.objectName().startswith("service_")
                for b in window.home.findChildren(QPushButton)
            ),
            timeout=3000,
        )
    tap(qtbot, window, f"service_{service_id}")
