"""The verifier's clock guard (kiosk/clock_guard.py), on injected clocks."""

from __future__ import annotations

import email.utils

from kiosk.clock_guard import ClockGuard

T0 = 1_795_000_000.0


class Clocks:
    def __init__(self) -> None:
        self.wall, self.boot = T0, 100.0

    def guard(self, max_skew_s: float = 60.0, latest_seen: float = 0.0) -> ClockGuard:
        return ClockGuard(
            max_skew_s, wall=lambda: self.wall, boot=lambda: self.boot, latest_seen=latest_seen
        )


def date_header(moment: float) -> str:
    return email.utils.formatdate(moment, usegmt=True)


def test_the_backends_date_is_carried_forward_on_the_boot_clock():
    clocks = Clocks()
    guard = clocks.guard()
    assert guard.check().ok and guard.server_offset_s() is None
    guard.observe_date(date_header(T0 - 30))  # this clock is 30 s ahead: within 60 s
    assert guard.check().ok
    clocks.wall += 3600
    clocks.boot += 3600  # an hour later, both clocks moved alike
    assert guard.check().ok and round(guard.server_offset_s()) == 30
    clocks.wall += 600  # then someone set the clock 10 minutes ahead, offline
    status = guard.check()
    assert (status.ok, status.reason) == (False, "clock_skewed")
    assert "630 s ahead of" in status.detail


def test_the_bound_allows_the_dates_whole_second():
    clocks = Clocks()
    guard = clocks.guard(max_skew_s=5.0)
    guard.observe_date(date_header(T0 - 5.9))
    assert guard.check().ok
    guard.observe_date(date_header(T0 - 7))
    assert guard.check().reason == "clock_skewed"


def test_a_clock_behind_the_lists_issue_time_is_refused():
    guard = Clocks().guard()
    assert guard.check(issued_at=T0 + 59).ok
    status = guard.check(issued_at=T0 + 300)
    assert (status.reason, status.detail) == (
        "clock_behind_list",
        "this clock is 300 s behind the status list's issue time",
    )


def test_a_clock_that_went_back_is_refused_until_the_backend_vouches_for_it():
    clocks = Clocks()
    guard = clocks.guard(latest_seen=T0 + 3600)  # as kept on disk before a reboot
    assert guard.check().reason == "clock_went_back"
    guard.observe_date(date_header(T0))
    assert guard.check().ok and guard.latest_seen == T0
    clocks.wall += 10
    assert guard.check().ok


def test_garbage_dates_are_ignored():
    guard = Clocks().guard()
    for header in (None, "", "yesterday", "Mon, 99 Foo 2026"):
        guard.observe_date(header)
    assert guard.server_offset_s() is None
