"""A thermal receipt printer speaking ESC/POS, through python-escpos.

python-escpos makes the commands (ESC @, GS v 0 raster images, the feed and GS V cut) and
owns the three connections a kiosk meets: `Network` (port 9100), `Serial` and `File`
(/dev/usb/lp*, the kernel's usblp). Reading the real-time status (DLE EOT n) is ours: its
`_read` waits for 16 bytes on a serial line (a whole timeout for a one-byte answer) and
`File` opens the device write-only.

Each job is one conversation: connect, ask the status (paper, cover, offline), send,
ask again, close. Network printers take one connection at a time, so none is held
between receipts; a lock keeps two threads of this process from interleaving jobs.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import select
import socket
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drivers.printer.address import PrinterAddress
from drivers.printer.errors import PrinterError, PrinterOffline, PrinterUnavailable
from drivers.printer.status import (
    DLE_EOT,
    OFFLINE_CAUSE,
    PAPER,
    PRINTER,
    PrinterStatus,
    is_status_byte,
)

if TYPE_CHECKING:
    from PIL.Image import Image

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 3.0  # a refused or silent printer is "offline" after this
STATUS_TIMEOUT_S = 1.0  # a printer that has not answered DLE EOT by then never will
FRAGMENT_ROWS = 960  # rows per GS v 0 command (python-escpos's default): printer buffers are small
DOTS_PER_MM = 8  # 203 dpi, every common receipt printer
PRINTABLE_DOTS = {58: 384, 80: 576}  # the printable width of each roll


def _escpos() -> tuple[Any, Any]:
    """python-escpos's printers and exceptions, imported on first use. Its import calls
    logging.basicConfig() (a handler on the root logger of a process that has configured
    none) and pickles its printer database into a fresh temporary directory each time
    unless told where."""
    root = logging.getLogger()
    placeholder = logging.NullHandler()
    if not root.handlers:
        root.addHandler(placeholder)
    try:
        return (
            importlib.import_module("escpos.printer"),
            importlib.import_module("escpos.exceptions"),
        )
    except ImportError as error:
        raise PrinterUnavailable(
            f"python-escpos is not installed ({error}): pip install python-escpos"
        ) from error
    finally:
        root.removeHandler(placeholder)


def use_capabilities_cache(cache_dir: Path) -> None:
    """Where python-escpos keeps its pickled printer database (read when it is first
    imported): a private directory, not /tmp, where a pickle planted by another user would
    be loaded. Call it on the main thread: setting the environment while another thread
    reads it is not safe."""
    if os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR") != str(cache_dir):
        try:
            cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as error:  # python-escpos then makes a private temporary one
            log.warning("printer cache %s not usable: %s", cache_dir, error)
            return
        os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(cache_dir))


class EscposPrinter:
    """The printer at `address` with a roll `paper_width_mm` wide (58 or 80).

    `cache_dir` holds python-escpos's pickled printer database (kept out of /tmp, where
    a pickle planted by another user would be loaded)."""

    def __init__(
        self,
        address: PrinterAddress,
        paper_width_mm: int = 80,
        *,
        cache_dir: Path | None = None,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        status_timeout_s: float = STATUS_TIMEOUT_S,
    ) -> None:
        if paper_width_mm not in PRINTABLE_DOTS:
            raise ValueError(f"paper_width_mm = {paper_width_mm}: expected 58 or 80")
        self.address = address
        self.width_dots = PRINTABLE_DOTS[paper_width_mm]
        self.cache_dir = cache_dir
        self.connect_timeout_s = connect_timeout_s
        self.status_timeout_s = status_timeout_s
        self._lock = threading.Lock()

    def __str__(self) -> str:
        return f"ESC/POS printer at {self.address} ({self.width_dots} dots)"

    def status(self) -> PrinterStatus:
        """Ask without printing. Raises PrinterOffline when it cannot be reached."""
        with self._lock, self._connection() as printer:
            return self._ask_status(printer)

    def print_image(self, image: Image) -> PrinterStatus:
        """ESC @, the status (a fault stops the job before a dot of it is sent), the image
        as GS v 0 rasters, a feed and a cut, the status again (paper that ran out during
        the job). Returns the status after; raises PaperOut, CoverOpen,
        PrinterOffline or PrinterUnavailable."""
        if image.width != self.width_dots:
            raise ValueError(f"the image is {image.width} dots wide, the roll {self.width_dots}")
        where = str(self.address)
        with self._lock, self._connection() as printer:
            try:
                printer.hw("INIT")  # ESC @: whatever a previous job left set is cleared
            except OSError as error:
                raise PrinterOffline(f"{where}: lost ({_reason(error)})") from error
            before = self._ask_status(printer)
            if (problem := before.problem(where)) is not None:
                raise problem
            try:
                printer.image(image, impl="bitImageRaster", fragment_height=FRAGMENT_ROWS)
                printer.cut()  # ESC d 6 (past the cutter), GS V 0
            except OSError as error:  # refused mid-job, a write timeout, an unplugged cable
                raise PrinterOffline(f"{where}: the job was cut short ({error})") from error
            if not before.answered:  # no back channel: asking again would only wait
                return before
            after = self._ask_status(printer)
            if (problem := after.problem(where)) is not None:
                raise problem
            return after

    # -- the connection -------------------------------------------------------------------

    @contextlib.contextmanager
    def _connection(self):
        if self.cache_dir is not None:
            use_capabilities_cache(self.cache_dir)  # set already where the kiosk made us
        escpos, escpos_errors = _escpos()
        printer = self._make(escpos)
        try:
            self._open(printer, escpos_errors.Error)
            yield printer
        finally:
            with contextlib.suppress(OSError):
                printer.close()

    def _make(self, escpos: Any) -> Any:
        a = self.address
        if a.kind == "network":
            printer = escpos.Network(a.host, a.port, timeout=self.connect_timeout_s)
        elif a.kind == "serial":
            printer = escpos.Serial(a.path, baudrate=a.baud, timeout=self.status_timeout_s)
        else:
            printer = escpos.File(a.path)
        # The roll's width, so that python-escpos refuses an image wider than the paper
        # (its default profile says "Unknown" and prints a warning to stdout instead).
        data = printer.profile.profile_data
        printer.profile.profile_data = {
            **data,
            "media": {"width": {"pixels": self.width_dots, "mm": self.width_dots // DOTS_PER_MM}},
        }
        return printer

    def _open(self, printer: Any, escpos_error: type[Exception]) -> None:
        a = self.address
        try:
            if a.kind == "usb":
                # Read and write: usblp hands DLE EOT answers back on the read side.
                printer.device = _open_usblp(a.path)
            elif a.kind == "network":
                # Our own connect: Network.open() drops the socket of a refused connection
                # unclosed (a ResourceWarning, an fd leaked per attempt).
                sock = socket.create_connection((a.host, a.port), timeout=self.connect_timeout_s)
                # Status questions are 3-byte writes each awaiting an answer: without
                # NODELAY each waits for the delayed ACK of the last (40 ms on Linux).
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                printer.device = sock
            else:
                printer.open()
        except (OSError, escpos_error) as error:
            raise PrinterOffline(f"{a}: cannot connect ({_reason(error)})") from error
        if a.kind == "serial":
            # A stalled line (flow control, a printer gone) must not block forever:
            # long enough for a whole raster fragment at this baud rate, and then some.
            fragment_bits = self.width_dots // 8 * FRAGMENT_ROWS * 10
            printer.device.write_timeout = 5.0 + 1.5 * fragment_bits / a.baud

    # -- DLE EOT --------------------------------------------------------------------------

    def _ask_status(self, printer: Any) -> PrinterStatus:
        answers: dict[int, int] = {}
        for n in (PRINTER, OFFLINE_CAUSE, PAPER):
            value = self._ask(printer, n)
            if value is None:
                break  # no back channel: do not wait once more for each question
            answers[n] = value
        status = PrinterStatus.from_answers(answers)
        log.debug("%s: %s", self.address, status.describe())
        return status

    def _ask(self, printer: Any, n: int) -> int | None:
        """The byte answered to DLE EOT n, or None when none came in time."""
        kind = self.address.kind
        try:
            _drain(printer, kind)
            question = DLE_EOT + bytes((n,))
            if kind == "network":  # python-escpos's own query: one recv, whatever arrived
                printer.device.settimeout(self.status_timeout_s)
                try:
                    data = printer.query_status(question)
                except TimeoutError:
                    return None
                finally:
                    printer.device.settimeout(self.connect_timeout_s)
                if not data:
                    raise PrinterOffline(f"{self.address}: the printer closed the connection")
            elif kind == "serial":
                printer._raw(question)
                printer.device.timeout = self.status_timeout_s
                data = printer.device.read(1)
            else:
                printer._raw(question)
                data = _read_ready(printer.device, self.status_timeout_s)
        except PrinterError:
            raise
        except OSError as error:
            raise PrinterOffline(f"{self.address}: lost ({_reason(error)})") from error
        return next((b for b in data if is_status_byte(b)), None)


def _open_usblp(path: str) -> Any:
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
        mode = "r+b"
    except PermissionError:
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)  # write-only: no status
        mode = "wb"
    return os.fdopen(fd, mode)


def _drain(printer: Any, kind: str) -> None:
    """Drop bytes the printer sent unasked (automatic status back), so that the next byte
    read is the answer to the question about to be asked."""
    if kind == "network":
        sock: socket.socket = printer.device
        timeout = sock.gettimeout()
        sock.settimeout(0)  # with a timeout set, Python waits for data even under MSG_DONTWAIT
        try:
            with contextlib.suppress(BlockingIOError, InterruptedError):
                while sock.recv(64):
                    pass
        finally:
            sock.settimeout(timeout)
    elif kind == "serial":
        printer.device.reset_input_buffer()
    else:
        while _read_ready(printer.device, 0):
            pass


def _read_ready(device: Any, timeout_s: float) -> bytes:
    if "r" not in device.mode and "+" not in device.mode:
        return b""  # opened write-only
    ready, _, _ = select.select([device], [], [], timeout_s)
    return os.read(device.fileno(), 16) if ready else b""


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    lines = str(error).strip().splitlines()  # python-escpos puts the OS's reason last
    return lines[-1] if lines else type(error).__name__
