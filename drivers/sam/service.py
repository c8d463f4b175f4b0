"""The SAM reader's device thread: polls for a card, reads each placement once.

The same contract as the PC/SC service (drivers/pcsc/service.py): `start()` / `stop()`,
events from drivers/events.py posted to a listener, from a thread of its own (the PC/SC
device thread blocks in SCardGetStatusChange; a serial reader must be asked). The listener
must not block.

One session per placement: find-card is polled every `poll_interval_s`, each answer waited
for before the next command (never two in flight, so the reader is never flooded). A card
found is selected and read once; while it stays, polls only confirm it; it has left once
find-card fails `removal_misses` times in a row (one miss may be an RF glitch, and a
session must not end for it). GA/T 467 readers want the card lifted before they read it
again, which is also what a villager expects.

The port is reopened by itself: unplugged (or a pty closed), missing, busy, silent or
reporting a SAM fault, the service reports the state (drivers/events.py READER_STATES)
and tries again every `reconnect_interval_s`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from drivers.errors import (
    CardError,
    CardNotResponding,
    CardRemoved,
    NoCard,
    NoReader,
    ReaderBusy,
    SamError,
)
from drivers.events import (
    NO_READER,
    READER_BUSY,
    READER_NOT_RESPONDING,
    READY,
    SAM_ERROR,
    CardEvent,
    CardFailed,
    CardIdentified,
    CardInserted,
    CardLeft,
    Listener,
    ReadersChanged,
    post,
)
from drivers.identity import Identity
from drivers.sam.port import DEFAULT_BAUD, ReaderGone, SamPort, Stopped
from drivers.sam.protocol import (
    ANSWER_TIMEOUT_S,
    CardSideFailure,
    find_card,
    masked_sam_id,
    read_identity,
    sam_id,
    sam_status,
)

log = logging.getLogger(__name__)

SAM_DEVICE_THREAD_NAME = "sam-device"
DEFAULT_POLL_INTERVAL_S = 0.05
FIND_FAILURES_BEFORE_RECONNECT = 2  # one garbled or lost find answer is retried


def reader_name_for(path: str) -> str:
    return f"SAM {path}"


class SamReaderService:
    """Runs the SAM reader's device thread. `start()` / `stop()` from any thread."""

    def __init__(
        self,
        port: str,
        listener: Listener,
        baud: int = DEFAULT_BAUD,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        read_timeout_s: float = 3.0,
        answer_timeout_s: float = ANSWER_TIMEOUT_S,
        reconnect_interval_s: float = 1.0,
        removal_misses: int = 2,
        keep_address: bool = False,
        reader_name: str | None = None,
    ) -> None:
        self.reader_name = reader_name or reader_name_for(port)
        self._listener = listener
        self._poll_interval_s = poll_interval_s
        self._read_timeout_s = read_timeout_s
        self._answer_timeout_s = answer_timeout_s
        self._reconnect_interval_s = reconnect_interval_s
        self._removal_misses = max(1, removal_misses)
        self._keep_address = keep_address
        self._stopping = threading.Event()
        self._port = SamPort(port, baud, cancel=self._stopping)
        self._thread: threading.Thread | None = None
        self._state: ReadersChanged | None = None
        self._present = False
        self._misses = 0
        self._find_failures = 0

    @property
    def state(self) -> ReadersChanged | None:
        """The last state reported (None before the first)."""
        return self._state

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=SAM_DEVICE_THREAD_NAME, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stopping.set()
        self._port.cancel_read()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    # -- device thread -------------------------------------------------------------------

    def _emit(self, event: CardEvent) -> None:
        post(self._listener, event)

    def _set_state(self, state: str, detail: str = "") -> None:
        readers = (self.reader_name,) if state == READY else ()
        new = ReadersChanged(state, readers, detail)
        if new != self._state:
            self._state = new
            self._emit(new)

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    if not self._port.is_open and not self._connect():
                        self._stopping.wait(self._reconnect_interval_s)
                        continue
                    self._poll_once()
                except Stopped:
                    break
                except ReaderGone as error:
                    self._lose_reader(NO_READER, str(error))
                    self._stopping.wait(self._reconnect_interval_s)
                    continue
                except Exception as error:  # keep the device thread alive whatever happens
                    log.exception("SAM device thread: unexpected error; reopening the port")
                    detail = f"internal error: {type(error).__name__}"
                    self._lose_reader(READER_NOT_RESPONDING, detail)
                    self._stopping.wait(self._reconnect_interval_s)
                    continue
                self._stopping.wait(self._poll_interval_s)
        finally:
            self._lose_reader(None)

    def _connect(self) -> bool:
        """Open the port and ask the SAM for its status; report the state either way."""
        try:
            self._port.open()
            sam_status(self._port, self._answer_timeout_s)
        except Stopped:
            raise
        except ReaderBusy as error:
            self._lose_reader(READER_BUSY, str(error))
            return False
        except NoReader as error:
            self._lose_reader(NO_READER, str(error))
            return False
        except SamError as error:
            self._lose_reader(SAM_ERROR, str(error))
            return False
        except CardError as error:  # silent, garbled, or not a SAM reader at all
            self._lose_reader(READER_NOT_RESPONDING, str(error))
            return False
        log.info("SAM reader ready on %s", self._port.path)
        self._find_failures = 0
        self._set_state(READY)
        return True

    def _lose_reader(self, state: str | None, detail: str = "") -> None:
        """Close the port; a card on it has left as far as the kiosk can tell."""
        if self._present:
            self._present = False
            self._emit(CardLeft(self.reader_name))
        self._port.close()
        if state is not None:
            if state != (self._state.state if self._state else None):
                log.warning("SAM reader %s: %s (%s)", self._port.path, state, detail)
            self._set_state(state, detail)

    def _poll_once(self) -> None:
        try:
            found = find_card(self._port, self._answer_timeout_s)
        except (Stopped, ReaderGone):
            raise
        except CardError as error:
            self._find_failures += 1
            log.debug("find-card failed (%d in a row): %s", self._find_failures, error)
            if self._find_failures >= FIND_FAILURES_BEFORE_RECONNECT:
                state = SAM_ERROR if isinstance(error, SamError) else READER_NOT_RESPONDING
                self._lose_reader(state, str(error))
                self._stopping.wait(self._reconnect_interval_s)
            return
        self._find_failures = 0
        if found:
            self._misses = 0
            if not self._present:
                self._present = True
                detected_at = time.monotonic()
                self._emit(CardInserted(self.reader_name, detected_at))
                self._read_card(detected_at)
        elif self._present:
            self._misses += 1
            if self._misses >= self._removal_misses:
                self._present = False
                self._emit(CardLeft(self.reader_name))

    def _read_card(self, detected_at: float) -> None:
        frames_before = self._port.frames_sent - 1  # the find-card that saw it counts
        deadline = detected_at + self._read_timeout_s
        try:
            identity = read_identity(self._port, deadline, self._keep_address)
        except (Stopped, ReaderGone) as error:
            if isinstance(error, ReaderGone):
                self._emit(CardFailed(self.reader_name, NoReader(str(error))))
            raise
        except CardSideFailure as error:
            self._emit(CardFailed(self.reader_name, self._classify(error)))
            if not self._present:
                self._emit(CardLeft(self.reader_name))
            return
        except CardError as error:
            self._emit(CardFailed(self.reader_name, error))
            return
        except Exception as error:  # a parser bug is reported as a fault, not a crash
            # Only the type: an exception's text might quote what the card holds.
            log.error("SAM read failed with %s", type(error).__name__)
            failure = CardNotResponding(f"internal error: {type(error).__name__}")
            self._emit(CardFailed(self.reader_name, failure))
            return
        self._emit(
            CardIdentified(
                self.reader_name,
                identity,
                detected_at,
                time.monotonic(),
                self._port.frames_sent - frames_before,
            )
        )

    def _classify(self, error: CardSideFailure) -> CardError:
        """Select or read failed: one find-card tells a removed card from a stuck one."""
        try:
            still_there = find_card(self._port, self._answer_timeout_s)
        except (Stopped, ReaderGone):
            raise
        except CardError:
            return error
        if still_there:
            return error
        self._present = False
        return CardRemoved(f"the card left the SAM reader during the read ({error})")


def read_card_once(
    port: str,
    baud: int = DEFAULT_BAUD,
    timeout_s: float = 3.0,
    keep_address: bool = False,
) -> tuple[str, Identity, int]:
    """One read on the calling thread, all within `timeout_s`: (reader, identity, frames).

    For `kiosk card read`. Raises NoReader, ReaderBusy, NoCard, CardNotResponding (also a
    silent reader, within the timeout), BadFrame, SamError or the card's own CardError.
    """
    deadline = time.monotonic() + timeout_s
    link = SamPort(port, baud)
    link.open()
    try:
        sam_status(link, min(ANSWER_TIMEOUT_S, timeout_s))
        if not find_card(link, max(0.01, min(ANSWER_TIMEOUT_S, deadline - time.monotonic()))):
            raise NoCard(f"no card on the SAM reader at {port}")
        identity = read_identity(link, deadline, keep_address)
        return reader_name_for(port), identity, link.frames_sent
    finally:
        link.close()


@dataclass(frozen=True)
class SamReaderProbe:
    """What `kiosk doctor` shows: the port answers, and the SAM's id (masked)."""

    port: str
    sam_id_masked: str


def probe_reader(port: str, baud: int = DEFAULT_BAUD, timeout_s: float = 2.0) -> SamReaderProbe:
    """Open the port, ask the SAM status and id. Raises the CardError that says what is wrong."""
    link = SamPort(port, baud)
    link.open()
    try:
        sam_status(link, timeout_s)
        return SamReaderProbe(port, masked_sam_id(sam_id(link, timeout_s)))
    finally:
        link.close()
