"""DLE EOT n, the real-time status every ESC/POS printer answers with one byte, even
while it is offline (Epson's ESC/POS reference; python-escpos names n=1 and n=4 only).

Each answer has bits 1 and 4 set and bits 0 and 7 clear; that fixed pattern is how a
status byte is told from stray data.

- n=1 printer status:      bit 3  offline
- n=2 offline cause:       bit 2  cover open; bit 5 stopped for paper end; bit 6 error
- n=4 roll paper sensor:   bits 2-3 paper near its end; bits 5-6 paper end
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.printer.errors import CoverOpen, PaperOut, PrinterError, PrinterOffline

DLE_EOT = b"\x10\x04"
PRINTER, OFFLINE_CAUSE, PAPER = 1, 2, 4
FIXED_MASK, FIXED_BITS = 0b1001_0011, 0b0001_0010


def is_status_byte(value: int) -> bool:
    return value & FIXED_MASK == FIXED_BITS


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said; `answered` is False when it answered nothing at all
    (printers without a back channel, e.g. some USB ones): then nothing is known."""

    answered: bool = True
    offline: bool = False
    cover_open: bool = False
    paper_out: bool = False
    paper_low: bool = False
    error: bool = False

    @classmethod
    def from_answers(cls, answers: dict[int, int]) -> PrinterStatus:
        """From the bytes answered to DLE EOT 1, 2 and 4 (a missing one: nothing known)."""
        if not answers:
            return cls(answered=False)
        printer = answers.get(PRINTER, FIXED_BITS)
        cause = answers.get(OFFLINE_CAUSE, FIXED_BITS)
        paper = answers.get(PAPER, FIXED_BITS)
        return cls(
            offline=bool(printer & 0x08),
            cover_open=bool(cause & 0x04),
            paper_out=bool(paper & 0x60) or bool(cause & 0x20),
            paper_low=bool(paper & 0x0C),
            error=bool(cause & 0x40),
        )

    def problem(self, where: str) -> PrinterError | None:
        """The fault that stops printing, most specific first; None when it may print."""
        if self.paper_out:
            return PaperOut(f"{where}: out of paper")
        if self.cover_open:
            return CoverOpen(f"{where}: cover open")
        if self.offline or self.error:
            return PrinterOffline(f"{where}: the printer reports it is offline (an error)")
        return None

    def describe(self) -> str:
        if not self.answered:
            return "no status answer (the printer may not report status on this connection)"
        words = [
            word
            for flag, word in (
                (self.paper_out, "out of paper"),
                (self.cover_open, "cover open"),
                (self.offline, "offline"),
                (self.error, "error"),
                (self.paper_low and not self.paper_out, "paper low"),
            )
            if flag
        ]
        return ", ".join(words) or "ready"
