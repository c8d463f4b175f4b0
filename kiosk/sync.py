"""The sync engine: one sender that moves the outbox to the backend.

Only an explicit acknowledgement (201/200 JSON naming our key) marks a row sent; a
captive portal's `200 text/html` is a failure (offline-sync.md, guarantee 4). Permanent
refusals go to quarantine instead of blocking the queue; everything else retries with
capped exponential backoff and jitter, keyed by the stored idempotency key.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from offline_cache import QueuedSubmission, SubmissionQueue

log = logging.getLogger(__name__)

PERMANENT_STATUSES = {400, 404, 409, 410, 413, 422}


@dataclass
class SyncReport:
    sent: int = 0
    failed: int = 0
    quarantined: int = 0
    error: str = ""


class SyncEngine:
    def __init__(
        self,
        queue: SubmissionQueue,
        backend_url: str,
        kiosk_id: str,
        *,
        timeout_s: float = 10.0,
        retry_base_s: float = 5.0,
        retry_cap_s: float = 900.0,
        interval_s: float = 60.0,
        on_finished: Callable[[SyncReport], None] | None = None,
    ) -> None:
        self._queue = queue
        self._url = backend_url.rstrip("/") + "/api/v1/submissions"
        self._kiosk_id = kiosk_id
        self._timeout_s = timeout_s
        self._retry_base_s = retry_base_s
        self._retry_cap_s = retry_cap_s
        self._interval_s = interval_s
        self._on_finished = on_finished
        self._http = requests.Session()
        self._sending = threading.Lock()  # one sender at a time (guarantee 7)
        self._wake = threading.Event()
        self._force = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

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
            report = self.sync_once(force=force)
            if self._on_finished is not None and (report.sent or report.failed or report.error):
                self._on_finished(report)
            self._wake.wait(self._seconds_until_next_round())
            self._wake.clear()

    def _seconds_until_next_round(self) -> float:
        earliest = self._queue.earliest_retry_at()
        if earliest is None:
            return self._interval_s
        return max(0.05, min(self._interval_s, earliest - time.time()))

    # -- one round ------------------------------------------------------------------------

    def sync_once(self, force: bool = False) -> SyncReport:
        """Send every due row, oldest first. `force` ignores the backoff times."""
        with self._sending:
            report = SyncReport()
            while not self._stopping.is_set():
                due = self._queue.due(now=float("inf") if force else time.time())
                if not due:
                    break
                for item in due:
                    outcome = self._send(item)
                    if outcome == "sent":
                        report.sent += 1
                    elif outcome == "quarantined":
                        report.quarantined += 1
                    else:
                        report.failed += 1
                        report.error = outcome
                        return report  # the backend is unwell: stop this round, keep order
            return report

    def _send(self, item: QueuedSubmission) -> str:
        # In flight is committed before the request: a crash after sending leaves a row
        # that is simply sent again, and the server's idempotency turns that into a replay.
        self._queue.mark_in_flight([item.id])
        body = {
            "idempotency_key": item.idempotency_key,
            "kiosk_id": self._kiosk_id,
            "service_id": item.service_id,
            "tracking_number": item.tracking_number,
            "created_at": item.created_at,
            "payload": item.payload,
        }
        try:
            response = self._http.post(
                self._url,
                json=body,
                headers={"Idempotency-Key": item.idempotency_key},
                timeout=self._timeout_s,
            )
        except requests.RequestException as error:
            return self._retry_later(item, f"network: {type(error).__name__}")
        if response.status_code in (200, 201) and self._acknowledges(response, item):
            self._queue.mark_sent([item.id], dt.datetime.now(dt.UTC))
            return "sent"
        if response.status_code in PERMANENT_STATUSES:
            self._queue.mark_quarantined(item.id, f"HTTP {response.status_code}")
            log.warning(
                "submission %s quarantined: HTTP %s", item.tracking_number, response.status_code
            )
            return "quarantined"
        return self._retry_later(item, f"HTTP {response.status_code}")

    @staticmethod
    def _acknowledges(response: requests.Response, item: QueuedSubmission) -> bool:
        if not response.headers.get("content-type", "").startswith("application/json"):
            return False
        try:
            ack = response.json()
        except ValueError:
            return False
        return (
            isinstance(ack, dict)
            and ack.get("accepted") is True
            and ack.get("idempotency_key") == item.idempotency_key
        )

    def _retry_later(self, item: QueuedSubmission, reason: str) -> str:
        delay = min(self._retry_cap_s, self._retry_base_s * 2 ** max(0, item.attempts))
        delay *= random.uniform(0.5, 1.0)  # jitter: kiosks coming back online spread out
        self._queue.mark_failed([item.id], reason, time.time() + delay)
        log.info("sync of %s failed (%s); retry in %.0f s", item.tracking_number, reason, delay)
        return reason
