"""When the sync engine may try again: backoff, the server's Retry-After, clock jumps.

- A row that failed waits `retry_base_s`, doubling with each attempt up to `retry_cap_s`,
  with jitter so kiosks that come back online together spread out (offline-sync.md, 6).
  A Retry-After (429 or 503: seconds or an HTTP date) replaces that, within the cap.
- A Retry-After holds every sender of the store to that backend, staff's "sync now" and
  `kiosk sync --once` in another process included: it is kept in the store per backend
  URL, and on the monotonic clock in this process.
- Waiting uses the monotonic clock; a wall-clock jump moves the stored retry times with
  it, and no stored wait is ever longer than the longest one we set.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
from collections.abc import Callable

import requests

from offline_cache import SubmissionQueue

log = logging.getLogger(__name__)

CLOCK_JUMP_S = 5.0  # wall and monotonic clocks disagreeing by more: the wall clock moved
HOLD_META = "server_hold_until"


class RetrySchedule:
    """The retry times of one store's rows and the server's hold on sending to one backend."""

    def __init__(
        self,
        queue: SubmissionQueue,
        backend_url: str,
        *,
        retry_base_s: float,
        retry_cap_s: float,
        clock: Callable[[], float],
        monotonic: Callable[[], float],
    ) -> None:
        self._queue = queue
        self._hold_key = f"{HOLD_META} {backend_url.rstrip('/')}"
        self._retry_base_s = retry_base_s
        self._retry_cap_s = retry_cap_s
        self._clock = clock
        self._monotonic = monotonic
        self._anchor = (clock(), monotonic())
        self._hold_until_monotonic = 0.0

    def delay(self, attempts: int, retry_after_s: float | None = None) -> float:
        """Seconds before a row that failed `attempts` times is tried again."""
        if retry_after_s is not None:
            return min(self._retry_cap_s, retry_after_s)
        exponent = max(0, attempts - 1)
        delay = min(self._retry_cap_s, self._retry_base_s * 2**exponent)
        return delay * random.uniform(0.5, 1.0)  # jitter: kiosks back online spread out

    def after_failed_rounds(self, failures: int) -> float:
        """Seconds before the loop tries again after `failures` rounds raised in a row."""
        exponent = min(failures, 16)  # 2**1024 would overflow
        return min(self._retry_cap_s, self._retry_base_s * 2**exponent)

    def watch_clock(self) -> None:
        """Move stored retry times when the wall clock jumps; cap any that lie beyond the
        longest wait we set (a jump while the kiosk was off)."""
        wall, mono = self._clock(), self._monotonic()
        wall0, mono0 = self._anchor
        drift = (wall - wall0) - (mono - mono0)
        self._anchor = (wall, mono)
        if abs(drift) > CLOCK_JUMP_S:
            log.warning("wall clock jumped by %+.0f s; retry times follow it", drift)
            self._queue.shift_schedule(drift)
            hold = self._queue.store.meta(self._hold_key)
            if hold:
                self._queue.store.set_meta(self._hold_key, repr(float(hold) + drift))
        self._queue.clamp_schedule(wall, self._retry_cap_s + 1.0)

    def hold_remaining(self) -> float:
        """Seconds the server asked us to wait (Retry-After), on the monotonic clock; a
        hold set by another process (kiosk sync --once) is read from the store."""
        remaining = self._hold_until_monotonic - self._monotonic()
        stored = self._queue.store.meta(self._hold_key)
        if stored:
            now = self._clock()
            stored_remaining = float(stored) - now
            if stored_remaining > self._retry_cap_s + 1:
                # Set under a clock that has since gone back (maybe by another process):
                # no hold is longer than the cap, so re-stamp it, or it never ends.
                stored_remaining = self._retry_cap_s
                self._queue.store.set_meta(self._hold_key, repr(now + stored_remaining))
            remaining = max(remaining, stored_remaining)
        return max(0.0, remaining)

    def hold(self, seconds: float) -> None:
        """Send nothing to this backend for `seconds` (within the cap), from any process."""
        seconds = min(self._retry_cap_s, seconds)
        self._hold_until_monotonic = max(self._hold_until_monotonic, self._monotonic() + seconds)
        self._queue.store.set_meta(self._hold_key, repr(self._clock() + seconds))


def retry_after(response: requests.Response, now: float) -> float | None:
    """Seconds from a Retry-After header (delta or HTTP date), on 429 and 503 only."""
    if response.status_code not in (429, 503):
        return None
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - now)
