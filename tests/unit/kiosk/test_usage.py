"""The usage recorder: only catalogued events and values, one wall time per session,
written off the calling thread to usage.db with a retention."""

import datetime as dt
import sqlite3
import threading
import time

import pytest

from kiosk.usage import UsageLog, UsageRefused, age_band, new_session_id, target_id
from kiosk.usage_catalogue import BY_NAME, EVENTS, MAX_DURATION_MS
from kiosk.usage_docs import DOCS_PATH, REGENERATE, describe_events
from kiosk.usage_store import WRITE_AFTER_S, UsageStore
from tests.helpers.waiting import wait_for

CST = dt.timezone(dt.timedelta(hours=8))
VOCABULARY = frozenset({"pension_certification", "phone", "review", "home", "step", "idle"})


class Clocks:
    def __init__(self) -> None:
        self.mono = 100.0
        self.now = dt.datetime(2026, 11, 21, 9, 30, tzinfo=CST)

    def monotonic(self) -> float:
        return self.mono

    def wall(self) -> dt.datetime:
        return self.now


def make_log(tmp_path, clocks=None, demographics=False, context=None, retention_days=90.0):
    clocks = clocks or Clocks()
    store = UsageStore(tmp_path / "usage.db", retention_days, wall=lambda: clocks.now.timestamp())
    log = UsageLog(
        store,
        vocabulary=lambda: VOCABULARY,
        context=context or (lambda: None),
        demographics=lambda: demographics,
        monotonic=clocks.monotonic,
        wall=clocks.wall,
    )
    return log, store, clocks


def started(log):
    log.session_started(
        mode="service",
        language="zh",
        text_size="large",
        high_contrast=False,
        card_kind="social_security",
    )


def test_docs_usage_events_md_is_generated_from_the_catalogue():
    current = DOCS_PATH.read_text(encoding="utf-8") if DOCS_PATH.exists() else ""
    assert current == describe_events(), f"docs/usage-events.md is out of date: {REGENERATE}"
    for event in EVENTS:
        assert f"### {event.id} `{event.name}`" in current


def test_every_catalogued_value_is_closed_or_bounded():
    for event in EVENTS:
        for field in event.fields:
            assert field.kind in {"enum", "int", "bool", "catalog_id", "target", "enum_list"}
            if field.kind == "int":
                assert 0 < field.maximum <= MAX_DURATION_MS < 10**10  # never a phone number
            if field.kind in ("enum", "enum_list"):
                assert field.choices and all(len(c) <= 40 for c in field.choices)


@pytest.mark.parametrize(
    ("name", "fields", "why"),
    [
        ("name_typed", {}, "unknown usage event"),
        ("tap", {"target": "nav_back", "text": "王䶮"}, "no field"),
        ("tap", {"target": "王䶮"}, "may not be str"),
        ("tap", {"target": "key_13812345678"}, "may not be str"),
        ("tap", {}, "target is required"),
        ("validation_error", {"code": "13812345678"}, "may not be str"),
        ("help_requested", {"step": "13812345678"}, "may not be str"),
        ("help_requested", {"step": "zhang_san"}, "may not be str"),  # not a catalog id
        ("voice_volume", {"level": 13812345678}, "may not be int"),
        ("voice_volume", {"level": True}, "may not be bool"),
        ("voice_volume", {"level": -1}, "may not be int"),
        ("rating", {"level": 5, "reasons": ["quick", "王䶮"]}, "may not be list"),
        ("session_ended", {"reason": "idle", "duration_ms": 1.5}, "may not be float"),
    ],
)
def test_the_recorder_refuses_what_the_catalogue_does_not_declare(tmp_path, name, fields, why):
    log, store, _ = make_log(tmp_path)
    with pytest.raises(UsageRefused, match=why):
        log.record(name, **fields)
    store.close()


def test_age_band_and_sex_only_when_staff_switch_them_on(tmp_path):
    log, store, _ = make_log(tmp_path)
    assert log.demographics(dt.date(1950, 3, 1), "2") == {}
    with pytest.raises(UsageRefused, match="usage_demographics"):
        log.session_started(
            mode="service", language="zh", text_size="standard", high_contrast=False,
            card_kind="social_security", age_band="70-79", sex="female",
        )  # fmt: skip
    store.close()
    on, store_on, _ = make_log(tmp_path / "on", demographics=True)
    extra = on.demographics(dt.date(1950, 3, 1), "2")
    assert extra == {"age_band": "70-79", "sex": "female"}
    on.session_started(
        mode="service", language="zh", text_size="standard", high_contrast=False,
        card_kind="social_security", **extra,
    )  # fmt: skip
    on.flush()
    (row,) = store_on.rows()
    assert (row["age_band"], row["sex"]) == ("70-79", "female")
    store_on.close()


def test_age_bands():
    today = dt.date(2026, 11, 21)
    assert age_band(dt.date(1970, 1, 1), today) == "under_60"
    assert age_band(dt.date(1966, 11, 21), today) == "60-69"
    assert age_band(dt.date(1966, 11, 22), today) == "under_60"
    assert age_band(dt.date(1930, 1, 1), today) == "90+"


def test_tap_targets_never_say_which_digit_day_or_level():
    assert target_id("key_7") == "key"
    assert target_id("date_2026-11-21") == "date"
    assert target_id("rating_5") == "rating"
    assert target_id("service_hotline_12345") == "service_hotline"
    assert target_id("nav_back") == "nav_back"
    assert target_id("王䶮") == "other"
    assert target_id("") == "other"


def test_session_ids_are_random_letters():
    ids = {new_session_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 22 and i.isascii() and i.isalpha() and i.islower() for i in ids)


def test_only_the_session_start_reads_the_wall_clock(tmp_path):
    log, store, clocks = make_log(tmp_path)
    started(log)
    clocks.mono += 2.5
    clocks.now -= dt.timedelta(days=3)  # the wall clock jumps back mid-session
    log.tap("nav_back")
    clocks.mono += 1.0
    clocks.now += dt.timedelta(hours=7)
    log.session_ended("finished")
    assert log.flush()
    rows = list(store.rows())
    assert [r["event"] for r in rows] == ["session_started", "tap", "session_ended"]
    assert {r["started_local"] for r in rows} == {"2026-11-21T09:30:00.000"}
    assert {r["utc_offset_min"] for r in rows} == {480}
    assert [r["offset_ms"] for r in rows] == [0, 2500, 3500]
    assert rows[2]["duration_ms"] == 3500
    assert [r["seq"] for r in rows] == [0, 1, 2]
    store.close()


def test_screens_are_intervals_with_the_place_for_help_and_idle(tmp_path):
    place = {"now": None}
    log, store, clocks = make_log(tmp_path, context=lambda: place["now"])
    started(log)
    log.screen("homeScreen")
    clocks.mono += 4
    place["now"] = ("pension_certification", "phone", 3)
    log.screen("stepScreen")
    clocks.mono += 10
    log.help_requested()
    log.here("idle_warning")
    log.screen("idleScreen")
    clocks.mono += 30
    log.here("idle_timeout")
    log.session_ended("idle")
    log.flush()
    rows = list(store.rows())
    shown = [r for r in rows if r["event"] == "screen_shown"]
    assert [(r["step"], r["offset_ms"], r["left_ms"]) for r in shown] == [
        ("home", 0, 4000),
        ("phone", 4000, 14000),
        ("idle", 14000, 44000),
    ]
    assert shown[1]["service"] == "pension_certification" and shown[1]["position"] == 3
    asked = {r["event"]: (r.get("service"), r["step"]) for r in rows if r["event"] != "screen_shown"
             and "step" in r and r["step"] is not None}  # fmt: skip
    assert asked["help_requested"] == ("pension_certification", "phone")
    assert asked["idle_timeout"] == ("pension_certification", "phone")  # not "idle"
    store.close()


def test_events_outside_a_session_get_a_session_of_their_own(tmp_path):
    log, store, clocks = make_log(tmp_path)
    log.card_problem("card_not_responding")
    log.card_problem("something_new")
    started(log)
    log.flush()
    reads = [r for r in store.rows() if r["event"] == "card_read"]
    (start,) = [r for r in store.rows() if r["event"] == "session_started"]
    assert [r["result"] for r in reads] == ["card_not_responding", "card_error"]
    assert reads[0]["session_id"] == reads[1]["session_id"] != start["session_id"]
    store.close()


def test_retention_deletes_old_sessions(tmp_path):
    clocks = Clocks()
    log, store, _ = make_log(tmp_path, clocks, retention_days=30)
    started(log)
    log.session_ended("finished")
    log.flush()
    store.close()
    clocks.now += dt.timedelta(days=31)
    later, store_later, _ = make_log(tmp_path, clocks, retention_days=30)
    started(later)
    later.flush()  # the writer purges when it starts
    rows = list(store_later.rows())
    assert [r["event"] for r in rows] == ["session_started"]
    assert rows[0]["started_local"].startswith("2026-12-22")
    store_later.close()


def test_a_taps_events_are_written_together_after_it_not_one_write_each(tmp_path):
    """The writer waits WRITE_AFTER_S after a row before it writes: a screen change's
    events go in one transaction, after the GUI thread has painted the tap's answer."""
    log, store, _ = make_log(tmp_path)
    writes: list[int] = []
    real_write = store._write

    def counted_write(conn, rows):
        writes.append(len(rows))
        real_write(conn, rows)

    store._write = counted_write
    first_row_put = time.monotonic()
    started(log)
    pause = threading.Event()  # never set
    for _ in range(5):  # five taps within 0.1 s of the session's start
        pause.wait(0.02)
        log.tap("key_7")
    wait_for(lambda: store.unbatched() == 6, 5, "the rows written without a flush")
    assert time.monotonic() - first_row_put >= WRITE_AFTER_S
    assert writes == [6]
    log.tap("key_1")
    flushing = time.monotonic()
    assert log.flush() and writes == [6, 1]
    assert time.monotonic() - flushing < WRITE_AFTER_S  # a flush does not wait out the window
    store.close()


def test_rows_by_day(tmp_path):
    clocks = Clocks()
    log, store, _ = make_log(tmp_path, clocks)
    for day in (20, 21, 22):
        clocks.now = clocks.now.replace(day=day)
        started(log)
    log.flush()
    assert {r["started_local"][:10] for r in store.rows("2026-11-21", "2026-11-21")} == {
        "2026-11-21"
    }
    assert len(list(store.rows(since="2026-11-21"))) == 2
    assert len(list(store.rows(until="2026-11-21"))) == 2
    store.close()


def test_the_file_is_private_and_nothing_personal_in_it(tmp_path):
    log, store, _ = make_log(tmp_path)
    started(log)
    log.flush()
    assert (tmp_path / "usage.db").stat().st_mode & 0o077 == 0
    with sqlite3.connect(tmp_path / "usage.db") as conn:
        (count,) = conn.execute("SELECT COUNT(*) FROM events").fetchone()
    assert count == 1
    store.close()


def test_catalogue_names_are_what_the_docs_show():
    assert BY_NAME["screen_shown"].id == "U004"
