"""The sync engine: one sender that moves the outbox to the backend, in batches.

Only an explicit acknowledgement (a JSON result naming our key) marks a row sent; a
captive portal's `200 text/html` is a failure (offline-sync.md, 4). Permanent refusals of
one item (403/409/422) quarantine that row instead of blocking the queue (5); everything
else retries with capped exponential backoff and jitter, or after the server's
Retry-After, keyed by the stored idempotency key (6; kiosk/retry_schedule.py). One sender
at a time (7). Sync runs after each enqueue, on a timer, on staff's "sync now", and when a
probe sees the backend come back (8). Sent rows are deleted after the retention period (10).

The engine is a `SyncLoop` (kiosk/sync_loop.py: the `sync` thread, its watchdog and
heartbeat, a round that raises logged and reported to staff). Here: what one round does.
The health probe only says the network is back: it ends waits that were only for the
network, never a Retry-After or the backoff after a server error. Retry-After holds every
path, staff's "sync now" included.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

from kiosk.backend_client import BackendClient
from kiosk.crash_drill import crashpoint
from kiosk.retry_schedule import RetrySchedule, retry_after
from kiosk.sync_answers import (
    PERMANENT_ITEM_STATUSES,
    SPLIT_BATCH_STATUSES,
    RecordRoute,
    acknowledges,
    batch_results,
    item_error,
    post_within,
)
from kiosk.sync_loop import BEAT_EVERY_S, SyncLoop
from offline_cache import QueuedSubmission, SubmissionQueue

log = logging.getLogger(__name__)

BATCH_SIZE = 50
PROBE_INTERVAL_S = 5.0


@dataclass
class SyncReport:
    sent: int = 0
    failed: int = 0
    quarantined: int = 0
    error: str = ""
    unreachable: bool = False  # the backend could not be reached at all
    held_s: float = 0.0  # the server asked us to wait this much longer: nothing was sent
    busy: bool = False  # another round holds the sender lock: nothing was tried
    records: int = 0  # other records acknowledged (usage batches), not counted in `sent`


Progress = Callable[[int, int], None]  # (done, total)


class SyncEngine(SyncLoop):
    """Sends one store's outbox to one backend: `sync_once()` here, or `start()` for the
    `sync` thread (SyncLoop)."""

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
        routes: dict[str, RecordRoute] | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(on_problem=on_problem, heartbeat_path=heartbeat_path, monotonic=monotonic)
        self._queue = queue
        # A Retry-After binds every sender of this store to that backend, `kiosk sync
        # --once` in another process included; it is kept in the store per backend.
        self._schedule = RetrySchedule(
            queue,
            backend_url,
            retry_base_s=retry_base_s,
            retry_cap_s=retry_cap_s,
            clock=clock,
            monotonic=monotonic,
        )
        self._kiosk_id = kiosk_id
        self._timeout_s = timeout_s
        self._interval_s = interval_s
        self._retention = dt.timedelta(days=retention_days)
        self._batch_size = batch_size
        self._on_finished = on_finished
        self._on_progress = on_progress
        self._routes = routes or {}  # records that are not submissions, by service_id
        self._clock = clock
        self._http = BackendClient(backend_url, token, timeout_s)
        self._prefetch = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-claim")
        self._sending = threading.Lock()  # one sender at a time (guarantee 7)
        self._busy_since = monotonic()
        self._rows_may_be_in_flight = False
        self.offline = False  # the last round could not reach the backend
        self._closed = False

    def close(self) -> None:
        """Stop the loop (if started) and let go of its connections and claim thread, for
        good: a closed engine refuses to start or sync rather than half-work.

        A round asked for once the line pauses (`trigger_when_quiet`) runs first, unless
        the backend was out of reach: the process stopping (a `kiosk verify`, the service)
        would never see that pause."""
        if self.quiet_round_pending and not self.offline and not self._closed:
            try:
                self.sync_once()
            except Exception:  # noqa: BLE001 - closing must go on; the rows stay queued
                log.exception("the last sync round before closing failed")
        self._closed = True
        self.stop()
        self._http.close()
        self._prefetch.shutdown(wait=True)

    def start(self) -> None:
        if self._closed:
            raise RuntimeError("this sync engine is closed")
        super().start()

    # -- the loop's round -----------------------------------------------------------------

    def _stall_after_s(self) -> float:
        # One request may take timeout_s (connect, then read); a round sends batches one
        # after another and beats between them.
        return 3 * self._timeout_s + 60.0

    def _after_failed_round(self, failures: int) -> float:
        self._rows_may_be_in_flight = True
        return self._schedule.after_failed_rounds(failures)

    def _heartbeat_record(self) -> dict:
        return {
            **super()._heartbeat_record(),
            "unsent_wait_for_key": self._queue.key_problem is not None,
        }

    def _round(self) -> float:
        """One turn of the loop; returns how long to wait before the next."""
        self._schedule.watch_clock()
        if self._rows_may_be_in_flight:
            self._queue.recover_in_flight()  # a failed round may have left some claimed
            self._rows_may_be_in_flight = False
        # Every round: heals a deleted key file from memory, notices a changed key.
        if not self._queue.reload_key():
            self._report_problem(f"queue key: {self._queue.key_problem}")
            return self._interval_s  # nothing can be sent until a maintainer acts
        if self._queue.epoch is None and self.fetch_epoch() is None:
            self._report_problem(self._queue.refusal() or "no epoch")
        force = self._take_force()
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
        if not report.error or report.sent or report.records:
            self._clear_problem()  # a round that worked clears the last problem
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
        hold = self._schedule.hold_remaining()
        if hold > 0:
            wait = max(wait, hold)
        return max(0.05, wait)

    def _backend_reachable(self) -> bool:
        return self._http.reachable()

    def _hold(self, seconds: float) -> None:
        """The server asked us to wait (Retry-After): hold every sender to this backend."""
        self._schedule.hold(seconds)

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
        if self._closed:
            raise RuntimeError("this sync engine is closed")
        report = SyncReport()
        if not self._sending.acquire(timeout=BEAT_EVERY_S):
            report.error = "another sync round is still running"
            report.busy = True
            return report
        try:
            held = self._schedule.hold_remaining()
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
        """Send one claimed batch (submissions in one request, other records each to its
        route); returns False when the backend could not take it."""
        records = [item for item in items if item.service_id in self._routes]
        submissions = [item for item in items if item.service_id not in self._routes]
        reachable = not submissions or self._send_submissions(submissions, report)
        for position, item in enumerate(records):
            if not reachable:
                self._queue.release([i.id for i in records[position:]])
                break
            reachable = self._send_record(item, self._routes[item.service_id], report)
        return reachable

    def _send_record(self, item: QueuedSubmission, route: RecordRoute, report: SyncReport) -> bool:
        """One record to its own endpoint, with the submissions' retry and quarantine."""
        try:
            response = self._post_within(route.path, route.body(item))
        except requests.RequestException as error:
            # Not `unreachable`: a record never puts the engine in offline mode, so the
            # submissions' path is what it was without records.
            self._retry_later([item], f"network: {type(error).__name__}", report, kind="network")
            return False
        if route.acknowledged(response, item):
            self._queue.mark_sent([item.id], dt.datetime.now(dt.UTC))
            report.records += 1
        elif response.status_code in PERMANENT_ITEM_STATUSES | SPLIT_BATCH_STATUSES:
            self._queue.mark_quarantined(item.id, f"refused: HTTP {response.status_code}")
            report.quarantined += 1
        else:
            wait_s = retry_after(response, self._clock())
            if wait_s is not None:
                self._hold(wait_s)
            reason = f"{route.path}: HTTP {response.status_code}"
            self._retry_later([item], reason, report, wait_s, kind="server")
            return False
        return True

    def _send_submissions(self, items: list[QueuedSubmission], report: SyncReport) -> bool:
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
                return all([self._send_submissions([item], report) for item in items])
            self._queue.mark_quarantined(items[0].id, f"refused: HTTP {response.status_code}")
            report.quarantined += 1
            return True
        results = batch_results(response, len(items))
        if results is None:
            reason = f"HTTP {response.status_code} {response.headers.get('content-type', '')}"
            wait_s = retry_after(response, self._clock())
            if wait_s is not None:
                self._hold(wait_s)
            self._retry_later(items, reason.strip(), report, wait_s, kind="server")
            return False
        sent: list[int] = []
        retry: list[QueuedSubmission] = []
        for item, result in zip(items, results, strict=True):
            status = result.get("status")
            ack = result.get("ack") or {}
            if status in (200, 201) and acknowledges(ack, item):
                sent.append(item.id)
            elif status in PERMANENT_ITEM_STATUSES:
                detail = item_error(result)
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
        return post_within(self._http, path, body, 2 * self._timeout_s, self._monotonic)

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
        retries = [
            (item.id, reason, now + self._schedule.delay(item.attempts, retry_after_s), kind)
            for item in items
        ]
        self._queue.mark_failed(retries)
        report.failed += len(items)
        report.error = reason
        log.info("sync of %d submission(s) failed (%s)", len(items), reason)
