"""A SAM reader's serial port (pyserial): one command, one answer, never a hang.

Every wait has a deadline and is cut into short slices, so a silent reader costs at most
the caller's timeout and `stop()` is seen within a slice. Before each command the input is
flushed: an answer that arrived after its command timed out must not be taken for the
answer to the next one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import termios
import threading
import time

import serial

from drivers.errors import BadFrame, CardNotResponding, NoReader, ReaderBusy
from drivers.sam.frames import FrameDecoder, Response, command_frame, command_name

log = logging.getLogger(__name__)

DEFAULT_BAUD = 115200  # 8N1, what most certified readers use (cards.md)
READ_SLICE_S = 0.05  # longest single blocking read: bounds how late a stop() is seen
WRITE_TIMEOUT_S = 1.0  # a USB-serial adapter with a stuck flow control must not hang us


class ReaderGone(NoReader):
    """The port vanished under us (USB unplugged, pty closed): reopen it later."""


class Stopped(Exception):
    """The owner asked the port to give up (service stopping). Not a card fault."""


class SamPort:
    """The serial link to one SAM reader. Not thread-safe: one owner thread."""

    def __init__(
        self, path: str, baud: int = DEFAULT_BAUD, cancel: threading.Event | None = None
    ) -> None:
        self.path = path
        self.baud = baud
        self.frames_sent = 0
        self._cancel = cancel or threading.Event()
        self._serial: serial.Serial | None = None

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def open(self) -> None:
        """Open the port exclusively; NoReader if it is missing, ReaderBusy if held."""
        try:
            # exclusive: one conversation per serial line (flock, so a second kiosk or a
            # doctor run while the kiosk reads is refused instead of garbling both).
            self._serial = serial.Serial(
                self.path,
                self.baud,
                timeout=READ_SLICE_S,
                write_timeout=WRITE_TIMEOUT_S,
                exclusive=True,
            )
        except serial.SerialException as error:
            raise _open_error(self.path, error) from None
        except OSError as error:
            raise NoReader(f"no SAM reader at {self.path}: {error.strerror}") from None

    def close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except (OSError, serial.SerialException):  # a vanished device may refuse
                log.debug("closing the SAM reader port failed", exc_info=True)

    def cancel_read(self) -> None:
        """Wake a blocked read at once (from another thread, with the cancel event set)."""
        port = self._serial
        if port is not None:
            with contextlib.suppress(OSError, serial.SerialException, AttributeError):
                port.cancel_read()

    def transact(self, command: tuple[int, int], timeout_s: float, data: bytes = b"") -> Response:
        """Send one command and wait at most `timeout_s` for its answer frame.

        CardNotResponding if nothing came, BadFrame if the answer was garbled or cut short,
        ReaderGone if the device vanished, Stopped if cancelled.
        """
        port = self._serial
        if port is None:
            raise ReaderGone(f"the SAM reader port {self.path} is not open")
        name = command_name(command)
        deadline = time.monotonic() + timeout_s
        try:
            port.reset_input_buffer()
            port.write(command_frame(command, data))
            self.frames_sent += 1
            decoder = FrameDecoder()
            while True:
                if self._cancel.is_set():
                    raise Stopped
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _timeout(name, timeout_s, decoder)
                chunk = port.read(decoder.needed())
                if chunk:
                    answer = decoder.feed(chunk)
                    if answer is not None:
                        return answer
        except serial.SerialTimeoutException as error:
            raise CardNotResponding(f"the SAM reader did not take {name}: {error}") from None
        except serial.SerialException as error:
            raise ReaderGone(f"the SAM reader on {self.path} went away during {name}") from error
        except (OSError, termios.error) as error:
            # tcflush / write on a tty whose device vanished (termios.error is no OSError)
            raise ReaderGone(f"the SAM reader on {self.path} went away during {name}") from error


def _timeout(name: str, timeout_s: float, decoder: FrameDecoder) -> CardNotResponding:
    if decoder.received == 0:
        return CardNotResponding(f"no answer to {name} within {timeout_s:.2f} s")
    expected = decoder.expected
    of = f" of {expected}" if expected is not None else ""
    return BadFrame(
        f"truncated answer to {name}: {decoder.received}{of} bytes within {timeout_s:.2f} s"
    )


def _open_error(path: str, error: serial.SerialException) -> NoReader | ReaderBusy:
    if "exclusively lock" in str(error):
        return ReaderBusy(f"the SAM reader port {path} is in use by another program")
    errno_ = getattr(error, "errno", None)
    reason = os.strerror(errno_) if isinstance(errno_, int) else str(error)
    return NoReader(f"no SAM reader at {path}: {reason}")
