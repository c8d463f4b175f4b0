"""Staff PIN (scrypt, lockout), settings and the audit log, on a real SQLite store."""

import pytest

from kiosk.catalog import parse_catalog_text, shipped_catalog_text
from kiosk.staff import LOCKOUT_S, AuditLog, PinGuard, StaffSettings
from offline_cache import open_store

CATALOG = parse_catalog_text(shipped_catalog_text())


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / "kiosk.db")


def test_the_pin_is_stored_as_a_salted_scrypt_hash(store):
    guard = PinGuard(store, AuditLog(store))
    guard.set_pin("246810")
    salt, digest, cost = store.read_one("SELECT salt, hash, cost FROM staff_pin")
    assert len(salt) == 16 and len(digest) == 32 and b"246810" not in digest
    assert '"n": 16384' in cost
    guard.set_pin("246810")
    assert store.read_one("SELECT salt FROM staff_pin")[0] != salt  # fresh salt
    for bad in ("12a4", "1234", "12345", "123456789"):  # 4 digits fell offline in 169 s
        with pytest.raises(ValueError, match="6 to 8 digits"):
            guard.set_pin(bad)


def test_five_wrong_pins_lock_for_five_minutes_even_the_right_one(tmp_path):
    clock = Clock()
    store = open_store(tmp_path / "kiosk.db")
    guard = PinGuard(store, AuditLog(store), clock, monotonic=clock)
    guard.set_pin("246810")
    left = [guard.check("000000").attempts_left for _ in range(4)]
    assert left == [4, 3, 2, 1]
    fifth = guard.check("111111")
    assert fifth.locked and fifth.locked_for_s == LOCKOUT_S == 300
    clock.now += 10
    refused = guard.check("246810")
    assert not refused.ok and refused.locked and refused.locked_for_s == pytest.approx(290)

    # A restart does not lift the lock: it is in the store.
    reopened = open_store(tmp_path / "kiosk.db")
    again = PinGuard(reopened, AuditLog(reopened), clock, monotonic=Clock())
    assert again.check("246810").locked
    clock.now += LOCKOUT_S
    assert again.check("246810").ok
    assert again.check("999999").attempts_left == 4  # a fresh five tries after success


def test_every_staff_action_lands_in_the_audit_log(store):
    clock = Clock()
    audit = AuditLog(store)
    guard = PinGuard(store, audit, clock)
    settings = StaffSettings(store, audit)
    guard.set_pin("246810")
    guard.check("9087")
    guard.check("246810")
    settings.set_enabled("hotline_12345", False)
    settings.move(CATALOG, "progress_query", -3)
    settings.terminal_mode = "verifier"
    settings.text_size = "large"
    settings.set_language("yue")
    settings.set_idle_timeout_s(120)
    settings.high_contrast = True
    actions = [action for _, action, _ in reversed(audit.entries())]
    assert actions == [
        "pin_set",
        "login_failed",
        "login",
        "set_disabled_services",
        "set_service_order",
        "set_terminal_mode",
        "set_text_size",
        "set_language",
        "set_idle_timeout_s",
        "set_high_contrast",
    ]
    details = " ".join(detail for _, _, detail in audit.entries())
    assert "246810" not in details and "9087" not in details


def test_disabled_and_moved_services_shape_the_menu(store):
    settings = StaffSettings(store, AuditLog(store))
    ids = [s.id for s in settings.menu(CATALOG)]
    assert ids == [s.id for s in CATALOG.services]
    settings.set_enabled("medical_insurance_query", False)
    settings.move(CATALOG, "progress_query", -100)
    menu = [s.id for s in settings.menu(CATALOG)]
    assert menu[0] == "progress_query" and "medical_insurance_query" not in menu
    assert len(menu) == len(ids) - 1
    settings.set_enabled("medical_insurance_query", True)
    assert "medical_insurance_query" in [s.id for s in settings.menu(CATALOG)]


def test_bad_setting_values_are_refused_and_unreadable_ones_fall_back(store):
    settings = StaffSettings(store, AuditLog(store))
    with pytest.raises(ValueError):
        settings.text_size = "tiny"
    with pytest.raises(ValueError):
        settings.set_idle_timeout_s(5)
    settings.terminal_mode = "verifier"
    with store.write() as conn:
        conn.execute("INSERT OR REPLACE INTO settings VALUES ('terminal_mode', '{broken')")
    assert StaffSettings(store, AuditLog(store)).terminal_mode == "service"


def test_settings_survive_a_restart(tmp_path):
    store = open_store(tmp_path / "kiosk.db")
    StaffSettings(store, AuditLog(store)).set_idle_timeout_s(180)
    reopened = open_store(tmp_path / "kiosk.db")
    assert StaffSettings(reopened, AuditLog(reopened)).idle_timeout_s(90) == 180


def test_a_wall_clock_moved_forward_does_not_lift_the_lock():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as directory:
        store = open_store(Path(directory) / "kiosk.db")
        clock, mono = Clock(), Clock()
        guard = PinGuard(store, AuditLog(store), clock, mono)
        guard.set_pin("246810")
        for _ in range(5):
            guard.check("000000")
        clock.now += 3600  # NTP arrives: the wall clock leaps an hour
        mono.now += 5
        refused = guard.check("246810")
        assert refused.locked and refused.locked_for_s == pytest.approx(295)
        mono.now += LOCKOUT_S
        assert guard.check("246810").ok


def test_a_lock_stamped_before_the_clock_went_back_is_cut_to_five_minutes(tmp_path):
    store = open_store(tmp_path / "kiosk.db")
    clock = Clock()
    guard = PinGuard(store, AuditLog(store), clock)
    guard.set_pin("246810")
    for _ in range(5):
        guard.check("000000")
    clock.now -= 86_400  # the clock goes back a day: the stored lock now looks a day long
    restarted = PinGuard(store, AuditLog(store), clock)
    assert restarted.check("246810").locked_for_s == pytest.approx(LOCKOUT_S)
    clock.now += LOCKOUT_S + 1
    assert restarted.check("246810").ok
