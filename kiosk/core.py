"""`KioskCore`: the parts wired together, without Qt.

Card events arrive on the device thread, sync reports on the sync thread; the core turns
them into `kiosk.events` for its listeners. Session state is guarded by one lock, since
the GUI thread answers steps while the device thread may end the session (card pulled).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import replace

from drivers.events import (
    CardEvent,
    CardFailed,
    CardIdentified,
    CardInserted,
    CardLeft,
)
from kiosk import events, messages
from kiosk.backend_client import BackendClient
from kiosk.card_desk import SOCIAL_SECURITY_READER, CardDesk
from kiosk.catalog import CatalogModel, PolicyModel, ServiceModel
from kiosk.catalog_keeper import CatalogKeeper
from kiosk.config import KioskConfig
from kiosk.crash_drill import crashpoint
from kiosk.display_facts import DisplayDesk
from kiosk.flow import FlowRun, check_card, check_eligibility, matching_policies
from kiosk.journey import (
    Outcome,
    ReceiptOutcome,
    StatusAnswer,
    look_up_status,
    policies_result,
    status_result,
)
from kiosk.outbox import check_can_accept, open_queue, sync_engine
from kiosk.problems import Problem, kiosk_problems
from kiosk.rating import rating_payload
from kiosk.receipt_printing import ReceiptPrinter
from kiosk.session import Session
from kiosk.staff import AuditLog, PinGuard, StaffSettings
from kiosk.staff_console import StaffConsole
from kiosk.submission import Receipt, build_payload, enqueue_rating, enqueue_submission
from kiosk.sync import SyncReport
from kiosk.text import Text
from kiosk.usage_hooks import usage_for_core
from kiosk.verification import Verifier
from offline_cache import QueueFull

log = logging.getLogger(__name__)

Listener = Callable[[events.CoreEvent], None]

# Verifier checks are synced once none has been recorded for this long: between villagers.
CHECKS_SYNC_QUIET_S = 1.0


class KioskCore:
    def __init__(
        self, config: KioskConfig, *, training: bool = False, mode: str | None = None
    ) -> None:
        self.config = config
        self.training = training  # kiosk simulate --training: submissions marked 培训
        self._mode = mode  # `kiosk verify`, `simulate --verifier`: over staff's setting
        self._listeners: list[Listener] = []
        self._lock = threading.RLock()
        self._session: Session | None = None
        self._run: FlowRun | None = None
        self._pending_rating: tuple[str, str | None] | None = None
        # Cards read on another reader while a session ran (a villager with both cards,
        # the next in line): the first still there starts the next session.
        self._waiting: dict[str, CardIdentified] = {}
        self.reader_status: events.ReaderStatusChanged | None = None
        self.queue = open_queue(config)
        self.store = self.queue.store
        self.audit = AuditLog(self.store)
        if self.store.repair is not None:
            self.audit.record("store_repaired", self.store.repair.summary[:500])
        self.pin = PinGuard(self.store, self.audit)
        self.settings = StaffSettings(self.store, self.audit, config)
        self.catalogs = CatalogKeeper(config.data_dir, self.audit)
        # Look-ups and catalog pulls run on the background worker: its own client.
        self.backend = BackendClient.from_config(config)
        self.staff = StaffConsole(self)
        self.sync = sync_engine(
            config,
            self.queue,
            on_finished=self._on_sync_finished,
            on_progress=lambda done, total: self._emit(events.SyncProgress(done, total)),
            on_problem=lambda detail: self._alert_staff(messages.SYNC_PROBLEM, detail),
            heartbeat=True,
        )
        self.verifier = Verifier(
            config, self.queue, self._emit, self._sync_checks_when_quiet, training
        )
        self.cards = CardDesk(config, self._on_card_event, self._on_reader_status)
        self.usage = usage_for_core(self)  # de-identified usage events (kiosk/usage.py)
        self.display = DisplayDesk(config, self.settings)
        self.printing = ReceiptPrinter(config, self._alert_staff)  # 打印回执 (off the GUI thread)

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
        self.verifier.start()
        for problem in self.problems():
            self._alert_staff(problem.message, problem.detail)

    def problems(self) -> list[Problem]:
        """What is wrong with this kiosk now, each naming the fix."""
        return kiosk_problems(self.config, self.queue, self.sync, self.catalogs)

    def present_card(self, event: CardEvent) -> None:
        """A card event from outside the device thread (simulated villagers, training):
        handled exactly as the social security card reader's own."""
        self.cards.report(SOCIAL_SECURITY_READER, event)

    def stop(self) -> None:
        """For good: the readers, the sync loop and the backend connections are let go."""
        self.cards.stop()
        self.verifier.stop()
        self.sync.close()
        self.backend.close()
        self.end_session("shutdown")
        self.usage.close()

    # -- sessions -------------------------------------------------------------------------

    @property
    def run(self) -> FlowRun | None:
        with self._lock:
            return self._run

    @property
    def session(self) -> Session | None:
        with self._lock:
            return self._session

    @property
    def catalog(self) -> CatalogModel:
        return self.catalogs.catalog

    @property
    def terminal_mode(self) -> str:
        return self._mode or self.settings.terminal_mode

    def service(self, service_id: str) -> ServiceModel:
        """A catalog service by id, whether or not staff offer it."""
        return next(s for s in self.catalog.services if s.id == service_id)

    def menu(self) -> list[ServiceModel]:
        """The services on the home screen: staff's choice and order."""
        return self.settings.menu(self.catalog)

    def choose_service(self, service_id: str, today: dt.date | None = None) -> FlowRun:
        """Start a service for the current villager. Raises NotEligible with the reason
        (and the date from which they will be eligible, where the rule says)."""
        today = today or dt.date.today()
        with self._lock:
            session = self._session
            if session is None or session.ended:
                raise RuntimeError("no session")
            service = next(s for s in self.menu() if s.id == service_id)
            with self.usage.choosing(service_id):
                if session.identity is not None:
                    check_card(service, session.identity)
                    check_eligibility(service, session.identity, today)
            session.answers.clear()
            self._run = FlowRun(service, session, today)
            log.info("service chosen: %s", service_id)
            return self._run

    def leave_service(self) -> None:
        """Back to the home screen with the card still in: answers are dropped."""
        with self._lock:
            self._run = None
            if self._session is not None:
                self._session.answers.clear()

    def finish(self, run: FlowRun) -> Outcome:
        """The villager pressed 确认提交 (or 查询): submit, look up or check, by the
        service's action, and say what to show. Call off the GUI thread. Raises QueueFull
        when a submission cannot be taken (the villager is sent to the counter)."""
        service = run.service
        if service.action == "eligibility_check":
            outcome: Outcome = policies_result(service, self.policies_for(run))
            rated = (service.id, None)
        elif service.action == "status_lookup":
            number = str(run.answers().get("tracking_number", ""))
            outcome = status_result(number, self.look_up_status(number))
            rated = (service.id, None)
        else:
            receipt = self.submit(run)
            outcome = ReceiptOutcome(receipt)
            rated = (service.id, receipt.tracking_number)
        self.usage.record("service_completed", service=service.id, action=service.action)
        with self._lock:
            self._pending_rating = rated
            current = self._run is run
            if current:
                self._run = None
                if self._session is not None:
                    self._session.answers.clear()
        if not current:
            outcome = replace(outcome, still_current=False)
        return outcome

    def rate_pending(self, level: int, reasons: list[str]) -> str | None:
        """好差评 for the service just finished. Call off the GUI thread."""
        with self._lock:
            rated, self._pending_rating = self._pending_rating, None
        if rated is None:
            return None
        return self.rate(rated[0], rated[1], level, reasons)

    def skip_rating(self) -> None:
        with self._lock:
            self._pending_rating = None

    def idle_timeout_s(self) -> float:
        return self.settings.idle_timeout_s()

    def delivery_state(self, tracking_number: str) -> str | None:
        """pending / in_flight / failed / quarantined / sent, for the receipt screen."""
        return self.queue.state_of(tracking_number)

    def policies_for(self, run: FlowRun) -> list[PolicyModel]:
        identity = run.session.identity
        if identity is None:
            return []
        return matching_policies(self.catalog.policies, identity, run.today)

    def look_up_status(self, tracking_number: str) -> StatusAnswer:
        """The state of a submission: the backend's word when reachable, else this kiosk's
        own queue. Call off the GUI thread."""
        return look_up_status(self.backend, self.queue.state_of(tracking_number), tracking_number)

    def rate(
        self, rated_service: str, tracking_number: str | None, level: int, reasons: list[str]
    ) -> str:
        """Queue a 好差评 rating; it needs no session (the card may be out already)."""
        payload = rating_payload(rated_service, tracking_number, level, reasons)
        if self.training:
            payload["training"] = True
        self._check_can_accept()
        number = enqueue_rating(self.queue, self.config.kiosk_number, payload)
        self.usage.record("rating", service=rated_service, level=level, reasons=payload["reasons"])
        self.sync.trigger()
        return number

    def call_staff(self) -> None:
        """The villager pressed 呼叫工作人员: staff screen alert plus the audit log."""
        self.audit.record("staff_called")
        self.usage.help_requested()
        self._alert_staff(Text("有村民请求帮助。", "A villager asked for help."), "call button")

    # -- catalog --------------------------------------------------------------------------

    def install_catalog(self, raw: str | bytes, etag: str | None = None) -> CatalogModel:
        """Validate and activate a catalog; CatalogError keeps the current one."""
        return self.catalogs.install(raw, etag)

    def pull_catalog(self) -> str:
        """ "unchanged" or "installed" from the backend; raises CatalogError (the last good
        one kept) or requests.RequestException. Call off the GUI thread."""
        return self.catalogs.pull(self.backend)

    def end_session(self, reason: str, reader: str | None = None) -> None:
        """End the session (only if it runs on `reader`, when given); a card waiting on
        another reader then starts the next one."""
        with self._lock:
            session = self._session
            if session is None or (reader is not None and session.reader != reader):
                return
            self._session, self._run = None, None
            if reason == "shutdown":
                self._waiting.clear()
                waiting = None
            else:
                waiting = next(iter(self._waiting.values()), None)
                self._waiting.pop(waiting.reader if waiting else "", None)
        session.wipe()
        self._emit(events.SessionEnded(reason))
        if waiting is not None:
            self._start_session(waiting)

    def submit(self, run: FlowRun) -> Receipt:
        """Store the finished flow durably and return its receipt. Call off the GUI thread.

        Raises QueueFull when the kiosk must not accept more (limits reached, disk full);
        staff get a StaffAlert, the villager is sent to the counter.
        """
        with self._lock:
            if run is not self._run or run.session.ended:
                raise RuntimeError("this session has already ended")
            # Taken under the lock: a card pulled now wipes the session on the device
            # thread, and a half-wiped payload must never be stored.
            payload = build_payload(run, self.training)
        try:
            self._check_can_accept()
            receipt = enqueue_submission(
                run,
                self.queue,
                self.config.kiosk_number,
                self.config.public_status_url,
                training=self.training,
                payload=payload,
            )
        except QueueFull as error:
            self._alert_staff(messages.QUEUE_FULL_STAFF, str(error))
            raise
        crashpoint("after_enqueue")
        self.usage.record("submission_queued", service=run.service.id)
        self.sync.trigger()
        return receipt

    def _check_can_accept(self) -> None:
        check_can_accept(self.config, self.queue, self.sync)

    def _alert_staff(self, message: Text, detail: str) -> None:
        log.error("staff alert: %s (%s)", message.en, detail)
        self._emit(events.StaffAlert(message, detail))

    # -- device thread --------------------------------------------------------------------

    def _on_card_event(self, event: CardEvent) -> None:
        if isinstance(event, CardInserted):
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
                self._waiting.pop(event.reader, None)
                ours = self._session is not None and self._session.reader == event.reader
            if ours:
                # Checked again under the lock: a session started since is not this one.
                self.end_session("card_left", reader=event.reader)
            else:
                self._emit(events.CardLeftReader(event.reader))

    def _on_reader_status(self, status: events.ReaderStatusChanged) -> None:
        self.reader_status = status
        self._emit(status)

    def _start_session(self, event: CardIdentified) -> None:
        if self.terminal_mode == "verifier":  # 验码 (kiosk/verification.py): no session
            self.verifier.swipe(event.identity, event.identified_at)
            return
        with self._lock:
            if self._session is not None:
                busy = True
                if self._session.reader != event.reader:
                    self._waiting[event.reader] = event
            else:
                busy = False
                self._session = Session(identity=event.identity, reader=event.reader)
                session = self._session
        if busy:
            self._emit(events.Notice(messages.SECOND_CARD_WAITING))
            return
        log.info("session started on %s", event.reader)  # no personal data in logs
        self._emit(
            events.SessionStarted(session, event.detected_at, event.identified_at, event.apdus_sent)
        )

    def _sync_checks_when_quiet(self) -> None:
        """A verifier check is in the outbox: sync it between villagers, not during the
        next card's look-up (the periodic round sends it all the same in a long queue)."""
        self.sync.trigger_when_quiet(CHECKS_SYNC_QUIET_S)

    def _on_sync_finished(self, report: SyncReport) -> None:
        counts = self.queue.counts()
        self._emit(
            events.SyncFinished(report.sent, report.failed, report.quarantined, counts.unsent)
        )
