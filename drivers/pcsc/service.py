"""The device thread: watches every PC/SC reader and reads each card that appears.

All PC/SC calls of the kiosk process happen on this one thread (pyscard is not to be
called from two threads; Electrum's `hwd_comms_thread` discipline). Results leave as
plain event objects through a listener callback; the listener must not block (the Qt
side re-posts them to the GUI thread).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

from smartcard import scard

from drivers.channel import CardChannel
from drivers.errors import CardError, CardNotResponding, NoCard, NoReader, PcscUnavailable
from drivers.events import (  # defined there for every reader; imported from here too
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
from drivers.pcsc.context import PNP_NOTIFICATION, PcscContext

log = logging.getLogger(__name__)

DEVICE_THREAD_NAME = "device"

__all__ = [
    "DEVICE_THREAD_NAME",
    "CardEvent",
    "CardFailed",
    "CardIdentified",
    "CardInserted",
    "CardLeft",
    "CardProfile",
    "CardReaderService",
    "Listener",
    "ReadersChanged",
    "read_first_card",
    "read_first_card_within",
]


class CardProfile(Protocol):
    name: str

    def read_identity(self, channel: CardChannel) -> Identity: ...


class CardReaderService:
    """Runs the device thread. `start()` / `stop()` from any thread; events go to `listener`."""

    def __init__(
        self,
        profile: CardProfile,
        listener: Listener,
        poll_timeout_ms: int = 500,
        reconnect_interval_s: float = 1.0,
        read_timeout_s: float = 3.0,
    ) -> None:
        self._profile = profile
        self._read_timeout_s = read_timeout_s
        self._listener = listener
        self._poll_timeout_ms = poll_timeout_ms
        self._reconnect_interval_s = reconnect_interval_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._context: PcscContext | None = None
        self._readers: tuple[str, ...] | None = None
        self._known: dict[str, int] = {}
        self._present: dict[str, bool] = {}
        self._state: ReadersChanged | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=DEVICE_THREAD_NAME, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stopping.set()
        context = self._context
        if context is not None:
            context.cancel()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    # -- device thread -------------------------------------------------------------------

    def _emit(self, event: CardEvent) -> None:
        post(self._listener, event)

    def _set_state(self, state: str, readers: tuple[str, ...], detail: str = "") -> None:
        new = ReadersChanged(state, readers, detail)
        if new != self._state:
            self._state = new
            self._emit(new)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                if self._context is None:
                    self._context = PcscContext()
                    self._readers, self._known = None, {}
                self._poll_once(self._context)
            except PcscUnavailable as error:
                self._drop_context()
                self._set_state("pcsc_unavailable", (), str(error))
                self._stopping.wait(self._reconnect_interval_s)
            except Exception:  # keep the device thread alive whatever happens
                log.exception("device thread: unexpected error; rebuilding the PC/SC context")
                self._drop_context()
                self._stopping.wait(self._reconnect_interval_s)
        self._drop_context()

    def _drop_context(self) -> None:
        for reader, present in list(self._present.items()):
            if present:
                self._emit(CardLeft(reader))
        self._present.clear()
        if self._context is not None:
            try:
                self._context.release()
            except Exception:  # releasing a dead context may fail; it is gone either way
                log.debug("releasing a dead PC/SC context failed", exc_info=True)
            self._context = None

    def _poll_once(self, context: PcscContext) -> None:
        if self._readers is None:
            readers = tuple(context.list_readers())
            for gone in set(self._known) - set(readers) - {PNP_NOTIFICATION}:
                self._known.pop(gone, None)
                if self._present.pop(gone, False):
                    self._emit(CardLeft(gone))
            for reader in readers:
                self._known.setdefault(reader, scard.SCARD_STATE_UNAWARE)
            self._readers = readers
            if readers:
                self._set_state("ready", readers)
            else:
                self._set_state("no_reader", (), "pcscd lists no reader")
        changes = context.wait_for_change(self._known, self._poll_timeout_ms)
        if not changes:
            return
        for change in changes:
            flags = change.flags & ~scard.SCARD_STATE_CHANGED
            if change.name == PNP_NOTIFICATION:
                if flags != self._known.get(PNP_NOTIFICATION, flags):
                    self._readers = None  # a reader came or went: list again
                self._known[PNP_NOTIFICATION] = flags
                continue
            if change.name not in self._known:
                continue
            self._known[change.name] = flags
            if flags & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                self._readers = None
                continue
            was_present = self._present.get(change.name, False)
            if change.card_present and not was_present:
                self._present[change.name] = True
                detected_at = time.monotonic()
                self._emit(CardInserted(change.name, detected_at))
                self._read_card(context, change.name, detected_at)
            elif not change.card_present and was_present:
                self._present[change.name] = False
                self._emit(CardLeft(change.name))

    def _read_card(self, context: PcscContext, reader: str, detected_at: float) -> None:
        # A card (or vpcd) that never answers blocks SCardTransmit with no timeout of its
        # own; this watchdog tells the villager to reinsert the card, and whatever the
        # stuck read returns later (usually "removed") is then dropped.
        stalled = threading.Event()

        def report_stall() -> None:
            stalled.set()
            self._emit(
                CardFailed(
                    reader,
                    CardNotResponding(f"no answer within {self._read_timeout_s:.1f} s"),
                )
            )

        watchdog = threading.Timer(self._read_timeout_s, report_stall)
        watchdog.daemon = True
        watchdog.start()
        connection = None
        try:
            connection = context.connect(reader)
            channel = connection.channel()
            identity = self._profile.read_identity(channel)
            watchdog.cancel()
            if not stalled.is_set():
                self._emit(
                    CardIdentified(
                        reader, identity, detected_at, time.monotonic(), channel.apdus_sent
                    )
                )
        except PcscUnavailable:
            raise
        except CardError as error:
            watchdog.cancel()
            if not stalled.is_set():
                self._emit(CardFailed(reader, error))
        except Exception as error:  # a profile bug is reported as a fault, not a crash
            watchdog.cancel()
            log.exception("card profile %s failed", self._profile.name)
            self._emit(CardFailed(reader, CardNotResponding(f"internal error: {error!r}")))
        finally:
            watchdog.cancel()
            if connection is not None:
                try:
                    connection.disconnect()
                except Exception:
                    log.debug("disconnect after read failed", exc_info=True)


def read_first_card(profile: CardProfile) -> tuple[str, Identity, int]:
    """One-shot read on the calling thread: (reader, identity, APDUs sent).

    Raises PcscUnavailable, NoReader, NoCard or the profile's CardError.
    """
    context = PcscContext()
    try:
        readers = context.list_readers()
        if not readers:
            raise NoReader("pcscd lists no reader")
        for state in context.current_states(readers):
            if state.card_present:
                connection = context.connect(state.name)
                try:
                    channel = connection.channel()
                    identity = profile.read_identity(channel)
                    return state.name, identity, channel.apdus_sent
                finally:
                    connection.disconnect()
        raise NoCard(f"no card in {len(readers)} reader(s)")
    finally:
        context.release()


def read_first_card_within(profile: CardProfile, timeout_s: float) -> tuple[str, Identity, int]:
    """`read_first_card` that gives up after `timeout_s`: a card that stopped answering
    blocks SCardTransmit for as long as it stays in the reader, and `kiosk card read` or
    doctor must still come back. The stuck read is left on a daemon thread (pyscard
    cannot abort it) and the caller gets CardNotResponding."""
    outcome: list = []
    done = threading.Event()

    def read() -> None:
        try:
            outcome.append(read_first_card(profile))
        except BaseException as error:  # noqa: BLE001 - handed to the caller below
            outcome.append(error)
        finally:
            done.set()

    threading.Thread(target=read, name="card-read-once", daemon=True).start()
    if not done.wait(timeout_s):
        raise CardNotResponding(
            f"no answer within {timeout_s:g} s (card_read_timeout_s); remove the card and "
            "insert it again"
        )
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result
