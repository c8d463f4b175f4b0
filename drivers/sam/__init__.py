"""The SAM ID-card reader (GA/T 467 serial frames, GA 490 text layout) on pyserial.

Reads the resident ID card, the 港澳台 residence permit and the foreign permanent resident
card into the same `Identity` as the social security card; reports through the same
events as the PC/SC service (drivers/events.py), from its own `sam-device` thread.

- frames:   frame encoding and checking (preamble, length, XOR, status codes)
- text:     the 256-byte text block of the three card kinds
- port:     the serial port: one command, one answer, deadlines, never a hang
- protocol: the commands (SAM status/id, find, select, read) and their statuses
- service:  `SamReaderService` (the device thread), `read_card_once`, `probe_reader`
"""

from drivers.sam.service import (
    SamReaderProbe,
    SamReaderService,
    probe_reader,
    read_card_once,
)

__all__ = ["SamReaderProbe", "SamReaderService", "probe_reader", "read_card_once"]
