"""`KioskCore`: the parts wired together, without Qt.

Card events arrive on the device thread, sync reports on the sync thread; the core turns
them into `kiosk.events` for its listeners. Session state is guarded by one lock, since
the GUI thread answers steps while the device thread may end the session (card pulled).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

from drivers.pcsc.service import (
    CardEvent,
    CardFailed,
    CardIdentified,
    CardInserted,
    CardLeft,
    CardReaderService,
    ReadersChanged,
)
from drivers.ssc_profile import SocialSecurityCardProfile
from kiosk import events, messages
from kiosk.config import KioskConfig
from kiosk.faults import crashpoint
from kiosk.flow import FlowRun, Service
from kiosk.services import PENSION_CERTIFICATION
from kiosk.session import Session
from kiosk.submission import Receipt, enqueue_submission
from kiosk.sync import SyncEngine, SyncReport
from kiosk.text import Text
from offline_cache import (
    PayloadSealer,
    QueueFull,
    QueueLimits,
    SubmissionQueue,
    open_database,
)

log = logging.getLogger(__name__)

Listener = Callable[[events.CoreEvent], None]


class KioskCore:
    def __init__(self, config: KioskConfig, service: Service = PENSION_CERTIFICATION) -> None:
        self.config = config
        self.service = service
        self._listeners: list[Listener] = []
        self._lock = threading.RLock()
        self._session: Session | None = None
        self._run: FlowRun | None = None
        self.reader_status: events.ReaderStatusChanged | None = None
        self.db = open_database(config.store_path)
        self.queue = SubmissionQueue(
            self.db,
            PayloadSealer.from_key_file(config.key_path),
            QueueLimits(config.max_unsent_rows, config.min_free_disk_mb * 2**20),
        )
        self.sync = SyncEngine(
            self.queue,
            config.backend_url,
            config.kiosk_id,
            config.backend_token,
            timeout_s=config.sync_timeout_s,
            retry_base_s=config.retry_base_s,
            retry_cap_s=config.retry_cap_s,
            interval_s=config.sync_interval_s,
            retention_days=config.retention_days,
            on_finished=self._on_sync_finished,
            on_progress=lambda done, total: self._emit(events.SyncProgress(done, total)),
        )
        self.cards = CardReaderService(
            SocialSecurityCardProfile(),
            self._on_card_event,
            read_timeout_s=config.card_read_timeout_s,
        )

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _emit(self, event: events.CoreEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("core listener failed on %s", type(event).__name__)

    def start(self) -> None:
        recovered = self.queue.recover_in_flight()
        if recovered:
            log.info("%d submission(s) were in flight at the last stop; sending again", recovered)
        self.cards.start()
        self.sync.start()

    def stop(self) -> None:
        self.cards.stop()
        self.sync.stop()
        self.end_session("shutdown")

    # -- sessions -------------------------------------------------------------------------

    @property
    def run(self) -> FlowRun | None:
        with self._lock:
            return self._run

    def end_session(self, reason: str) -> None:
        with self._lock:
            session, self._session, self._run = self._session, None, None
        if session is not None:
            session.wipe()
            self._emit(events.SessionEnded(reason))

    def submit(self, run: FlowRun) -> Receipt:
        """Store the finished flow durably and return its receipt. Call off the GUI thread.

        Raises QueueFull when the kiosk must not accept more (limits reached, disk full);
        staff get a StaffAlert, the villager is sent to the counter.
        """
        with self._lock:
            if run is not self._run or run.session.ended:
                raise RuntimeError("this session has already ended")
            try:
                receipt = enqueue_submission(
                    run, self.queue, self.config.kiosk_number, self.config.public_status_url
                )
            except QueueFull as error:
                self._alert_staff(messages.QUEUE_FULL_STAFF, str(error))
                raise
            except sqlite3.OperationalError as error:  # "database or disk is full"
                self._alert_staff(messages.QUEUE_FULL_STAFF, f"store write failed: {error}")
                raise QueueFull(str(error)) from error
        crashpoint("after_enqueue")
        self.sync.trigger()
        return receipt

    def _alert_staff(self, message: Text, detail: str) -> None:
        log.error("staff alert: %s (%s)", message.en, detail)
        self._emit(events.StaffAlert(message, detail))

    # -- device thread --------------------------------------------------------------------

    def _on_card_event(self, event: CardEvent) -> None:
        if isinstance(event, ReadersChanged):
            status = events.ReaderStatusChanged(
                event.state,
                messages.READER_STATE[event.state],
                event.detail or ", ".join(event.readers),
            )
            self.reader_status = status
            self._emit(status)
        elif isinstance(event, CardInserted):
            if self._session is None:
                self._emit(events.CardReading(event.reader))
        elif isinstance(event, CardIdentified):
            self._start_session(event)
        elif isinstance(event, CardFailed):
            if self._session is None:
                error = event.error
                self._emit(
                    events.CardProblem(
                        error.kind,
                        messages.card_problem(error.kind),
                        f"{type(error).__name__}: {error}",
                    )
                )
        elif isinstance(event, CardLeft):
            with self._lock:
                ours = self._session is not None and self._session.reader == event.reader
            if ours:
                self.end_session("card_removed")
            else:
                self._emit(events.CardWithdrawn(event.reader))

    def _start_session(self, event: CardIdentified) -> None:
        with self._lock:
            if self._session is not None:
                busy = True
            else:
                busy = False
                self._session = Session(identity=event.identity, reader=event.reader)
                self._run = FlowRun(self.service, self._session)
                run = self._run
        if busy:
            self._emit(events.Notice(messages.SECOND_CARD_IGNORED))
            return
        log.info("session started on %s", event.reader)  # no personal data in logs
        self._emit(
            events.SessionStarted(run, event.detected_at, event.identified_at, event.apdus_sent)
        )

    def _on_sync_finished(self, report: SyncReport) -> None:
        counts = self.queue.counts()
        self._emit(
            events.SyncFinished(report.sent, report.failed, report.quarantined, counts.unsent)
        )
