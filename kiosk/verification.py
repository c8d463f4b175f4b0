"""验码: the verifier's answer for a swiped card, online or off, never a stale green.

A card read in verifier mode is handed to the `verifier` thread (one at a time, in
order; the device thread goes straight back to the readers). There:
1. the ID number becomes HMAC-SHA256 under `verifier_lookup_key` (kiosk/status_list.py);
   the number itself goes no further, and the Identity is dropped;
2. online: `POST /api/v1/verifications` with the HMAC, within ONLINE_TIMEOUT_S. After a
   failure the backend is left alone for OFFLINE_HOLD_S, so a queue of villagers is not
   kept waiting on a dead line one timeout each;
3. otherwise offline: the last good signed list (kiosk/status_list_keeper.py), marked
   离线核验 with its age; a list past its valid-until answers unknown, never pass;
4. the clock guard (kiosk/clock_guard.py) turns any answer into unknown when this kiosk's
   clock cannot be trusted, and staff are told;
5. a card that has itself expired is never a plain pass: 请人工核验.
The answer is emitted (`CardVerified`) first, then recorded through the outbox
(kiosk/verifier_record.py), so the disk never holds up the screen.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import requests

from drivers.identity import Identity
from kiosk import messages
from kiosk.backend_client import BackendClient
from kiosk.clock_guard import ClockGuard, boot_clock
from kiosk.config import KioskConfig
from kiosk.events import CardVerified, StaffAlert
from kiosk.status_list import (
    RESULTS,
    StatusList,
    decode_lookup_key,
    decode_public_key,
    lookup_digest,
    lookup_key_id,
)
from kiosk.status_list_keeper import Refresh, StatusListKeeper
from kiosk.text import Text
from kiosk.verifier_record import check_payload, record_check, today_counts
from offline_cache import QueueFull, SubmissionQueue

log = logging.getLogger(__name__)

CLOCK_REASONS = ("clock_skewed", "clock_behind_list", "clock_went_back")
ONLINE_TIMEOUT_S = (0.5, 1.0)  # connect, answer: the seed's machine took 1 s in all
OFFLINE_HOLD_S = 15.0
# The check is recorded this long after its answer is handed to the window: sealing it and
# writing SQLite hold the interpreter in stretches, and done at once they slowed the paint
# of the answer they record (benchmarks/verify.py, social security card offline: p95 15.3
# -> 11.5 ms; a 250-swipe trial deferring by 50 ms: 9.1 -> 7.3 ms).
RECORD_AFTER_S = 0.025


def card_has_ended(identity: Identity, today: dt.date) -> bool:
    """The card itself says it has ended (its expiry or 有效期限 is past)."""
    last_days = [identity.card_expiry, identity.valid_until]
    return any(isinstance(day, dt.date) and day < today for day in last_days)


@dataclass(frozen=True)
class VerifierSummary:
    """What the staff page shows."""

    today: dict[str, int]  # pass, manual, deny, unknown, online, offline
    list_sequence: int | None
    list_entries: int | None
    list_age_s: float | None
    list_valid_until: str | None
    next_refresh_in_s: float | None
    last_refresh: str
    clock: str
    problem: str


class Verifier:
    def __init__(
        self,
        config: KioskConfig,
        queue: SubmissionQueue,
        emit: Callable[[CardVerified | StaffAlert], None],
        on_recorded: Callable[[], None] = lambda: None,
        training: bool = False,
        *,
        wall: Callable[[], float] = time.time,
        boot: Callable[[], float] = boot_clock,
    ) -> None:
        self._config = config
        self._queue = queue
        self._emit = emit  # the answer, and staff alerts
        self._on_recorded = on_recorded
        self._training = training
        self.clock = ClockGuard(config.clock_skew_max_s, wall=wall, boot=boot)
        self.problem = ""
        self._key: bytes | None = None
        self.keeper: StatusListKeeper | None = None
        self._set_up_keys()
        self._online = BackendClient(config.backend_url, config.backend_token)
        self._offline_until = 0.0
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="verifier")
        # Checks are recorded in order on a thread of their own, so the next card's answer
        # never waits behind the last one's record.
        self._recorder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="verifier-record")
        self._stopping = threading.Event()  # set: what is left is recorded without delay
        self._alerted: set[str] = set()
        self._lock = threading.Lock()

    def _set_up_keys(self) -> None:
        config = self._config
        try:
            self._key = decode_lookup_key(config.verifier_lookup_key)
        except ValueError as error:
            self.problem = f"{error}: every answer is unknown"
            return
        try:
            public_key = decode_public_key(config.verifier_public_key)
        except ValueError as error:
            self.problem = f"{error}: no offline list (online answers only)"
            return
        self.keeper = StatusListKeeper(
            config.data_dir,
            BackendClient.from_config(config),
            public_key,
            lookup_key_id(self._key),
            self.clock,
            refresh_s=config.status_list_refresh_s,
            on_problem=lambda detail: self._alert_once(messages.VERIFY_LIST_STAFF, detail),
        )

    # -- life -----------------------------------------------------------------------------

    def start(self) -> None:
        """The `status-list` thread: the held list is read from disk there, then kept fresh."""
        if self.keeper is not None:
            self.keeper.start()

    def refresh_list(self) -> Refresh | None:
        """Fetch a newer list now (`kiosk verify --refresh-list`, tests)."""
        if self.keeper is None:
            return None
        return self.keeper.refresh()

    def stop(self) -> None:
        self._worker.shutdown(wait=True)
        self._stopping.set()
        self._recorder.shutdown(wait=True)
        if self.keeper is not None:
            self.keeper.save_state()
            self.keeper.close()
        self._online.close()

    # -- a swipe --------------------------------------------------------------------------

    def swipe(self, identity: Identity, identified_at: float) -> Future:
        """From the device thread: answer on the verifier thread and emit; the check is
        recorded on the recorder thread RECORD_AFTER_S later. The future holds the answer
        once it is recorded."""
        recorded: Future = Future()
        self._worker.submit(self._answer_then_record, identity, identified_at, recorded)
        return recorded

    def wait_idle(self, timeout_s: float = 30.0) -> None:
        """Until every swipe handed over so far is answered and recorded."""
        self._worker.submit(lambda: None).result(timeout_s)
        self._recorder.submit(lambda: None).result(timeout_s)

    def _answer_then_record(self, identity: Identity, identified_at: float, recorded: Future):
        try:
            digest = lookup_digest(self._key, identity.id_number) if self._key else b""
            answer = self._answer_or_unknown(identity, identified_at, digest)
            self._emit(answer)
            self._recorder.submit(self._record_soon, answer, digest, recorded)
        except BaseException as error:  # the caller's future must not wait forever
            recorded.set_exception(error)
            raise

    def _answer_or_unknown(
        self, identity: Identity, identified_at: float, digest: bytes
    ) -> CardVerified:
        try:
            return self.answer(identity, identified_at, digest)
        except Exception as error:  # a bug must still give an answer, and never a green one
            log.exception("verifier check failed")
            self._alert_once(messages.VERIFY_LIST_STAFF, f"check failed: {type(error).__name__}")
            return CardVerified(
                "unknown", messages.VERIFY_LABELS["unknown"], messages.VERIFY_TITLE,
                identity.masked_name(), "none", None, None, "error", identified_at,
            )  # fmt: skip

    def _record_soon(self, answer: CardVerified, digest: bytes, recorded: Future) -> None:
        self._stopping.wait(RECORD_AFTER_S)
        if digest:
            try:
                self._record(answer, digest.hex())
            except Exception as error:  # noqa: BLE001 - the next card must still be recorded
                log.exception("verifier check not recorded")
                self._alert_once(messages.VERIFY_RECORD_STAFF, type(error).__name__)
        recorded.set_result(answer)

    def answer(self, identity: Identity, identified_at: float, digest: bytes) -> CardVerified:
        held = self.keeper.held() if self.keeper is not None else None
        online = self._look_up_online(digest) if digest else None
        clock = self.clock.check(held.issued_at.timestamp() if held else None)
        now = self.clock.now()
        if not digest:
            result, source, reason = "unknown", "none", "no_lookup_key"
        elif not clock.ok:
            result, source, reason = "unknown", "none", clock.reason
            self._alert_once(messages.VERIFY_CLOCK_STAFF, clock.detail, key=clock.reason)
        elif online is not None:
            result, source, reason = online, "online", ""
        elif held is None:
            result, source, reason = "unknown", "none", "no_list"
        elif held.expired(now):
            result, source, reason = "unknown", "none", "list_expired"
            self._alert_once(messages.VERIFY_LIST_STAFF, f"list {held.sequence} has expired")
        else:
            result, source, reason = held.status_of(digest), "offline", ""
        if clock.ok:
            self._rearm(CLOCK_REASONS)  # a clock that goes wrong again is news again
        if result == "pass" and card_has_ended(identity, dt.date.fromtimestamp(now)):
            result, reason = "manual", "card_expired"
        return CardVerified(
            result=result,
            label=self._label(result, held),
            title=held.wording.title if held is not None else messages.VERIFY_TITLE,
            masked_name=identity.masked_name(),
            source=source,
            list_age_s=held.age_s(now) if held is not None else None,
            list_sequence=held.sequence if held is not None else None,
            reason=reason,
            identified_at=identified_at,
        )

    @staticmethod
    def _label(result: str, held: StatusList | None) -> Text:
        if held is not None and result in held.wording.labels:
            return held.wording.labels[result]
        return messages.VERIFY_LABELS[result]

    def _look_up_online(self, digest: bytes) -> str | None:
        if time.monotonic() < self._offline_until:
            return None
        try:
            response = self._online.post(
                "/api/v1/verifications", {"hmac": digest.hex()}, timeout=ONLINE_TIMEOUT_S
            )
            self.clock.observe_date(response.headers.get("Date"))
            result = response.json().get("result") if response.status_code == 200 else None
        except (requests.RequestException, ValueError, AttributeError) as error:
            log.info("online look-up failed (%s); answering offline", type(error).__name__)
            result = None
        if result not in RESULTS:
            self._offline_until = time.monotonic() + OFFLINE_HOLD_S
            return None
        return result

    # -- records and staff ----------------------------------------------------------------

    def _record(self, answer: CardVerified, digest_hex: str) -> None:
        payload = check_payload(answer, digest_hex, self._training)
        number = self._config.kiosk_number
        try:
            if not self._config.enrolled:
                raise QueueFull(self._config.enrolment_problem)
            record_check(self._queue, number, payload)
        except QueueFull as error:
            record_check(self._queue, number, payload, enqueue=False)  # counted all the same
            self._alert_once(messages.VERIFY_RECORD_STAFF, str(error)[:200])
            return
        self._on_recorded()

    def _alert_once(self, message: Text, detail: str, key: str | None = None) -> None:
        """One staff alert per distinct problem (`key`, else the detail), not one per swipe."""
        with self._lock:
            if (key or detail) in self._alerted:
                return
            self._alerted.add(key or detail)
        log.error("verifier: %s", detail)
        self._emit(StaffAlert(message, detail))

    def _rearm(self, keys: tuple[str, ...]) -> None:
        with self._lock:
            self._alerted.difference_update(keys)

    def summary(self) -> VerifierSummary:
        held = self.keeper.held() if self.keeper is not None else None
        now = self.clock.now()
        keeper = self.keeper
        last = keeper.last_refresh if keeper is not None else None
        next_at = keeper.next_refresh_at if keeper is not None else None
        clock = self.clock.check(held.issued_at.timestamp() if held else None)
        return VerifierSummary(
            today=today_counts(self._queue),
            list_sequence=held.sequence if held else None,
            list_entries=held.count if held else None,
            list_age_s=held.age_s(now) if held else None,
            list_valid_until=held.valid_until.isoformat() if held else None,
            next_refresh_in_s=max(0.0, next_at - now) if next_at is not None else None,
            last_refresh=f"{last.outcome} {last.detail}".strip() if last else "",
            clock=clock.label if clock.ok else f"{clock.reason}: {clock.detail}",
            problem=self.problem or (keeper.load_problem if keeper is not None else ""),
        )
