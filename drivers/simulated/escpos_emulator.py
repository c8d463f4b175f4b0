"""A network ESC/POS receipt printer on 127.0.0.1, for tests, demos and `kiosk printer
emulate`: it records every connection's byte stream, parses it enough to check a
receipt, and answers DLE EOT status questions in the state it is set to.

States: `ok`, `paper_low`, `paper_out`, `cover_open` (answered as a real printer would:
offline, with the cause), `silent` (takes jobs, never answers a status question: a
printer without a back channel) and `offline` (the port refuses connections; a printer
switched off).

Parsed: ESC @, DLE EOT n, GS v 0 raster images (width in dots, the bitmap), GS ( k (2D
codes), GS V cuts, ESC d feeds, FS & / FS . (Chinese mode on/off), the common one-byte
settings; any other byte is text, kept as sent.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
STATES = ("ok", "paper_low", "paper_out", "cover_open", "silent", "offline")
# ESC x n / GS x n / FS x n commands with one parameter byte (x as a character).
ONE_PARAMETER = {
    ESC: set("d!aEJ3-MGRt{VUrc"),
    GS: set("!BhwHfbaE"),
    FS: set("!C-W"),
}
NO_PARAMETER = {ESC: set("@2<"), FS: set("&.")}


@dataclass(frozen=True)
class Raster:
    """One GS v 0 image: `bits` row by row, `width_dots / 8` bytes a row, 1 = a black dot."""

    width_dots: int
    height: int
    bits: bytes

    def image(self) -> Any:
        """As a Pillow image, black on white (for QR decoders and for looking at)."""
        from PIL import Image, ImageOps

        printed = Image.frombytes("1", (self.width_dots, self.height), self.bits)
        return ImageOps.invert(printed.convert("L"))


@dataclass(frozen=True)
class Command:
    name: str  # init, status, raster, qr, cut, feed, chinese_on, chinese_off, text, setting
    value: Any = None
    raw: bytes = b""


def _command_length(buffer: bytes, at: int) -> int | None:
    """How many bytes the command starting at `at` takes; None when it is not all here."""
    first = buffer[at]
    if first not in (ESC, GS, FS, DLE):
        return 1
    if at + 1 >= len(buffer):
        return None
    second = buffer[at + 1]
    letter = chr(second)
    if first == DLE:
        return 3 if second in (0x04, 0x05) else 1  # DLE EOT n, DLE ENQ n; else a text byte
    if letter in NO_PARAMETER.get(first, ()):
        return 2
    if first == GS and letter == "V":  # GS V m, or GS V m n for m = 65, 66
        if at + 2 >= len(buffer):
            return None
        return 4 if buffer[at + 2] in (65, 66) else 3
    if first == GS and letter == "v":  # GS v 0 m xL xH yL yH d1...dk
        if at + 8 > len(buffer):
            return None
        width_bytes = buffer[at + 4] | buffer[at + 5] << 8
        height = buffer[at + 6] | buffer[at + 7] << 8
        return 8 + width_bytes * height
    if first == GS and letter == "(":  # GS ( k pL pH ..., GS ( L pL pH ...
        if at + 5 > len(buffer):
            return None
        return 5 + (buffer[at + 3] | buffer[at + 4] << 8)
    if letter in ONE_PARAMETER.get(first, ()):
        return 3
    return 2  # an unknown command: taken as two bytes, recorded as a setting


def _command(raw: bytes) -> Command:
    if len(raw) == 1 or raw[0] not in (ESC, GS, FS, DLE):
        return Command("text", raw, raw)
    first, letter = raw[0], chr(raw[1])
    if first == ESC and letter == "@":
        return Command("init", None, raw)
    if first == DLE and raw[1] == 0x04:
        return Command("status", raw[2], raw)
    if first == GS and letter == "v":
        width_bytes, height = raw[4] | raw[5] << 8, raw[6] | raw[7] << 8
        return Command("raster", Raster(width_bytes * 8, height, bytes(raw[8:])), raw)
    if first == GS and letter == "(" and raw[2:3] == b"k":
        return Command("qr", bytes(raw[5:]), raw)
    if first == GS and letter == "V":
        return Command("cut", raw[2], raw)
    if first == ESC and letter == "d":
        return Command("feed", raw[2], raw)
    if first == FS and letter in "&.":
        return Command("chinese_on" if letter == "&" else "chinese_off", None, raw)
    return Command("setting", None, raw)


class EscposParser:
    """Commands out of a byte stream fed in pieces (a command may span TCP segments)."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[Command]:
        buffer = self._pending + data
        commands, at = [], 0
        while at < len(buffer):
            length = _command_length(buffer, at)
            if length is None or at + length > len(buffer):
                break
            commands.append(_command(buffer[at : at + length]))
            at += length
        self._pending = buffer[at:]
        return commands


def parse(stream: bytes) -> list[Command]:
    return EscposParser().feed(stream)


@dataclass
class Job:
    """What one connection sent."""

    stream: bytearray = field(default_factory=bytearray)
    commands: list[Command] = field(default_factory=list)
    closed: bool = False

    def named(self, name: str) -> list[Command]:
        return [command for command in self.commands if command.name == name]

    @property
    def rasters(self) -> list[Raster]:
        return [command.value for command in self.named("raster")]

    def page(self) -> Any:
        """Every raster of the job stacked top to bottom (python-escpos sends a tall image
        in fragments), as one Pillow image; None when there was none."""
        from PIL import Image

        images = [raster.image() for raster in self.rasters]
        if not images:
            return None
        page = Image.new("L", (max(i.width for i in images), sum(i.height for i in images)), 255)
        top = 0
        for image in images:
            page.paste(image, (0, top))
            top += image.height
        return page

    def text(self, encoding: str = "gb18030") -> str:
        raw = b"".join(command.value for command in self.named("text"))
        return raw.decode(encoding, "replace")


def status_answer(state: str, n: int) -> bytes:
    """The byte a printer in `state` answers to DLE EOT n (see drivers/printer/status.py)."""
    if state == "silent":
        return b""
    value = 0x12
    if n == 1 and state in ("paper_out", "cover_open"):
        value |= 0x08  # offline
    elif n == 2:
        value |= (0x04 if state == "cover_open" else 0) | (0x20 if state == "paper_out" else 0)
    elif n == 4:
        value |= {"paper_out": 0x6C, "paper_low": 0x0C}.get(state, 0)
    return bytes((value,))


class EscposPrinterEmulator:
    """`with EscposPrinterEmulator() as printer:` serves on 127.0.0.1 (`port=0`: a free
    port, kept when it goes offline and back), `printer.url` for `escpos_url`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, state: str = "ok") -> None:
        self.host, self.port = host, port
        self._state = self._checked(state)
        self._after_cut: str | None = None
        self.jobs: list[Job] = []
        self._changed = threading.Condition()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._connections: set[socket.socket] = set()

    @staticmethod
    def _checked(state: str) -> str:
        if state not in STATES:
            raise ValueError(f"state {state!r}: expected one of {', '.join(STATES)}")
        return state

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    def __enter__(self) -> EscposPrinterEmulator:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        if self._state != "offline":
            self._listen()

    def set_state(self, state: str, *, after_cut: bool = False) -> None:
        """Now, or (`after_cut`) once the next cut has been received: paper running out
        during a job."""
        state = self._checked(state)
        if after_cut:
            self._after_cut = state
            return
        was, self._state = self._state, state
        if state == "offline" and was != "offline":
            self._stop_listening()
        elif was == "offline" and state != "offline":
            self._listen()

    def wait_for_jobs(self, count: int, timeout_s: float = 10.0) -> list[Job]:
        """Once `count` connections have closed; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while sum(job.closed for job in self.jobs) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{count} job(s) expected, {len(self.jobs)} seen")
                self._changed.wait(left)
            return [job for job in self.jobs if job.closed]

    def close(self) -> None:
        self._stop_listening()
        for thread in self._threads:
            thread.join(timeout=10)

    # -- serving --------------------------------------------------------------------------

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(8)
        self.port = listener.getsockname()[1]
        self._listener = listener
        thread = threading.Thread(target=self._accept, args=(listener,), name="escpos-emulator")
        thread.start()
        self._threads.append(thread)

    def _stop_listening(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown wakes the accept() blocked on it; then nothing answers on the port.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for connection in list(self._connections):  # switched off: connections drop too
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # the listener was closed: offline or shut down
            thread = threading.Thread(
                target=self._serve, args=(connection,), name="escpos-emulator-job"
            )
            thread.start()
            self._threads.append(thread)

    def _serve(self, connection: socket.socket) -> None:
        job, parser = Job(), EscposParser()
        with self._changed:
            self.jobs.append(job)
        self._connections.add(connection)
        try:
            with connection:
                while data := connection.recv(65536):
                    commands = parser.feed(data)
                    with self._changed:
                        job.stream += data
                        job.commands += commands
                    for command in commands:
                        self._obey(command, connection, job)
        except OSError:
            pass  # dropped by the client or by going offline: the job ends here
        finally:
            self._connections.discard(connection)
            with self._changed:
                job.closed = True
                self._changed.notify_all()

    def _obey(self, command: Command, connection: socket.socket, job: Job) -> None:
        if command.name == "status":
            answer = status_answer(self._state, command.value)
            if answer:
                connection.sendall(answer)
        elif command.name == "cut" and self._after_cut is not None:
            self._state, self._after_cut = self._after_cut, None
