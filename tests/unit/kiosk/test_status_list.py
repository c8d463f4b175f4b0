"""Reading the signed status list (docs/status-list.md): only a list signed by the
configured key, well formed and made under this kiosk's look-up key is ever used."""

from __future__ import annotations

import datetime as dt
import json
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.status_list import (
    StatusListError,
    decode_lookup_key,
    decode_public_key,
    lookup_digest,
    lookup_key_id,
    parse_status_list,
)
from mock_backend.status_list import (
    DEFAULT_CHECK,
    MAGIC,
    Ed25519PrivateKey,
    build_list,
    public_key_text,
    sorted_entries,
)
from tests.unit.kiosk.status_lists import KEY, SIGNING_KEY, make_list

PUBLIC = decode_public_key(public_key_text(SIGNING_KEY))
KEY_ID = lookup_key_id(KEY)
NUMBERS = {
    "445281195207081310": "pass",
    "44010219480315242X": "deny",
    "110101199003071234": "manual",
}


def parse(raw: bytes):
    return parse_status_list(raw, PUBLIC, KEY_ID)


def test_a_good_list_answers_for_everyone_on_it_and_absent_for_the_rest():
    held = parse(make_list(NUMBERS, sequence=7))
    assert (held.sequence, held.count) == (7, 3)
    for number, status in NUMBERS.items():
        assert held.status_of(lookup_digest(KEY, number)) == status
    assert held.status_of(lookup_digest(KEY, "110101199003077777")) == "unknown"
    assert held.status_of(lookup_digest(KEY, "44010219480315242x")) == "deny"  # as printed


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(st.binary(min_size=16, max_size=16), st.sampled_from([1, 2, 3]), max_size=60)
)
def test_the_binary_search_finds_every_entry_and_nothing_else(entries):
    now = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)
    raw = build_list(
        sorted_entries(entries),
        sequence=1,
        issued_at=now,
        valid_until=now + dt.timedelta(days=1),
        lookup_key_id=KEY_ID,
        signing_key=SIGNING_KEY,
    )
    held = parse(raw)
    names = {1: "pass", 2: "manual", 3: "deny"}
    for digest, status in entries.items():
        assert held.status_of(digest + b"\x00" * 16) == names[status]
    for probe in (b"\x00" * 32, b"\xff" * 32, b"\x7f" * 32):
        if probe[:16] not in entries:
            assert held.status_of(probe) == "unknown"


@pytest.mark.parametrize("where", ["magic", "header", "entry", "status", "signature", "last"])
def test_one_byte_changed_anywhere_is_refused(where):
    raw = bytearray(make_list(NUMBERS))
    header_size = struct.unpack(">I", raw[8:12])[0]
    position = {
        "magic": 0,
        "header": 12 + header_size // 2,
        "entry": 12 + header_size + 3,
        "status": 12 + header_size + 16,
        "signature": len(raw) - 40,
        "last": len(raw) - 1,
    }[where]
    raw[position] ^= 0x01
    with pytest.raises(StatusListError):
        parse(bytes(raw))


def test_a_list_signed_by_another_key_is_refused():
    raw = make_list(NUMBERS, signing_key=Ed25519PrivateKey.generate())
    with pytest.raises(StatusListError, match="bad signature"):
        parse(raw)


def signed(header_changes: dict | None = None, entries: bytes | None = None) -> bytes:
    """A list with a good signature over bad content: what a broken backend would serve."""
    now = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)
    header = {
        "format": 1,
        "sequence": 1,
        "issued_at": now.isoformat(),
        "valid_until": (now + dt.timedelta(days=1)).isoformat(),
        "count": 2,
        "digest_bytes": 16,
        "lookup_key_id": KEY_ID,
        "absent": "unknown",
        "check": DEFAULT_CHECK,
        **(header_changes or {}),
    }
    block = entries if entries is not None else b"\x01" * 16 + b"\x01" + b"\x02" * 16 + b"\x03"
    text = json.dumps(header).encode()
    body = MAGIC + struct.pack(">I", len(text)) + text + block
    return body + SIGNING_KEY.sign(body)


def test_the_malformed_helper_makes_a_good_list_when_unchanged():
    assert parse(signed()).count == 2  # so each refusal below is for its own reason


@pytest.mark.parametrize(
    ("header", "entries", "reason"),
    [
        ({}, b"\x02" * 16 + b"\x01" + b"\x01" * 16 + b"\x03", "out of order"),
        ({}, b"\x01" * 16 + b"\x01" + b"\x01" * 16 + b"\x03", "out of order or repeated"),
        ({}, b"\x01" * 16 + b"\x01" + b"\x02" * 16 + b"\x09", "unknown status"),
        ({"count": 3}, None, "entry bytes"),
        ({"digest_bytes": 32}, None, "digest_bytes"),
        ({"lookup_key_id": "0123456789abcdef"}, None, "look-up key"),
        ({"valid_until": "2026-11-20T00:00:00+00:00"}, None, "not after"),
        ({"issued_at": "yesterday"}, None, "ISO 8601"),
        ({"issued_at": "2026-11-21T00:00:00"}, None, "time zone"),
        ({"sequence": "7"}, None, "sequence"),
        ({"absent": "maybe"}, None, "absent"),
        ({"check": {"title": {"zh": "只有中文"}, "labels": {}}}, None, "zh and en"),
    ],
)
def test_a_signed_but_malformed_list_is_refused(header, entries, reason):
    with pytest.raises(StatusListError, match=reason):
        parse(signed(header, entries))


def test_truncated_and_foreign_bytes_are_refused():
    raw = make_list(NUMBERS)
    for broken in (raw[:40], b"", b"not a list" * 20, raw[:-1]):
        with pytest.raises(StatusListError):
            parse(broken)


def test_the_configured_keys_are_checked_when_read():
    with pytest.raises(ValueError, match="base64"):
        decode_lookup_key("not base64!")
    with pytest.raises(ValueError, match="16 bytes"):
        decode_lookup_key("c2hvcnQ=")
    with pytest.raises(ValueError, match="32-byte"):
        decode_public_key("ed25519:c2hvcnQ=")
    assert lookup_key_id(KEY) != lookup_key_id(KEY + b"x")
