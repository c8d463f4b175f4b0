"""The verifier's clock guard: a status answer is only as good as the clock it is read by.

A list is valid until a time; a kiosk whose clock was set back would keep an expired list
green. So the verifier answers 无法核验 (and staff are told) when this kiosk's clock:
- is off the backend's HTTP `Date` by more than `clock_skew_max_s` (Switzerland's
  CovidCertificate SDK: a time-inconsistency error). The backend's time is carried forward
  on the boot clock from the last answer that had a `Date`, so a clock changed after that
  answer is caught at once, online or not;
- is behind the list's issue time by more than `clock_skew_max_s`: a list cannot come from
  the future;
- went back past the latest time this kiosk has seen (kept on disk with the list, so a
  reboot with a flat RTC battery is caught too), unless the backend's `Date` vouches for
  the clock as it is now (a clock that ran ahead and was corrected).

`Date` has whole seconds: one second of slack is added to the bound.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DATE_RESOLUTION_S = 1.0


def boot_clock() -> float:
    """Seconds on a clock that nobody sets and that runs through suspend."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


@dataclass(frozen=True)
class ClockStatus:
    ok: bool
    reason: str  # "" when ok; else a code: clock_skewed, clock_behind_list, clock_went_back
    detail: str  # for staff

    @property
    def label(self) -> str:
        return "ok" if self.ok else self.reason


OK = ClockStatus(True, "", "")


class ClockGuard:
    def __init__(
        self,
        max_skew_s: float,
        *,
        wall: Callable[[], float] = time.time,
        boot: Callable[[], float] = boot_clock,
        latest_seen: float = 0.0,
    ) -> None:
        self.max_skew_s = max_skew_s
        self._wall = wall
        self._boot = boot
        self._lock = threading.Lock()
        self._server: tuple[float, float] | None = None  # (server time, boot clock then)
        self.latest_seen = latest_seen

    def now(self) -> float:
        """This kiosk's wall clock (the one the guard judges)."""
        return self._wall()

    def observe_date(self, date_header: str | None) -> None:
        """The backend answered with this `Date`: remember its time on the boot clock."""
        if not date_header:
            return
        try:
            server = email.utils.parsedate_to_datetime(date_header).timestamp()
        except (TypeError, ValueError):
            return
        with self._lock:
            self._server = (server, self._boot())

    def server_offset_s(self) -> float | None:
        """This kiosk's clock minus the backend's, now; None before any `Date` was seen."""
        with self._lock:
            server = self._server
        if server is None:
            return None
        server_now = server[0] + (self._boot() - server[1])
        return self._wall() - server_now

    def check(self, issued_at: float | None = None) -> ClockStatus:
        """Whether answers may be trusted to this clock now; notes the time as seen."""
        now = self._wall()
        offset = self.server_offset_s()
        bound = self.max_skew_s
        if offset is not None and abs(offset) > bound + DATE_RESOLUTION_S:
            way = "ahead of" if offset > 0 else "behind"
            return ClockStatus(
                False, "clock_skewed", f"this clock is {abs(offset):.0f} s {way} the backend's"
            )
        if issued_at is not None and now < issued_at - bound:
            return ClockStatus(
                False,
                "clock_behind_list",
                f"this clock is {issued_at - now:.0f} s behind the status list's issue time",
            )
        with self._lock:
            if offset is not None:
                # The backend vouches for this clock: a latest time seen under a clock
                # that ran ahead (and was corrected since) no longer counts.
                self.latest_seen = now
                return OK
            if now < self.latest_seen - bound:
                return ClockStatus(
                    False,
                    "clock_went_back",
                    f"this clock went back {self.latest_seen - now:.0f} s",
                )
            self.latest_seen = max(self.latest_seen, now)
        return OK
