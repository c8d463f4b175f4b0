"""An emulated SAM ID-card reader on a pseudo-terminal, for tests, demos and training.

The kiosk opens the pty's slave path with pyserial exactly like /dev/ttyUSB0; this side
holds the master and speaks GA/T 467 frames. With `link_path` the port is reached through
a symlink that is re-pointed at each new pty, so "unplug, plug back" keeps the path the
kiosk was configured with, as udev's /dev/serial/by-id names do.

Fault profiles (`PROFILES`): no-card, bad-checksum, truncated, unknown-status, silent,
silent-read, sam-fault, and slow (every byte at 115200-baud timing, both ways). Unplug
and replug are methods (`unplug()` / `replug()`), and in the holder process
(drivers/simulated/sam_holder.py) a field of its control file.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import threading
import time
import tty
from collections import Counter
from pathlib import Path

from drivers.sam.frames import (
    FIND_CARD,
    PREAMBLE,
    READ_EXTRA_ADDRESS,
    READ_TEXT_PHOTO,
    RESET_SAM,
    SAM_ID,
    SAM_STATUS,
    SELECT_CARD,
    answer_frame,
    xor,
)
from drivers.simulated.sam_card import PHOTO_SIZE, SamCard, ucs2_field

log = logging.getLogger(__name__)

PROFILES = (
    "normal",
    "no-card",  # the reader never finds a card, whatever lies on it
    "bad-checksum",  # the read answer's XOR byte is wrong
    "truncated",  # the read answer stops halfway
    "unknown-status",  # the read answer has a status GA/T 467 does not define
    "silent",  # the reader answers nothing at all
    "silent-read",  # answers status, find and select, never the read (a stuck SAM)
    "sam-fault",  # every command answered 60: SAM self-check failed
    "slow",  # real 115200-baud byte timing both ways
)
BAUD_SLOW = 115200
UNKNOWN_STATUS = 0x5A
DEFAULT_SAM_ID = bytes.fromhex("05010000201801010000123400005678")
_CHUNK = 16  # bytes written at once when pacing at a baud rate
# Finds answered "no card" after one card is swapped for another (more than the service's
# removal_misses, 2 by default, so the first card is seen to leave).
SWAP_GAP_FINDS = 3


def transfer_time_s(byte_count: int, baud: int = BAUD_SLOW) -> float:
    """Time `byte_count` bytes take on an 8N1 line: 10 bits a byte."""
    return byte_count * 10 / baud


class SamReaderEmulator:
    """A SAM reader on a pty. Thread-safe controls: place / lift / profile / unplug / replug."""

    def __init__(
        self,
        link_path: str | os.PathLike[str] | None = None,
        profile: str = "normal",
        card: SamCard | None = None,
        baud: int | None = None,
        sam_id: bytes = DEFAULT_SAM_ID,
    ) -> None:
        self.link_path = Path(link_path) if link_path is not None else None
        self.sam_id = sam_id
        self._baud = baud
        self._lock = threading.Lock()
        self._profile = "normal"
        self.profile = profile
        self._card = card
        self._placement = 0 if card is None else 1
        self._selected = False
        self._read_in_placement = False
        self._finds_missed_after_swap = 0
        self.placed_at: float | None = time.monotonic() if card is not None else None
        self.commands: Counter[tuple[int, int]] = Counter()  # answered or not
        self.reads_answered = 0
        self._master: int | None = None
        self._slave: int | None = None
        self._slave_path = ""
        self._wake_r: int | None = None
        self._wake_w: int | None = None
        self._thread: threading.Thread | None = None
        self._unplugged = threading.Event()

    # -- controls ------------------------------------------------------------------------

    @property
    def port(self) -> str:
        """The path the kiosk opens: the stable link when given, else the pty's slave."""
        return str(self.link_path) if self.link_path is not None else self._slave_path

    @property
    def plugged(self) -> bool:
        return self._master is not None

    @property
    def profile(self) -> str:
        return self._profile

    @profile.setter
    def profile(self, profile: str) -> None:
        if profile not in PROFILES:
            choices = ", ".join(PROFILES)
            raise ValueError(f"unknown SAM reader profile {profile!r}; one of {choices}")
        self._profile = profile

    @property
    def baud(self) -> int | None:
        """Bytes are paced at this rate; None: as fast as the pty goes."""
        return BAUD_SLOW if self._profile == "slow" else self._baud

    @property
    def card(self) -> SamCard | None:
        return self._card

    def place(self, card: SamCard) -> None:
        """A new placement: lifted if one was there, then this card laid on the reader."""
        card.text_block()  # refuse a card that cannot exist before it is "placed"
        with self._lock:
            if self._card is not None:
                # A hand takes one card off and lays the next: find-card misses it for a
                # few polls, so the kiosk sees the first leave before the second comes.
                self._finds_missed_after_swap = SWAP_GAP_FINDS
            self._card = card
            self._placement += 1
            self._selected = self._read_in_placement = False
            self.placed_at = time.monotonic()

    def lift(self) -> None:
        with self._lock:
            self._card = None
            self._finds_missed_after_swap = 0
            self._selected = self._read_in_placement = False
            self.placed_at = None

    def start(self) -> SamReaderEmulator:
        """Plug the reader in: a new pty (and the link re-pointed at it)."""
        if self.plugged:
            return self
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo or line editing: binary frames both ways
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self._slave_path = os.ttyname(slave)
        self._wake_r, self._wake_w = os.pipe()
        self._unplugged.clear()
        with self._lock:  # powered up again: a card lying there has not been read yet
            self._selected = self._read_in_placement = False
        if self.link_path is not None:
            temporary = self.link_path.with_name(self.link_path.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            temporary.symlink_to(self._slave_path)
            os.replace(temporary, self.link_path)  # atomic: never a moment with a stale link
        self._thread = threading.Thread(target=self._serve, name="sam-emulator", daemon=True)
        self._thread.start()
        return self

    def unplug(self) -> None:
        """The USB cable pulled: the pty closes under the kiosk and the link disappears."""
        if not self.plugged:
            return
        self._unplugged.set()
        if self._wake_w is not None:
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"x")
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        self._thread = None
        if self.link_path is not None:
            with contextlib.suppress(FileNotFoundError):
                if os.readlink(self.link_path) == self._slave_path:
                    self.link_path.unlink()
        for fd in (self._master, self._slave, self._wake_r, self._wake_w):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = self._wake_r = self._wake_w = None

    def replug(self) -> None:
        self.unplug()
        self.start()

    stop = unplug

    def __enter__(self) -> SamReaderEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.unplug()

    # -- the reader ----------------------------------------------------------------------

    def _serve(self) -> None:
        master, wake = self._master, self._wake_r
        assert master is not None and wake is not None
        pending = bytearray()
        while not self._unplugged.is_set():
            try:
                ready, _, _ = select.select([master, wake], [], [])
            except (OSError, ValueError):
                return
            if wake in ready or self._unplugged.is_set():
                return
            try:
                chunk = os.read(master, 4096)
            except BlockingIOError:
                continue
            except OSError as error:
                if error.errno == errno.EIO:  # no slave open right now: wait for one
                    self._unplugged.wait(0.01)
                    continue
                return
            pending += chunk
            for frame in _take_frames(pending):
                self._answer(master, frame)

    def _answer(self, master: int, frame: bytes) -> None:
        if self.baud:
            # The command took this long to arrive on a real line.
            self._unplugged.wait(transfer_time_s(len(frame), self.baud))
        body = frame[7:-1]
        if xor(frame[5:-1]) != frame[-1]:
            self._write(master, answer_frame(0x10))  # GA/T 467: checksum error from host
            return
        if len(body) < 2:
            self._write(master, answer_frame(0x11))
            return
        command = (body[0], body[1])
        self.commands[command] += 1
        reply = self._reply(command)
        if reply is not None:
            self._write(master, reply)

    def _reply(self, command: tuple[int, int]) -> bytes | None:
        profile = self._profile
        if profile == "silent":
            return None
        if profile == "sam-fault":
            return answer_frame(0x60)
        if command in (RESET_SAM, SAM_STATUS):
            return answer_frame(0x90)
        if command == SAM_ID:
            return answer_frame(0x90, self.sam_id)
        with self._lock:
            card = self._card
            if command == FIND_CARD:
                if self._finds_missed_after_swap:
                    self._finds_missed_after_swap -= 1
                    return answer_frame(0x80)
                if card is None or profile == "no-card":
                    return answer_frame(0x80)
                return answer_frame(0x9F, bytes(4))
            if command == SELECT_CARD:
                # GA/T 467 readers want the card lifted before they read it again.
                if card is None or profile == "no-card" or self._read_in_placement:
                    return answer_frame(0x81)
                self._selected = True
                return answer_frame(0x90, bytes(8))
            if command == READ_TEXT_PHOTO:
                if card is None or not self._selected:
                    return answer_frame(0x41)
                self._selected = False
                self._read_in_placement = True
                return self._read_answer(card, profile)
            if command == READ_EXTRA_ADDRESS:
                if card is None:
                    return answer_frame(0x41)
                if not card.extra_address:
                    return answer_frame(0x91)
                return answer_frame(0x90, ucs2_field(card.extra_address, 70, "extra address"))
        return answer_frame(0x21)  # command not understood

    def _read_answer(self, card: SamCard, profile: str) -> bytes | None:
        if profile == "silent-read":
            return None
        text, photo = card.text_block(), card.photo()
        data = len(text).to_bytes(2, "big") + PHOTO_SIZE.to_bytes(2, "big") + text + photo
        self.reads_answered += 1
        if profile == "unknown-status":
            return answer_frame(UNKNOWN_STATUS, data)
        frame = answer_frame(0x90, data)
        if profile == "bad-checksum":
            return frame[:-1] + bytes([frame[-1] ^ 0xFF])
        if profile == "truncated":
            return frame[: len(frame) // 2]
        return frame

    def _write(self, master: int, frame: bytes) -> None:
        baud = self.baud
        start = time.monotonic()
        sent = 0
        while sent < len(frame):
            if self._unplugged.is_set():
                return
            size = _CHUNK if baud else len(frame) - sent
            if baud:
                # Each chunk goes out when its last byte would have arrived at `baud`.
                due = start + transfer_time_s(sent + size, baud)
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            try:
                sent += os.write(master, frame[sent : sent + size])
            except BlockingIOError:
                # The kiosk is not reading (closed the port): the tty buffer is full.
                if not select.select([], [master], [], 0.5)[1]:
                    log.debug("SAM emulator: nobody reads the port; answer dropped")
                    return
            except OSError:
                return


def _take_frames(pending: bytearray) -> list[bytes]:
    """Complete command frames from the bytes received; garbage before a preamble skipped."""
    frames = []
    while True:
        start = pending.find(PREAMBLE)
        if start < 0:
            del pending[: max(0, len(pending) - len(PREAMBLE) + 1)]
            return frames
        del pending[:start]
        if len(pending) < 7:
            return frames
        length = int.from_bytes(pending[5:7], "big")
        if len(pending) < 7 + length:
            return frames
        frames.append(bytes(pending[: 7 + length]))
        del pending[: 7 + length]
