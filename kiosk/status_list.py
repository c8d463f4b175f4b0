"""The signed status list (docs/status-list.md): what the verifier answers from offline.

A list is one byte string, kept on disk exactly as the backend served it:

    magic b"VKSTATL1" | header length (u32, big-endian) | header (UTF-8 JSON)
    | entries: count x (16-byte digest + 1 status byte), digests strictly ascending
    | Ed25519 signature (64 bytes) over every byte before it

A digest is the first 16 bytes of HMAC-SHA256(verifier_lookup_key, ID number): the list
names nobody, and without the key nobody can test an ID number against it. Look-ups are a
binary search over the entries in place (no per-entry Python object): a 1,000,000-entry
list is 17 MB in memory and 20 comparisons a look-up.

`parse_status_list` refuses anything that is not exactly such a list signed by the
configured key (`StatusListError`, with the reason for staff); nothing here touches the
disk or the network (kiosk/status_list_keeper.py does).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime as dt
import hashlib
import hmac
import json
import operator
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.text import Text

MAGIC = b"VKSTATL1"
SIGNATURE_BYTES = 64
DIGEST_BYTES = 16
ENTRY_BYTES = DIGEST_BYTES + 1
MAX_HEADER_BYTES = 64 * 1024
STATUS_BY_BYTE = {1: "pass", 2: "manual", 3: "deny"}
STATUS_NAMES = tuple(STATUS_BY_BYTE.values())
RESULTS = (*STATUS_NAMES, "unknown")
PUBLIC_KEY_PREFIX = "ed25519:"
_PREFIX = struct.Struct(">8sI")
_DIGEST_KEY = ">QQx"  # a 17-byte entry: the digest as two integers, the status skipped


class StatusListError(Exception):
    """The bytes are not a list this kiosk may use; the message says why (for staff)."""


def lookup_digest(key: bytes, id_number: str) -> bytes:
    """HMAC-SHA256 of the ID number (upper case, as printed on the card) under the shared
    look-up key: the only form in which a number leaves the card reader's path."""
    return hmac.new(key, id_number.strip().upper().encode("ascii"), hashlib.sha256).digest()


def lookup_key_id(key: bytes) -> str:
    """A short name for a look-up key, carried in the list's header: a list made under
    another key is refused rather than answering "absent" for everyone."""
    return hmac.new(key, b"village-kiosk lookup key id", hashlib.sha256).hexdigest()[:16]


def decode_lookup_key(text: str) -> bytes:
    """`verifier_lookup_key` (base64, at least 16 bytes); ValueError otherwise."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("verifier_lookup_key is not base64") from error
    if len(key) < 16:
        raise ValueError("verifier_lookup_key is shorter than 16 bytes")
    return key


def decode_public_key(text: str) -> Ed25519PublicKey:
    """`verifier_public_key` as `kiosk backend --print-public-key` prints it:
    "ed25519:" + base64 of the raw 32-byte key; ValueError otherwise."""
    body = text.strip().removeprefix(PUBLIC_KEY_PREFIX)
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("verifier_public_key is not base64") from error
    if len(raw) != 32:
        raise ValueError("verifier_public_key is not a 32-byte Ed25519 key")
    return Ed25519PublicKey.from_public_bytes(raw)


@dataclass(frozen=True)
class CheckWording:
    """What the list says the check is called and how each result reads (zh, en, yue)."""

    check_id: str
    title: Text
    labels: dict[str, Text]  # pass, manual, deny


class _Digests:
    """The entries' digests as a sequence, for bisect, without copying them out."""

    def __init__(self, view: memoryview, count: int) -> None:
        self._view = view
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> bytes:
        start = index * ENTRY_BYTES
        return self._view[start : start + DIGEST_BYTES].tobytes()


@dataclass(frozen=True, eq=False)
class StatusList:
    raw: bytes  # exactly what was served and signed
    sequence: int
    issued_at: dt.datetime
    valid_until: dt.datetime
    count: int
    key_id: str
    absent: str  # the result for a digest not on the list
    wording: CheckWording
    _entries: memoryview
    _digests: _Digests

    def status_of(self, digest: bytes) -> str:
        """pass / manual / deny, or the list's `absent` result."""
        wanted = digest[:DIGEST_BYTES]
        index = bisect.bisect_left(self._digests, wanted)
        if index < self.count and self._digests[index] == wanted:
            return STATUS_BY_BYTE[self._entries[index * ENTRY_BYTES + DIGEST_BYTES]]
        return self.absent

    def age_s(self, now: float) -> float:
        return now - self.issued_at.timestamp()

    def expired(self, now: float) -> bool:
        return now >= self.valid_until.timestamp()


def parse_status_list(raw: bytes, public_key: Ed25519PublicKey, key_id: str) -> StatusList:
    """Check the signature first (nothing unsigned is even parsed), then the structure.
    Raises StatusListError naming what is wrong."""
    if len(raw) < _PREFIX.size + SIGNATURE_BYTES:
        raise StatusListError(f"too short to be a status list ({len(raw)} bytes)")
    magic, header_size = _PREFIX.unpack_from(raw)
    if magic != MAGIC:
        raise StatusListError("not a status list (wrong magic)")
    signed, signature = memoryview(raw)[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    try:
        public_key.verify(signature, signed)
    except InvalidSignature:
        raise StatusListError("bad signature: not signed by verifier_public_key") from None
    if header_size > MAX_HEADER_BYTES or _PREFIX.size + header_size > len(signed):
        raise StatusListError(f"header length {header_size} out of bounds")
    header_end = _PREFIX.size + header_size
    header = _header(bytes(signed[_PREFIX.size : header_end]))
    entries = signed[header_end:]
    count = header["count"]
    if len(entries) != count * ENTRY_BYTES:
        raise StatusListError(f"{len(entries)} entry bytes for {count} entries")
    if header["lookup_key_id"] != key_id:
        raise StatusListError(
            f"made under look-up key {header['lookup_key_id']}, this kiosk has {key_id}"
        )
    _check_entries(entries, count)
    return StatusList(
        raw=raw,
        sequence=header["sequence"],
        issued_at=header["issued_at"],
        valid_until=header["valid_until"],
        count=count,
        key_id=header["lookup_key_id"],
        absent=header["absent"],
        wording=header["check"],
        _entries=entries,
        _digests=_Digests(entries, count),
    )


def _header(text: bytes) -> dict:
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise StatusListError(f"header is not JSON: {error}") from None
    if not isinstance(header, dict):
        raise StatusListError("header is not a JSON object")
    for name in ("sequence", "count"):
        value = header.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise StatusListError(f"header {name} is not a whole number")
    if header.get("digest_bytes") != DIGEST_BYTES:
        raise StatusListError(f"digest_bytes is not {DIGEST_BYTES}")
    if not isinstance(header.get("lookup_key_id"), str):
        raise StatusListError("header lookup_key_id missing")
    header["issued_at"] = _moment(header.get("issued_at"), "issued_at")
    header["valid_until"] = _moment(header.get("valid_until"), "valid_until")
    if header["valid_until"] <= header["issued_at"]:
        raise StatusListError("valid_until is not after issued_at")
    header["absent"] = header.get("absent", "unknown")
    if header["absent"] not in RESULTS:
        raise StatusListError(f"absent result {header['absent']!r} unknown")
    header["check"] = _wording(header.get("check"))
    return header


def _moment(value: object, name: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise StatusListError(f"{name} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise StatusListError(f"{name} has no time zone")
    return moment


def _text(value: object, where: str) -> Text:
    if not isinstance(value, dict) or not all(
        isinstance(value.get(lang), str) and value[lang] for lang in ("zh", "en")
    ):
        raise StatusListError(f"{where} needs zh and en texts")
    yue = value.get("yue")
    return Text(value["zh"], value["en"], yue if isinstance(yue, str) and yue else None)


def _wording(check: object) -> CheckWording:
    if not isinstance(check, dict):
        raise StatusListError("header check missing")
    labels = check.get("labels")
    if not isinstance(labels, dict):
        raise StatusListError("header check labels missing")
    return CheckWording(
        check_id=str(check.get("id", "")),
        title=_text(check.get("title"), "check title"),
        labels={name: _text(labels.get(name), f"label {name}") for name in STATUS_NAMES},
    )


def _check_entries(entries: memoryview, count: int) -> None:
    """Every status byte known, digests strictly ascending (binary search relies on it)."""
    statuses = bytes(entries[DIGEST_BYTES::ENTRY_BYTES])
    if statuses.translate(None, bytes(STATUS_BY_BYTE)):
        raise StatusListError("an entry has an unknown status byte")
    # Each digest as (high 64 bits, low 64 bits), each compared with the next: the whole
    # pass runs in C (a Python loop over 1,000,000 entries took 0.3 s).
    digests = struct.iter_unpack(_DIGEST_KEY, entries)
    following = struct.iter_unpack(_DIGEST_KEY, entries[ENTRY_BYTES:])
    if count > 1 and not all(map(operator.lt, digests, following)):
        raise StatusListError("entries out of order or repeated")
