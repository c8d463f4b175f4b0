"""Staff configuration: the PIN in front of it, the settings it changes, the audit log.

All three live in the kiosk's SQLite store (schema 3). No personal data ever goes here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.catalog import CatalogModel, ServiceModel
from kiosk.config import KioskConfig
from offline_cache import Store

# scrypt at n=2**14, r=8 costs ~16 MiB and ~50 ms here: cheap for one staff login,
# expensive for anyone who copied the store and tries all 10^6 PINs (a 4-digit PIN fell to
# an offline search in 169 s, so at least 6 digits; the store is 0600 as well).
SCRYPT_COST = {"n": 2**14, "r": 8, "p": 1}
MAX_FAILED_ATTEMPTS = 5
LOCKOUT_S = 300.0
PIN_LENGTHS = range(6, 9)


def _now_text() -> str:
    return dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


class AuditLog:
    """Every staff action, in order, with no personal data."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, action: str, detail: str = "") -> None:
        """Write one row; inside a caller's transaction it commits or rolls back with it."""
        with self.store.write() as conn:
            conn.execute(
                "INSERT INTO audit_log (at, action, detail) VALUES (?, ?, ?)",
                (_now_text(), action, detail),
            )

    def entries(self, limit: int = 50) -> list[tuple[str, str, str]]:
        rows = self.store.read(
            "SELECT at, action, detail FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [tuple(row) for row in rows]


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    attempts_left: int = 0
    locked_for_s: float = 0.0  # > 0: locked, try again after this long

    @property
    def locked(self) -> bool:
        return self.locked_for_s > 0


class PinGuard:
    """The staff PIN as a salted scrypt hash; five wrong tries lock it for five minutes.

    The failure count and the lock are in the store, so a restart does not reset them.
    The lock is also held on the monotonic clock, so a wall clock moved forward does not
    lift it early, and a stored lock further ahead than LOCKOUT_S (the clock went back)
    is cut to LOCKOUT_S. `clock` and `monotonic` are injectable for tests.
    """

    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.audit = audit
        self.clock = clock
        self.monotonic = monotonic
        self._locked_until_monotonic = 0.0

    @property
    def is_set(self) -> bool:
        return self.store.read_one("SELECT 1 FROM staff_pin WHERE id = 1") is not None

    def set_pin(self, pin: str) -> None:
        if not (pin.isdigit() and len(pin) in PIN_LENGTHS):
            raise ValueError(
                f"the PIN must be {PIN_LENGTHS.start} to {PIN_LENGTHS.stop - 1} digits"
            )
        salt = os.urandom(16)
        digest = hashlib.scrypt(pin.encode(), salt=salt, **SCRYPT_COST, dklen=32)
        with self.store.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO staff_pin (id, salt, hash, cost, failed_attempts, "
                "locked_until) VALUES (1, ?, ?, ?, 0, 0)",
                (salt, digest, json.dumps(SCRYPT_COST)),
            )
            self.audit.record("pin_set")
        self._locked_until_monotonic = 0.0

    def check(self, pin: str) -> PinCheck:
        row = self.store.read_one("SELECT salt, hash, cost FROM staff_pin WHERE id = 1")
        if row is None:
            return PinCheck(ok=False)
        salt, stored, cost = row
        # scrypt before the transaction: the store is not held for the 50 ms it takes.
        digest = hashlib.scrypt(pin.encode(), salt=salt, **json.loads(cost), dklen=32)
        matches = hmac.compare_digest(digest, stored)
        with self.store.write() as conn:
            failed, locked_until = conn.execute(
                "SELECT failed_attempts, locked_until FROM staff_pin WHERE id = 1"
            ).fetchone()
            now, mono = self.clock(), self.monotonic()
            if locked_until - now > LOCKOUT_S:  # stamped under a clock that has gone back
                locked_until = now + LOCKOUT_S
                conn.execute("UPDATE staff_pin SET locked_until = ? WHERE id = 1", (locked_until,))
            remaining = max(locked_until - now, self._locked_until_monotonic - mono)
            if remaining > 0:
                self.audit.record("login_refused_locked")
                return PinCheck(ok=False, locked_for_s=remaining)
            if locked_until:  # the lock has run out: a fresh five tries
                failed = 0
            if matches:
                conn.execute(
                    "UPDATE staff_pin SET failed_attempts = 0, locked_until = 0 WHERE id = 1"
                )
                self.audit.record("login")
                return PinCheck(ok=True)
            failed += 1
            if failed >= MAX_FAILED_ATTEMPTS:
                conn.execute(
                    "UPDATE staff_pin SET failed_attempts = ?, locked_until = ? WHERE id = 1",
                    (failed, now + LOCKOUT_S),
                )
                self._locked_until_monotonic = mono + LOCKOUT_S
                self.audit.record("login_failed", f"locked for {LOCKOUT_S:.0f} s")
                return PinCheck(ok=False, locked_for_s=LOCKOUT_S)
            conn.execute(
                "UPDATE staff_pin SET failed_attempts = ?, locked_until = 0 WHERE id = 1",
                (failed,),
            )
            self.audit.record("login_failed", f"attempt {failed} of {MAX_FAILED_ATTEMPTS}")
            return PinCheck(ok=False, attempts_left=MAX_FAILED_ATTEMPTS - failed)


class StaffSettings:
    """What staff choose: services offered and their order, and the terminal settings
    declared with a staff caption in kiosk/config_declarations.py (mode, text size,
    language, idle timeout, high contrast): one declaration gives the type, the allowed values, the
    default (kiosk.toml's value until staff choose) and the staff screen's buttons. Every
    change is written through and audited.

    Read once at start and kept in memory: the GUI asks on every tap (idle timeout) and the
    device thread on every card (terminal mode), and neither should touch the disk for it.
    """

    def __init__(self, store: Store, audit: AuditLog, config: KioskConfig | None = None) -> None:
        self.store = store
        self.audit = audit
        self._config = config
        self._values: dict[str, object] = {}
        for key, raw in store.read("SELECT key, value FROM settings"):
            with contextlib.suppress(json.JSONDecodeError):  # unreadable: the default
                self._values[key] = json.loads(raw)

    def _get(self, key: str, default):
        return self._values.get(key, default)

    def _put(self, key: str, value, detail: str) -> None:
        # The setting and its audit row in one transaction: both or neither.
        with self.store.write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                (key, json.dumps(value)),
            )
            self.audit.record(f"set_{key}", detail)
        self._values[key] = value

    # -- terminal settings, by declaration -------------------------------------------------

    def value(self, key: str) -> object:
        """Staff's choice if valid, else kiosk.toml's value, else the declared default."""
        declaration = getattr(KioskConfig, key)
        fallback = getattr(self._config, key) if self._config else declaration.default
        stored = self._values.get(key)
        if stored is None:
            return fallback
        try:
            return declaration.accepts(stored)
        except ValueError:
            return fallback  # an unreadable or outdated value: the default, not a crash

    def set(self, key: str, value: object) -> None:
        """Raises ValueError for a key staff may not set or a value it does not allow."""
        declaration = getattr(KioskConfig, key, None)
        if declaration is None or declaration.staff_caption is None:
            raise ValueError(f"{key!r} is not a staff setting")
        checked = declaration.accepts(value)
        if declaration.unit == "seconds":
            checked = int(checked)
            detail = f"{checked} s"
        elif isinstance(checked, bool):
            detail = "on" if checked else "off"
        else:
            detail = str(checked)
        self._put(key, checked, detail)

    # -- services -------------------------------------------------------------------------

    def ordered_services(self, catalog: CatalogModel) -> list[ServiceModel]:
        """Every catalog service in staff order; new ones (from a new catalog) at the end."""
        order: list[str] = self._get("service_order", [])
        by_id = {s.id: s for s in catalog.services}
        known = [by_id[i] for i in order if i in by_id]
        return known + [s for s in catalog.services if s.id not in order]

    def disabled(self) -> set[str]:
        return set(self._get("disabled_services", []))

    def menu(self, catalog: CatalogModel) -> list[ServiceModel]:
        """What the villager sees on the home screen, in order."""
        disabled = self.disabled()
        return [s for s in self.ordered_services(catalog) if s.id not in disabled]

    def set_enabled(self, service_id: str, enabled: bool) -> None:
        disabled = self.disabled()
        disabled.discard(service_id) if enabled else disabled.add(service_id)
        self._put(
            "disabled_services",
            sorted(disabled),
            f"{service_id} {'enabled' if enabled else 'disabled'}",
        )

    def move(self, catalog: CatalogModel, service_id: str, offset: int) -> None:
        order = [s.id for s in self.ordered_services(catalog)]
        position = order.index(service_id)
        target = max(0, min(len(order) - 1, position + offset))
        order.insert(target, order.pop(position))
        self._put("service_order", order, f"{service_id} to position {target + 1}")

    # -- terminal (the names the core and tests use) ------------------------------------

    @property
    def terminal_mode(self) -> str:
        return str(self.value("terminal_mode"))

    @terminal_mode.setter
    def terminal_mode(self, value: str) -> None:
        self.set("terminal_mode", value)

    @property
    def text_size(self) -> str:
        return str(self.value("text_size"))

    @text_size.setter
    def text_size(self, value: str) -> None:
        self.set("text_size", value)

    @property
    def high_contrast(self) -> bool:
        return bool(self.value("high_contrast"))

    @high_contrast.setter
    def high_contrast(self, value: bool) -> None:
        self.set("high_contrast", bool(value))

    def language(self, default: str | None = None) -> str:
        return str(self.value("language"))

    def set_language(self, value: str) -> None:
        self.set("language", value)

    def idle_timeout_s(self, default: float | None = None) -> float:
        return float(self.value("idle_timeout_s"))

    def set_idle_timeout_s(self, value: int) -> None:
        self.set("idle_timeout_s", value)
