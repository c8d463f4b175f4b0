"""What staff can do at the kiosk, as named operations: the staff screen calls these and
nothing else of the core (no reaching into the settings, the audit log or the queue).

Every operation is audited where it changes something. Calls that touch the disk or the
network (`check_pin`, `queue_counts`, `pull_catalog`) belong on the background worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import requests

from kiosk.catalog import CatalogError, ServiceModel
from kiosk.config import ConfigVar, staff_settings
from kiosk.staff import PinCheck
from kiosk.verification import VerifierSummary
from offline_cache import QueueCounts

if TYPE_CHECKING:
    from kiosk.core import KioskCore


@dataclass(frozen=True)
class ServiceList:
    services: list[ServiceModel]  # in staff order
    disabled: set[str]


class StaffConsole:
    def __init__(self, core: KioskCore) -> None:
        self._core = core

    # -- signing in -----------------------------------------------------------------------

    @property
    def pin_is_set(self) -> bool:
        return self._core.pin.is_set

    def check_pin(self, pin: str) -> PinCheck:
        return self._core.pin.check(pin)

    def set_pin(self, pin: str) -> None:
        """Set or replace the staff PIN (recorded in the audit log)."""
        self._core.pin.set_pin(pin)

    def logout(self) -> None:
        self._core.audit.record("logout")

    # -- the offline queue ----------------------------------------------------------------

    def queue_counts(self) -> QueueCounts:
        return self._core.queue.counts()

    def sync_now(self) -> None:
        """立即同步: ignores the backoff (never the backend's Retry-After)."""
        self._core.audit.record("sync_now")
        self._core.sync.trigger(force=True)

    def audit_entries(self, limit: int = 50) -> list[tuple[str, str, str]]:
        return self._core.audit.entries(limit)

    # -- services -------------------------------------------------------------------------

    def services(self) -> ServiceList:
        core = self._core
        return ServiceList(core.settings.ordered_services(core.catalog), core.settings.disabled())

    def set_service_enabled(self, service_id: str, enabled: bool) -> None:
        self._core.settings.set_enabled(service_id, enabled)

    def move_service(self, service_id: str, offset: int) -> None:
        self._core.settings.move(self._core.catalog, service_id, offset)

    def catalog_summary(self) -> str:
        catalog = self._core.catalog
        return f"catalog v{catalog.catalog_version}, {len(catalog.services)} services."

    def pull_catalog(self) -> str:
        """从平台更新业务目录: a sentence for staff, whatever happened."""
        try:
            return f"Pull: {self._core.pull_catalog()}."
        except CatalogError as error:
            return "Pull: refused, kept the last good catalog: " + "; ".join(error.problems[:3])
        except requests.RequestException as error:
            self._core.audit.record("catalog_pull_failed", type(error).__name__)
            return f"Pull: backend unreachable: {type(error).__name__}."

    # -- the verifier (验码) ----------------------------------------------------------------

    def verifier_summary(self) -> VerifierSummary:
        """Today's checks, the held list, the next refresh, the clock (reads the store)."""
        return self._core.verifier.summary()

    def refresh_status_list(self) -> str:
        """立即更新名单: a sentence for staff, whatever happened (network: off the GUI thread)."""
        self._core.audit.record("status_list_refresh")
        refresh = self._core.verifier.refresh_list()
        if refresh is None:
            return "No verifier keys configured."
        return f"{refresh.outcome} {refresh.detail}".strip()

    # -- terminal settings ----------------------------------------------------------------

    def settings(self) -> list[tuple[ConfigVar, object]]:
        """Each setting staff may change (its declaration: caption, choices) and its value."""
        return [(setting, self._core.settings.value(setting.key)) for setting in staff_settings()]

    def change_setting(self, key: str, value: object) -> None:
        """A wrong key or value raises ValueError (nothing changes)."""
        self._core.settings.set(key, value)
