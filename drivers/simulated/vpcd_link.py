"""The vpcd socket protocol (vsmartcard `vpcd.c`): our side of a virtual card slot.

Connecting to the reader's port inserts the card; closing the socket removes it. Every
frame is a 2-byte big-endian length and a payload; 1-byte payloads are control codes.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import socket
import struct
import threading
from typing import Protocol

from drivers.simulated.card_faults import CardWithdrawn

log = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
VPCD_BASE_PORT = 35963  # reader "Virtual PCD 00 00"; 00 01 is +1

CTRL_POWER_OFF, CTRL_POWER_ON, CTRL_RESET, CTRL_GET_ATR = 0, 1, 2, 4
CONTROL_NAMES = {
    CTRL_POWER_OFF: "power off",
    CTRL_POWER_ON: "power on",
    CTRL_RESET: "reset",
    CTRL_GET_ATR: "get ATR",
}


class EmulatedCard(Protocol):
    atr: bytes

    def reset(self) -> None: ...

    # None: never answer (a hung card). Raising CardWithdrawn: the card is pulled out.
    def process(self, apdu: bytes) -> bytes | None: ...


class VpcdLink:
    """Serves one emulated card on one vpcd reader slot, in a background thread."""

    def __init__(self, card: EmulatedCard, reader_index: int = 0, host: str = VPCD_HOST) -> None:
        self.card = card
        self.port = VPCD_BASE_PORT + reader_index
        self.host = host
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._hung = threading.Event()
        self.apdus_answered = 0
        # The last frames vpcd sent (a control code's name or an APDU's INS), for the
        # diagnosis of a failed read: what came between the SELECT and the READ.
        self.recent_frames: collections.deque[str] = collections.deque(maxlen=24)

    def insert(self, timeout: float = 2.0) -> None:
        """Connect to vpcd (the card is inserted once this returns)."""
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        sock.settimeout(None)
        # vpcd writes the length and the payload separately: without these, Nagle plus
        # delayed ACK cost ~40 ms per APDU (cards.md).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._hung = threading.Event()
        self._sock = sock
        self._thread = threading.Thread(
            target=self._serve, name=f"vpcd-card-{self.port}", daemon=True
        )
        self._thread.start()

    def remove(self) -> None:
        """Close the socket: pcscd sees the card leave at its next presence poll."""
        sock, self._sock = self._sock, None
        self._hung.set()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
        self._thread = None

    @property
    def inserted(self) -> bool:
        return self._sock is not None

    def wait(self) -> None:
        """Block until vpcd closes the connection (used by the detached card process)."""
        if self._thread is not None:
            self._thread.join()

    def _serve(self) -> None:
        sock = self._sock
        if sock is None:
            return
        try:
            while True:
                payload = _recv_frame(sock)
                if payload is None:
                    return
                try:
                    reply = self._answer(payload)
                except CardWithdrawn:
                    self._sock = None
                    sock.close()
                    return
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
                elif len(payload) > 1:
                    self._hung.wait()  # a hung card: answer nothing until removed
                    return
        except OSError:
            return  # removed (socket closed under us) or vpcd went away

    def _answer(self, payload: bytes) -> bytes | None:
        if len(payload) == 1:
            code = payload[0]
            self.recent_frames.append(CONTROL_NAMES.get(code, f"control {code}"))
            if code == CTRL_GET_ATR:
                return self.card.atr
            if code in (CTRL_POWER_OFF, CTRL_POWER_ON, CTRL_RESET):
                self.card.reset()
            return None
        self.apdus_answered += 1
        self.recent_frames.append(f"INS {payload[1]:02X}" if len(payload) > 1 else "?")
        return self.card.process(payload)


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = bytearray()
    while len(data) < size:
        # Re-armed before every recv: Linux clears TCP_QUICKACK after it fires.
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _recv_frame(sock: socket.socket) -> bytes | None:
    header = _recv_exactly(sock, 2)
    if header is None:
        return None
    (length,) = struct.unpack(">H", header)
    return _recv_exactly(sock, length)
