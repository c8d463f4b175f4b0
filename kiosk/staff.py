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
from offline_cache import Store

# scrypt at n=2**14, r=8 costs ~16 MiB and ~50 ms here: cheap for one staff login,
# expensive for anyone who copied the store and tries all 10^6 PINs (a 4-digit PIN fell to
# an offline search in 169 s, so at least 6 digits; the store is 0600 as well).
SCRYPT_COST = {"n": 2**14, "r": 8, "p": 1}
MAX_FAILED_ATTEMPTS = 5
LOCKOUT_S = 300.0
PIN_LENGTHS = range(6, 9)

TERMINAL_MODES = ("service", "verifier")
TEXT_SIZES = ("standard", "large", "extra_large")
LANGUAGES = ("zh", "yue", "en")  # yue: Chinese on screen, Cantonese voice
IDLE_TIMEOUTS_S = (60, 90, 120, 180, 300)


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
    """What staff choose: services offered and their order, mode, text size, language,
    idle timeout. Every change is written through and audited.

    Read once at start and kept in memory: the GUI asks on every tap (idle timeout) and the
    device thread on every card (terminal mode), and neither should touch the disk for it.
    """

    def __init__(self, store: Store, audit: AuditLog) -> None:
        self.store = store
        self.audit = audit
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

    # -- terminal -------------------------------------------------------------------------

    @property
    def terminal_mode(self) -> str:
        value = self._get("terminal_mode", "service")
        return value if value in TERMINAL_MODES else "service"

    @terminal_mode.setter
    def terminal_mode(self, value: str) -> None:
        if value not in TERMINAL_MODES:
            raise ValueError(value)
        self._put("terminal_mode", value, value)

    @property
    def text_size(self) -> str:
        value = self._get("text_size", "standard")
        return value if value in TEXT_SIZES else "standard"

    @text_size.setter
    def text_size(self, value: str) -> None:
        if value not in TEXT_SIZES:
            raise ValueError(value)
        self._put("text_size", value, value)

    @property
    def high_contrast(self) -> bool:
        return self._get("high_contrast", False) is True

    @high_contrast.setter
    def high_contrast(self, value: bool) -> None:
        self._put("high_contrast", bool(value), "on" if value else "off")

    def language(self, default: str) -> str:
        value = self._get("language", default)
        return value if value in LANGUAGES else "zh"

    def set_language(self, value: str) -> None:
        if value not in LANGUAGES:
            raise ValueError(value)
        self._put("language", value, value)

    def idle_timeout_s(self, default: float) -> float:
        value = self._get("idle_timeout_s", default)
        return float(value) if isinstance(value, int | float) and value >= 30 else default

    def set_idle_timeout_s(self, value: int) -> None:
        if value < 30:
            raise ValueError("idle timeout below 30 s")
        self._put("idle_timeout_s", int(value), f"{int(value)} s")
