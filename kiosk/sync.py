"""The sync engine: one sender that moves the outbox to the backend, in batches.

Only an explicit acknowledgement (a JSON result naming our key) marks a row sent; a
captive portal's `200 text/html` is a failure (offline-sync.md, 4). Permanent refusals of
one item (403/409/422) quarantine that row instead of blocking the queue (5); everything
else retries with capped exponential backoff and jitter, or after the server's
Retry-After, keyed by the stored idempotency key (6). One sender at a time (7). Sync runs
after each enqueue, on a timer, on staff's "sync now", and when a probe sees the backend
come back (8). Sent rows are deleted after the retention period (10).

What keeps it alive where kiosks live:
- A round that raises anything is logged with its traceback, reported to staff through
  `on_problem`, and the loop goes on after a backoff; rows it left in flight go back to
  pending. A watchdog thread restarts the loop if it dies or stops beating.
- The health probe only says the network is back: it ends waits that were only for the
  network, never a Retry-After or the backoff after a server error. Retry-After holds
  every path, staff's "sync now" included.
- Waiting uses the monotonic clock; a wall-clock jump moves the stored retry times with
  it, and no stored wait is ever longer than the longest one we set.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests
import urllib3

from kiosk.backend_client import BackendClient
from kiosk.faults import crashpoint
from offline_cache import QueuedSubmission, SubmissionQueue

log = logging.getLogger(__name__)

BATCH_SIZE = 50
PERMANENT_ITEM_STATUSES = {400, 403, 404, 409, 410, 422}
# A whole batch refused as malformed: resend its items one by one so one bad row cannot
# hold the others back.
SPLIT_BATCH_STATUSES = {400, 413, 422}
PROBE_INTERVAL_S = 5.0
CLOCK_JUMP_S = 5.0  # wall and monotonic clocks disagreeing by more: the wall clock moved
BEAT_EVERY_S = 2.0  # the loop's longest sleep between heartbeats
WATCH_EVERY_S = 5.0
HEARTBEAT_FILE_S = 20.0
HOLD_META = "server_hold_until"


@dataclass
class SyncReport:
    sent: int = 0
    failed: int = 0
    quarantined: int = 0
    error: str = ""
    unreachable: bool = False  # the backend could not be reached at all
    held_s: float = 0.0  # the server asked us to wait this much longer: nothing was sent
    busy: bool = False  # another round holds the sender lock: nothing was tried


Progress = Callable[[int, int], None]  # (done, total)


class SyncEngine:
    def __init__(
        self,
        queue: SubmissionQueue,
        backend_url: str,
        kiosk_id: str,
        token: str = "",
        *,
        timeout_s: float = 10.0,
        retry_base_s: float = 5.0,
        retry_cap_s: float = 900.0,
        interval_s: float = 60.0,
        retention_days: float = 7.0,
        batch_size: int = BATCH_SIZE,
        on_finished: Callable[[SyncReport], None] | None = None,
        on_progress: Progress | None = None,
        on_problem: Callable[[str], None] | None = None,
        heartbeat_path: Path | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._queue = queue
        self._base = backend_url.rstrip("/")
        # A Retry-After binds every sender of this store to that backend, `kiosk sync
        # --once` in another process included; it is kept in the store per backend.
        self._hold_key = f"{HOLD_META} {self._base}"
        self._kiosk_id = kiosk_id
        self._timeout_s = timeout_s
        self._retry_base_s = retry_base_s
        self._retry_cap_s = retry_cap_s
        self._interval_s = interval_s
        self._retention = dt.timedelta(days=retention_days)
        self._batch_size = batch_size
        self._on_finished = on_finished
        self._on_progress = on_progress
        self._on_problem = on_problem
        self._heartbeat_path = heartbeat_path
        self._clock = clock
        self._monotonic = monotonic
        self._http = BackendClient(backend_url, token, timeout_s)
        self._prefetch = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-claim")
        self._sending = threading.Lock()  # one sender at a time (guarantee 7)
        self._wake = threading.Event()
        self._force = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._watchdog: threading.Thread | None = None
        self._generation = 0
        self._anchor = (clock(), monotonic())
        self._hold_until_monotonic = 0.0
        self._round_failures = 0
        self._busy_since = monotonic()
        self._rows_may_be_in_flight = False
        self._last_problem = ""
        self.last_beat = monotonic()
        self._beat_written = -HEARTBEAT_FILE_S
        self._problem_written = ""
        self.restarts = 0
        self.offline = False  # the last round could not reach the backend
        self.last_success_at: dt.datetime | None = None
        self.problem = ""  # the last round's unexpected failure, "" once a round succeeds

    # -- the background worker ------------------------------------------------------------

    def start(self) -> None:
        self._stopping.clear()
        self._start_loop()
        self._watchdog = threading.Thread(target=self._watch, name="sync-watchdog", daemon=True)
        self._watchdog.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        for thread in (self._thread, self._watchdog):
            if thread is not None:
                thread.join(timeout)
        self._thread = self._watchdog = None

    @property
    def alive(self) -> bool:
        """The loop thread runs and has beaten recently."""
        thread = self._thread
        return (
            thread is not None
            and thread.is_alive()
            and self._monotonic() - self.last_beat < self._stall_after_s()
        )

    def trigger(self, force: bool = False) -> None:
        """Ask the worker to sync now (after an enqueue, or staff's "sync now")."""
        self._force = self._force or force
        self._wake.set()

    def _start_loop(self) -> None:
        self._generation += 1
        self.last_beat = self._monotonic()
        self._thread = threading.Thread(
            target=self._run, args=(self._generation,), name="sync", daemon=True
        )
        self._thread.start()

    def _stall_after_s(self) -> float:
        # One request may take timeout_s (connect, then read); a round sends batches one
        # after another and beats between them.
        return 3 * self._timeout_s + 60.0

    def _watch(self) -> None:
        """Restart the loop if it died or stopped beating (ODK Collect #4513: auto-send
        stuck until a reboot)."""
        while not self._stopping.wait(WATCH_EVERY_S):
            thread = self._thread
            if thread is None or not thread.is_alive():
                reason = "the sync loop stopped"
            elif self._monotonic() - self.last_beat > self._stall_after_s():
                reason = (
                    f"the sync loop has not moved for {self._monotonic() - self.last_beat:.0f} s"
                )
            else:
                continue
            if self._stopping.is_set():
                return
            self.restarts += 1
            self._report_problem(f"{reason}; restarted it (restart {self.restarts})")
            self._start_loop()

    def _run(self, generation: int) -> None:
        while not self._stopping.is_set() and generation == self._generation:
            self._beat()
            try:
                wait = self._round()
                self._round_failures = 0
            except Exception as error:  # noqa: BLE001 - the loop must outlive any round
                self._round_failures += 1
                self._rows_may_be_in_flight = True
                log.exception("sync round failed (%d in a row)", self._round_failures)
                self._report_problem(f"sync round failed: {type(error).__name__}: {error}")
                exponent = min(self._round_failures, 16)  # 2**1024 would overflow
                wait = min(self._retry_cap_s, self._retry_base_s * 2**exponent)
            self._sleep(wait, generation)

    def _sleep(self, seconds: float, generation: int) -> None:
        """Wait on the monotonic clock, beating, until woken or `seconds` pass."""
        deadline = self._monotonic() + max(0.05, seconds)
        while not self._stopping.is_set() and generation == self._generation:
            left = deadline - self._monotonic()
            if left <= 0:
                return
            if self._wake.wait(min(left, BEAT_EVERY_S)):
                self._wake.clear()
                return
            self._beat()

    def _beat(self) -> None:
        self.last_beat = self._monotonic()
        if self._heartbeat_path is None:
            return
        # The file is for doctor (stale after >= 63 s): written every HEARTBEAT_FILE_S, not
        # every beat, so years of beats do not wear a kiosk's SD card.
        fresh = self.last_beat - self._beat_written < HEARTBEAT_FILE_S
        if fresh and self.problem == self._problem_written:
            return  # a new problem is written at once, the rest every HEARTBEAT_FILE_S
        self._beat_written, self._problem_written = self.last_beat, self.problem
        record = {
            "pid": os.getpid(),
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "problem": self.problem,
            "unsent_wait_for_key": self._queue.key_problem is not None,
        }
        temporary = self._heartbeat_path.with_name(self._heartbeat_path.name + ".tmp")
        try:
            temporary.write_text(json.dumps(record), encoding="utf-8")
            os.replace(temporary, self._heartbeat_path)
        except OSError as error:  # a full disk must not stop the loop
            log.debug("heartbeat not written: %s", error)

    def _report_problem(self, message: str) -> None:
        self.problem = message
        if message == self._last_problem:
            return  # one alert per distinct problem, not one per retry
        self._last_problem = message
        log.error("sync: %s", message)
        if self._on_problem is not None:
            try:
                self._on_problem(message)
            except Exception:  # noqa: BLE001
                log.exception("sync problem listener failed")

    def _round(self) -> float:
        """One turn of the loop; returns how long to wait before the next."""
        self._watch_clock()
        if self._rows_may_be_in_flight:
            self._queue.recover_in_flight()  # a failed round may have left some claimed
            self._rows_may_be_in_flight = False
        # Every round: heals a deleted key file from memory, notices a changed key.
        if not self._queue.reload_key():
            self._report_problem(f"queue key: {self._queue.key_problem}")
            return self._interval_s  # nothing can be sent until a maintainer acts
        if self._queue.epoch is None and self.fetch_epoch() is None:
            self._report_problem(self._queue.refusal() or "no epoch")
        force, self._force = self._force, False
        if self.offline and not force:
            if not self._backend_reachable():
                return PROBE_INTERVAL_S
            # The network is back: rows that only waited for it are due; waits the server
            # asked for stay (offline-sync.md: a probe must not bypass Retry-After).
            self.offline = False
            self._queue.end_network_waits()
        report = self.sync_once(force=force)
        if report.busy:
            stuck_s = self._monotonic() - self._busy_since
            if stuck_s > self._stall_after_s():
                # A superseded round still holds the sender lock (a request that never
                # ends): keep saying so rather than look healthy while nothing moves.
                self._report_problem("a sync round is stuck; nothing is being sent")
            return BEAT_EVERY_S
        self._busy_since = self._monotonic()
        if not report.error or report.sent:
            self.problem = ""  # a round that worked clears the last problem
            self._last_problem = ""
        if self._on_finished is not None:
            self._on_finished(report)
        return self._seconds_until_next_round()

    def _seconds_until_next_round(self) -> float:
        wait = self._interval_s
        if self.offline:
            wait = min(wait, PROBE_INTERVAL_S)
        earliest = self._queue.earliest_retry_at()
        if earliest is not None:
            wait = min(wait, earliest - self._clock())
        hold = self._hold_remaining()
        if hold > 0:
            wait = max(wait, hold)
        return max(0.05, wait)

    def _backend_reachable(self) -> bool:
        return self._http.reachable()

    # -- clocks ---------------------------------------------------------------------------

    def _watch_clock(self) -> None:
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

    def _hold_remaining(self) -> float:
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

    def _hold(self, seconds: float) -> None:
        seconds = min(self._retry_cap_s, seconds)
        self._hold_until_monotonic = max(self._hold_until_monotonic, self._monotonic() + seconds)
        self._queue.store.set_meta(self._hold_key, repr(self._clock() + seconds))

    # -- numbering ------------------------------------------------------------------------

    def fetch_epoch(self) -> int | None:
        """Ask the backend which store epochs this kiosk used, and take the next one (a
        store with no ledger: a new kiosk, or a wiped data directory)."""
        try:
            response = self._http.get("/api/v1/kiosk")
            if response.status_code != 200:
                log.info("epoch: backend answered HTTP %s", response.status_code)
                return None
            max_epoch = response.json().get("max_epoch")
        except (requests.RequestException, ValueError, AttributeError) as error:
            log.info("epoch: backend not reachable (%s)", type(error).__name__)
            return None
        if max_epoch is not None and not isinstance(max_epoch, int):
            return None
        return self._queue.assign_epoch(max_epoch, asked=True)

    # -- one round ------------------------------------------------------------------------

    def sync_once(self, force: bool = False) -> SyncReport:
        """Send every due row, oldest first, in batches. `force` (staff's "sync now",
        `kiosk sync --once`) ignores the backoff, never the server's Retry-After.

        The next batch is claimed (read, unsealed, marked in flight) on a helper thread
        while the current batch's request is on the wire.
        """
        report = SyncReport()
        if not self._sending.acquire(timeout=BEAT_EVERY_S):
            report.error = "another sync round is still running"
            report.busy = True
            return report
        try:
            held = self._hold_remaining()
            if held > 0:
                report.held_s = held
                report.error = f"the backend asked us to wait {held:.0f} s more"
                return report
            now = float("inf") if force else self._clock()
            total = self._queue.count_due(now)
            batch = self._claim(now, 0)
            while batch:
                self._beat()
                upcoming = None
                if not self._stopping.is_set():
                    upcoming = self._prefetch.submit(self._claim, now, batch[-1].id)
                reachable = self._send_batch(batch, report)
                batch = upcoming.result() if upcoming is not None else []
                if self._on_progress is not None:
                    self._on_progress(report.sent + report.quarantined, total)
                if not reachable or self._stopping.is_set():
                    # The backend is unwell (or we are stopping): give the claimed batch
                    # back untouched and keep the order for the next round.
                    self._queue.release([item.id for item in batch])
                    break
            self.offline = report.unreachable
            if report.sent:
                self.last_success_at = dt.datetime.now(dt.UTC)
            self._queue.purge_sent(dt.datetime.now(dt.UTC), self._retention)
            return report
        finally:
            self._sending.release()

    def _body(self, item: QueuedSubmission) -> dict:
        body = {
            "idempotency_key": item.idempotency_key,
            "kiosk_id": self._kiosk_id,
            "service_id": item.service_id,
            "tracking_number": item.tracking_number,
            "created_at": item.created_at,
            "payload": item.payload,
        }
        if item.payload.get("training") is True:
            body["training"] = True
        return body

    def _claim(self, now: float, after_id: int) -> list[QueuedSubmission]:
        """The next batch, marked in flight before any request carries it: a crash after
        sending leaves rows that are simply sent again, and the server's idempotency
        turns that into a replay."""
        items = self._queue.claim(
            now=now, limit=self._batch_size, after_id=after_id, lease_s=self._stall_after_s()
        )
        if items:
            crashpoint("after_mark_in_flight")
        return items

    def _send_batch(self, items: list[QueuedSubmission], report: SyncReport) -> bool:
        """Send one claimed batch; returns False when the backend could not take it."""
        try:
            response = self._post_within(
                "/api/v1/submissions/batch",
                {"submissions": [self._body(item) for item in items]},
            )
        except requests.RequestException as error:
            report.unreachable = True
            self._retry_later(items, f"network: {type(error).__name__}", report, kind="network")
            return False
        crashpoint("after_answer")
        if response.status_code in SPLIT_BATCH_STATUSES:
            if len(items) > 1:
                # Every row gets its own answer; none is left in flight.
                return all([self._send_batch([item], report) for item in items])
            self._queue.mark_quarantined(items[0].id, f"refused: HTTP {response.status_code}")
            report.quarantined += 1
            return True
        results = _batch_results(response, len(items))
        if results is None:
            reason = f"HTTP {response.status_code} {response.headers.get('content-type', '')}"
            retry_after = _retry_after(response, self._clock())
            if retry_after is not None:
                self._hold(retry_after)
            self._retry_later(items, reason.strip(), report, retry_after, kind="server")
            return False
        sent: list[int] = []
        retry: list[QueuedSubmission] = []
        for item, result in zip(items, results, strict=True):
            status = result.get("status")
            ack = result.get("ack") or {}
            if status in (200, 201) and _acknowledges(ack, item):
                sent.append(item.id)
            elif status in PERMANENT_ITEM_STATUSES:
                detail = _item_error(result)
                self._queue.mark_quarantined(item.id, f"refused: HTTP {status} {detail}")
                log.warning(
                    "submission %s quarantined (HTTP %s %s)", item.tracking_number, status, detail
                )
                report.quarantined += 1
            else:
                retry.append(item)
        if sent:
            self._queue.mark_sent(sent, dt.datetime.now(dt.UTC))
            report.sent += len(sent)
        if retry:
            self._retry_later(retry, "no acknowledgement for the item", report, kind="server")
        return True

    def _post_within(self, path: str, body: dict) -> requests.Response:
        """POST with a deadline on the whole answer, not only on each read: a server that
        trickles its body a byte at a time must not hold the sender forever."""
        limit_s = 2 * self._timeout_s
        deadline = self._monotonic() + limit_s
        response = self._http.post(path, body, stream=True)
        chunks = []
        try:
            # read1: whatever has arrived (not a full chunk), so the deadline is checked
            # between every few bytes of a trickle.
            while chunk := response.raw.read1(65536, decode_content=True):
                chunks.append(chunk)
                if self._monotonic() > deadline:
                    raise requests.Timeout(f"answer not complete within {limit_s:g} s")
        except urllib3.exceptions.HTTPError as error:
            raise requests.ConnectionError(str(error)) from error
        finally:
            response.close()
        response._content = b"".join(chunks)  # what requests keeps after a full read
        return response

    def _retry_later(
        self,
        items: list[QueuedSubmission],
        reason: str,
        report: SyncReport,
        retry_after_s: float | None = None,
        *,
        kind: str,
    ) -> None:
        now = self._clock()
        retries = []
        for item in items:
            if retry_after_s is not None:
                delay = min(self._retry_cap_s, retry_after_s)
            else:
                exponent = max(0, item.attempts - 1)
                delay = min(self._retry_cap_s, self._retry_base_s * 2**exponent)
                delay *= random.uniform(0.5, 1.0)  # jitter: kiosks back online spread out
            retries.append((item.id, reason, now + delay, kind))
        self._queue.mark_failed(retries)
        report.failed += len(items)
        report.error = reason
        log.info("sync of %d submission(s) failed (%s)", len(items), reason)


def _batch_results(response: requests.Response, expected: int) -> list[dict] | None:
    """The per-item results of a batch answer, or None if it is not one."""
    if response.status_code != 200:
        return None
    if not response.headers.get("content-type", "").startswith("application/json"):
        return None  # e.g. a captive portal's HTML page
    try:
        results = response.json().get("results")
    except (ValueError, AttributeError):
        return None
    if not isinstance(results, list) or len(results) != expected:
        return None
    if not all(isinstance(r, dict) and r.get("index") == i for i, r in enumerate(results)):
        return None
    return results


def _acknowledges(ack: object, item: QueuedSubmission) -> bool:
    return (
        isinstance(ack, dict)
        and ack.get("accepted") is True
        and ack.get("idempotency_key") == item.idempotency_key
        and ack.get("tracking_number") == item.tracking_number
    )


def _item_error(result: dict) -> str:
    error = result.get("error")
    text = error if isinstance(error, str) else json.dumps(error)[:200] if error else ""
    return text[:200]


def _retry_after(response: requests.Response, now: float) -> float | None:
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
