"""The sync engine: one sender that moves the outbox to the backend, in batches.

Only an explicit acknowledgement (a JSON result naming our key) marks a row sent; a
captive portal's `200 text/html` is a failure (offline-sync.md, 4). Permanent refusals of
one item (403/409/422) quarantine that row instead of blocking the queue (5); everything
else retries with capped exponential backoff and jitter, or after the server's
Retry-After, keyed by the stored idempotency key (6). One sender at a time (7). Sync runs
after each enqueue, on a timer, on staff's "sync now", and when a probe sees the backend
come back (8). Sent rows are deleted after the retention period (10).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from kiosk.faults import crashpoint
from offline_cache import QueuedSubmission, SubmissionQueue

log = logging.getLogger(__name__)

BATCH_SIZE = 50
PERMANENT_ITEM_STATUSES = {400, 403, 404, 409, 410, 422}
# A whole batch refused as malformed: resend its items one by one so one bad row cannot
# hold the others back.
SPLIT_BATCH_STATUSES = {400, 413, 422}
PROBE_INTERVAL_S = 5.0


@dataclass
class SyncReport:
    sent: int = 0
    failed: int = 0
    quarantined: int = 0
    error: str = ""


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
    ) -> None:
        self._queue = queue
        self._base = backend_url.rstrip("/")
        self._kiosk_id = kiosk_id
        self._timeout_s = timeout_s
        self._retry_base_s = retry_base_s
        self._retry_cap_s = retry_cap_s
        self._interval_s = interval_s
        self._retention = dt.timedelta(days=retention_days)
        self._batch_size = batch_size
        self._on_finished = on_finished
        self._on_progress = on_progress
        self._http = requests.Session()
        self._prefetch = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-claim")
        self._http.headers["Authorization"] = f"Bearer {token}"
        self._sending = threading.Lock()  # one sender at a time (guarantee 7)
        self._wake = threading.Event()
        self._force = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.offline = False  # the last round could not reach the backend
        self.last_success_at: dt.datetime | None = None

    # -- the background worker ------------------------------------------------------------

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def trigger(self, force: bool = False) -> None:
        """Ask the worker to sync now (after an enqueue, or staff's "sync now")."""
        self._force = self._force or force
        self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            force, self._force = self._force, False
            if self.offline and not force and self._backend_reachable():
                force = True  # the network is back: do not wait for the backoff timers
            if force or not self.offline or self._queue.count_due(time.time()):
                report = self.sync_once(force=force)
                if self._on_finished is not None:
                    self._on_finished(report)
            self._wake.wait(self._seconds_until_next_round())
            self._wake.clear()

    def _seconds_until_next_round(self) -> float:
        wait = self._interval_s
        if self.offline:
            wait = min(wait, PROBE_INTERVAL_S)
        earliest = self._queue.earliest_retry_at()
        if earliest is not None:
            wait = min(wait, earliest - time.time())
        return max(0.05, wait)

    def _backend_reachable(self) -> bool:
        try:
            return self._http.get(self._base + "/healthz", timeout=2).ok
        except requests.RequestException:
            return False

    # -- one round ------------------------------------------------------------------------

    def sync_once(self, force: bool = False) -> SyncReport:
        """Send every due row, oldest first, in batches. `force` ignores backoff times.

        The next batch is claimed (read, unsealed, marked in flight) on a helper thread
        while the current batch's request is on the wire.
        """
        with self._sending:
            report = SyncReport()
            now = float("inf") if force else time.time()
            total = self._queue.count_due(now)
            batch = self._claim(now)
            while batch:
                upcoming = None
                if not self._stopping.is_set():
                    upcoming = self._prefetch.submit(self._claim, now)
                reachable = self._send_batch(batch, report)
                batch = upcoming.result() if upcoming is not None else []
                if self._on_progress is not None:
                    self._on_progress(report.sent + report.quarantined, total)
                if not reachable or self._stopping.is_set():
                    # The backend is unwell (or we are stopping): give the claimed batch
                    # back untouched and keep the order for the next round.
                    self._queue.release([item.id for item in batch])
                    break
            self.offline = bool(report.error) and report.sent == 0
            if report.sent:
                self.last_success_at = dt.datetime.now(dt.UTC)
            self._queue.purge_sent(dt.datetime.now(dt.UTC) - self._retention)
            return report

    def _body(self, item: QueuedSubmission) -> dict:
        return {
            "idempotency_key": item.idempotency_key,
            "kiosk_id": self._kiosk_id,
            "service_id": item.service_id,
            "tracking_number": item.tracking_number,
            "created_at": item.created_at,
            "payload": item.payload,
        }

    def _claim(self, now: float) -> list[QueuedSubmission]:
        """The next batch, marked in flight before any request carries it: a crash after
        sending leaves rows that are simply sent again, and the server's idempotency
        turns that into a replay."""
        items = self._queue.due(now=now, limit=self._batch_size)
        if items:
            self._queue.mark_in_flight(item.id for item in items)
            crashpoint("after_mark_in_flight")
        return items

    def _send_batch(self, items: list[QueuedSubmission], report: SyncReport) -> bool:
        """Send one claimed batch; returns False when the backend could not take it."""
        try:
            response = self._http.post(
                self._base + "/api/v1/submissions/batch",
                json={"submissions": [self._body(item) for item in items]},
                timeout=self._timeout_s,
            )
        except requests.RequestException as error:
            self._retry_later(items, f"network: {type(error).__name__}", report)
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
            self._retry_later(items, reason.strip(), report, _retry_after(response))
            return False
        sent: list[int] = []
        retry: list[QueuedSubmission] = []
        for item, result in zip(items, results, strict=True):
            status = result.get("status")
            ack = result.get("ack") or {}
            if status in (200, 201) and _acknowledges(ack, item):
                sent.append(item.id)
            elif status in PERMANENT_ITEM_STATUSES:
                self._queue.mark_quarantined(item.id, f"refused: HTTP {status}")
                log.warning("submission %s quarantined (HTTP %s)", item.tracking_number, status)
                report.quarantined += 1
            else:
                retry.append(item)
        if sent:
            self._queue.mark_sent(sent, dt.datetime.now(dt.UTC))
            report.sent += len(sent)
        if retry:
            self._retry_later(retry, "no acknowledgement for the item", report)
        return True

    def _retry_later(
        self,
        items: list[QueuedSubmission],
        reason: str,
        report: SyncReport,
        retry_after_s: float | None = None,
    ) -> None:
        now = time.time()
        retries = []
        for item in items:
            if retry_after_s is not None:
                delay = min(self._retry_cap_s, retry_after_s)
            else:
                delay = min(self._retry_cap_s, self._retry_base_s * 2 ** max(0, item.attempts))
                delay *= random.uniform(0.5, 1.0)  # jitter: kiosks back online spread out
            retries.append((item.id, reason, now + delay))
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


def _retry_after(response: requests.Response) -> float | None:
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
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
