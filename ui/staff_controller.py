"""The staff screen's controller: its signals to `core.staff` (the staff console), the
answers back to the screen, disk and network work on the background worker."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from kiosk import events
from kiosk.staff import PinCheck
from kiosk.verification import VerifierSummary
from ui.background import run_in_background

if TYPE_CHECKING:
    from ui.main_window import KioskWindow
    from ui.screens import StaffScreen

log = logging.getLogger(__name__)

MAX_ALERTS = 100


class StaffController(QObject):
    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.window = window
        self.console = window.core.staff
        self.alerts: list[str] = []
        self._catalog_outcome = ""
        self._last_sync: events.SyncFinished | None = None
        self._last_progress: events.SyncProgress | None = None
        self._attached = False
        window.attract.staff_requested.connect(self.open)

    @property
    def screen(self) -> StaffScreen:
        return self.window.staff  # built on first use

    def attach(self, screen: StaffScreen) -> None:
        """Connect the staff screen, built when first needed, and show what came before."""
        self._attached = True
        screen.closed.connect(self.close)
        screen.pin_entered.connect(self.check_pin)
        screen.sync_requested.connect(self.sync_now)
        screen.catalog_pull_requested.connect(self.pull_catalog)
        screen.service_toggled.connect(self.toggle_service)
        screen.service_moved.connect(self.move_service)
        screen.setting_changed.connect(self.change_setting)
        screen.verifier_section.refresh_requested.connect(self.refresh_status_list)
        screen.show_alerts(self.alerts)
        if self._last_progress is not None:
            screen.show_progress(self._last_progress.done, self._last_progress.total)
        if self._last_sync is not None:
            self.sync_finished(self._last_sync)

    def open(self) -> None:
        w = self.window
        if w.core.session is not None:
            return  # never over a villager's session
        w.speaker.stop()
        self.screen.retranslate(w.language)
        self.screen.ask_pin(self.console.pin_is_set)
        w.show_screen(self.screen, speak=False)

    def check_pin(self, pin: str) -> None:
        run_in_background(lambda: self.console.check_pin(pin), self.pin_checked, None, self)

    def pin_checked(self, check: PinCheck) -> None:
        if not check.ok:
            self.screen.show_pin_result(check)
            return
        self.screen.show_main()
        self.refresh()

    def close(self) -> None:
        if self.screen.unlocked:
            self.console.logout()
        self.window.show_attract()

    def refresh(self) -> None:
        screen, console = self.screen, self.console
        screen.show_reader(self.window.reader_detail)
        screen.show_alerts(self.alerts)
        services = console.services()
        screen.show_services(services.services, services.disabled)
        screen.show_catalog_status(console.catalog_summary() + " " + self._catalog_outcome)
        screen.show_settings(console.settings(), self.window.speaker.voice.status)
        run_in_background(console.audit_entries, screen.show_audit, None, self)
        self.refresh_counts()
        self.refresh_verifier()

    def refresh_counts(self) -> None:
        if not self.window.showing("staffScreen") or not self.screen.unlocked:
            return
        run_in_background(self.console.queue_counts, self.screen.show_counts, None, self)

    def refresh_verifier(self) -> None:
        def show(summary: VerifierSummary) -> None:
            self.screen.verifier_section.show_summary(summary, self.window.language)

        run_in_background(self.console.verifier_summary, show, None, self)

    def refresh_status_list(self) -> None:
        """The outcome shows as the list's last refresh."""
        run_in_background(self.console.refresh_status_list, lambda _: self.refresh(), None, self)

    def sync_now(self) -> None:
        self.console.sync_now()
        self.screen.show_progress(0, 1)

    def toggle_service(self, service_id: str, enabled: bool) -> None:
        self.console.set_service_enabled(service_id, enabled)
        self.refresh()

    def move_service(self, service_id: str, offset: int) -> None:
        self.console.move_service(service_id, offset)
        self.refresh()

    def change_setting(self, key: str, value: object) -> None:
        self.console.change_setting(key, value)
        w = self.window
        if key in ("text_size", "high_contrast"):
            w.apply_theme(w.theme.with_(**{key: value}))
        elif key == "language":
            w.set_language(str(value))
            self.screen.retranslate(w.language)
        self.refresh()

    def pull_catalog(self) -> None:
        def done(outcome: str) -> None:
            self._catalog_outcome = outcome
            self.refresh()

        run_in_background(self.console.pull_catalog, done, None, self)

    # -- core events for staff ------------------------------------------------------------

    def alert(self, event: events.StaffAlert) -> None:
        stamp = time.strftime("%H:%M")
        self.alerts.append(f"{stamp} {event.message(self.window.language)} ({event.detail})")
        del self.alerts[:-MAX_ALERTS]  # a kiosk runs for months; the screen shows the last 3
        if self._attached:  # otherwise the screen shows them when it is built
            self.screen.show_alerts(self.alerts)

    def sync_finished(self, event: events.SyncFinished) -> None:
        self._last_sync = event
        if self._attached:
            self.screen.show_sync_result(event.sent, event.failed, event.quarantined)
            self.refresh_counts()

    def sync_progress(self, event: events.SyncProgress) -> None:
        self._last_progress = event
        if self._attached:
            self.screen.show_progress(event.done, event.total)
            self.refresh_counts()
