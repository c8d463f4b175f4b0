"""The verifier's side of the backend: statuses by HMAC only, and the signed status list.

`kiosk backend --status-file FILE` hands over a CSV of `id_number,status` (pass, manual or
deny). Each ID number is turned into HMAC-SHA256 under the look-up key the kiosks share the
moment its line is read, and only the digests are kept: in memory, as the very list the
kiosks download (sorted 16-byte digest prefixes + a status byte, docs/status-list.md),
signed with Ed25519. The file is read again when it changes (size or mtime); a broken file
keeps the last good list. A list is re-issued (new sequence, new times) when the file
changes and when half its validity has passed, so a kiosk that refreshes never holds an
expired one. Sequences never go back: the highest issued is kept in the backend's store.

This module imports nothing of the kiosk: the format is written here on its own, and a
test checks that the kiosk reads what it writes.
"""

from __future__ import annotations

import base64
import bisect
import csv
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

log = logging.getLogger(__name__)

MAGIC = b"VKSTATL1"
DIGEST_BYTES = 16
ENTRY_BYTES = DIGEST_BYTES + 1
STATUS_BYTES = {"pass": 1, "manual": 2, "deny": 3}
STATUS_NAMES = {value: name for name, value in STATUS_BYTES.items()}
DEFAULT_VALIDITY_S = 48 * 3600.0  # the Swiss SDK's bound: data older than 48 h is an error
DEFAULT_CHECK = {
    "id": "health_code",
    "title": {"zh": "健康码核验", "yue": "健康碼核驗", "en": "Health code check"},
    "labels": {
        "pass": {"zh": "通过", "yue": "通過", "en": "Pass"},
        "manual": {"zh": "请人工核验", "yue": "請人工核驗", "en": "Check by hand"},
        "deny": {"zh": "禁止通行", "yue": "禁止通行", "en": "No entry"},
    },
}


class StatusFileError(Exception):
    """The status file cannot be used; the message names the line (never the number)."""


def digest(key: bytes, id_number: str) -> bytes:
    return hmac.new(key, id_number.strip().upper().encode("ascii"), hashlib.sha256).digest()


def key_id(key: bytes) -> str:
    return hmac.new(key, b"village-kiosk lookup key id", hashlib.sha256).hexdigest()[:16]


def _private_file(path: Path, content: bytes) -> None:
    """Written 0600 (never readable by others, not even for a moment) and atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """The list's signing key (raw 32 bytes, base64), made on first use."""
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        raw = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        _private_file(path, base64.b64encode(raw) + b"\n")
        return key
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_bytes().strip()))


def public_key_text(key: Ed25519PrivateKey) -> str:
    """What the kiosk's `verifier_public_key` takes."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + base64.b64encode(raw).decode("ascii")


def load_lookup_key(path: Path) -> bytes:
    """The shared HMAC key (base64, as kiosk.toml's `verifier_lookup_key`), made on first
    use (32 random bytes)."""
    if not path.exists():
        key = secrets.token_bytes(32)
        _private_file(path, base64.b64encode(key) + b"\n")
        return key
    key = base64.b64decode(path.read_bytes().strip(), validate=True)
    if len(key) < 16:
        raise ValueError(f"{path}: the look-up key is shorter than 16 bytes")
    return key


def read_status_file(path: Path, key: bytes) -> dict[bytes, int]:
    """Digest prefix -> status byte, one per line of `id_number,status` (a header line
    `id_number,status` is allowed). The numbers are hashed as they are read."""
    entries: dict[bytes, int] = {}
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.reader(handle), 1):
                if not row or (line == 1 and row[0].strip().lower() == "id_number"):
                    continue
                if len(row) != 2 or row[1].strip() not in STATUS_BYTES:
                    raise StatusFileError(
                        f"{path.name}:{line}: expected id_number,status with status one of "
                        "pass, manual, deny"
                    )
                number = row[0].strip()
                if not number.isascii() or not 6 <= len(number) <= 32:
                    raise StatusFileError(f"{path.name}:{line}: not an ID number")
                entries[digest(key, number)[:DIGEST_BYTES]] = STATUS_BYTES[row[1].strip()]
    except (OSError, UnicodeDecodeError) as error:
        raise StatusFileError(f"{path.name}: cannot be read ({type(error).__name__})") from None
    return entries


def sorted_entries(entries: dict[bytes, int]) -> bytes:
    """The list's entry block: digest prefix + status byte, ascending by digest."""
    return b"".join(prefix + bytes([status]) for prefix, status in sorted(entries.items()))


def build_list(
    entry_block: bytes,
    *,
    sequence: int,
    issued_at: dt.datetime,
    valid_until: dt.datetime,
    lookup_key_id: str,
    signing_key: Ed25519PrivateKey,
    check: dict | None = None,
    absent: str = "unknown",
) -> bytes:
    """The signed list's exact bytes (docs/status-list.md)."""
    header = {
        "format": 1,
        "sequence": sequence,
        "issued_at": issued_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "valid_until": valid_until.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "count": len(entry_block) // ENTRY_BYTES,
        "digest_bytes": DIGEST_BYTES,
        "lookup_key_id": lookup_key_id,
        "absent": absent,
        "check": check or DEFAULT_CHECK,
    }
    header_bytes = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    body = MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes + entry_block
    return body + signing_key.sign(body)


class _Digests:
    """The digests of an entry block as a sequence, for bisect, without copying them."""

    def __init__(self, block: bytes) -> None:
        self._block = block

    def __len__(self) -> int:
        return len(self._block) // ENTRY_BYTES

    def __getitem__(self, index: int) -> bytes:
        start = index * ENTRY_BYTES
        return self._block[start : start + DIGEST_BYTES]


@dataclass(frozen=True)
class VerifierSetup:
    """What `kiosk backend --status-file --lookup-key --signing-key` gives the app."""

    status_file: Path
    lookup_key: bytes
    signing_key: Ed25519PrivateKey
    validity_s: float = DEFAULT_VALIDITY_S

    def book(self, store: SequenceStore) -> StatusBook:
        return StatusBook(
            self.status_file,
            self.lookup_key,
            self.signing_key,
            last_sequence=store.last_list_sequence,
            record_sequence=store.record_list,
            validity_s=self.validity_s,
        )


class SequenceStore(Protocol):
    def last_list_sequence(self) -> int: ...

    def record_list(self, sequence: int, etag: str) -> None: ...


@dataclass(frozen=True)
class IssuedList:
    body: bytes
    etag: str
    sequence: int
    issued_at: float
    valid_until: float
    entry_block: bytes  # for the online look-up


class StatusBook:
    """The statuses the backend answers with, online and as the signed list."""

    def __init__(
        self,
        status_file: Path,
        lookup_key: bytes,
        signing_key: Ed25519PrivateKey,
        *,
        last_sequence: Callable[[], int],
        record_sequence: Callable[[int, str], None],
        validity_s: float = DEFAULT_VALIDITY_S,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._path = Path(status_file)
        self._key = lookup_key
        self._key_id = key_id(lookup_key)
        self._signing_key = signing_key
        self._last_sequence = last_sequence
        self._record_sequence = record_sequence
        self._validity_s = validity_s
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC).timestamp())
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None  # (size, mtime_ns) of the file read
        self._entries: bytes | None = None  # the entry block of the last good file
        self._issued: IssuedList | None = None
        self.problem = ""
        self.current()  # a status file unusable at start is an error for the operator
        if self._issued is None:
            raise StatusFileError(self.problem)

    def current(self) -> IssuedList | None:
        """The list to serve: re-read when the file changed, re-issued when half its
        validity has passed. None only if no good file was ever read."""
        with self._lock:
            self._reload_if_changed()
            issued = self._issued
            if self._entries is not None and (
                issued is None or self._clock() >= issued.issued_at + self._validity_s / 2
            ):
                issued = self._issue(self._entries)
            return issued

    def status_of(self, hmac_hex: str) -> tuple[str, int | None]:
        """(pass | manual | deny | the list's absent result, the list's sequence)."""
        issued = self.current()
        if issued is None:
            return "unknown", None
        wanted = bytes.fromhex(hmac_hex)[:DIGEST_BYTES]
        digests = _Digests(issued.entry_block)
        index = bisect.bisect_left(digests, wanted)
        if index < len(digests) and digests[index] == wanted:
            status = issued.entry_block[index * ENTRY_BYTES + DIGEST_BYTES]
            return STATUS_NAMES[status], issued.sequence
        return "unknown", issued.sequence

    def _reload_if_changed(self) -> None:
        try:
            stat = self._path.stat()
        except OSError as error:
            self._note_problem(f"{self._path.name}: {type(error).__name__}")
            return
        seen = (stat.st_size, stat.st_mtime_ns)
        if seen == self._seen:
            return
        try:
            entries = sorted_entries(read_status_file(self._path, self._key))
        except StatusFileError as error:
            self._seen = seen  # not read again until it changes; the last good list stays
            self._note_problem(str(error))
            return
        self._seen = seen
        self.problem = ""
        if entries != self._entries:
            self._entries = entries
            self._issue(entries)

    def _issue(self, entries: bytes) -> IssuedList:
        now = self._clock()
        sequence = self._last_sequence() + 1
        issued_at = dt.datetime.fromtimestamp(int(now), dt.UTC)
        valid_until = issued_at + dt.timedelta(seconds=self._validity_s)
        body = build_list(
            entries,
            sequence=sequence,
            issued_at=issued_at,
            valid_until=valid_until,
            lookup_key_id=self._key_id,
            signing_key=self._signing_key,
        )
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        self._record_sequence(sequence, etag)
        self._issued = IssuedList(
            body=body,
            etag=etag,
            sequence=sequence,
            issued_at=issued_at.timestamp(),
            valid_until=valid_until.timestamp(),
            entry_block=entries,
        )
        log.info("status list %d issued: %d entries", sequence, len(entries) // ENTRY_BYTES)
        return self._issued

    def _note_problem(self, problem: str) -> None:
        if problem != self.problem:
            log.error("status file: %s (the last good list is kept)", problem)
        self.problem = problem
