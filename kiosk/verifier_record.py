"""Every verifier check recorded and synced like a submission (time, kiosk, HMAC, result,
online/offline, list sequence), and today's counts for staff.

A check goes into the same outbox as submissions and ratings (service id `verification`),
sealed at rest, sent by the same sync engine; the backend checks its payload field by
field, so it can hold nothing but the keyed hash and the answer. Today's counts are kept
in `store_meta`, updated in the same transaction as the outbox row.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from kiosk.events import CardVerified
from kiosk.submission import CHINA_STANDARD_TIME
from kiosk.tracking import tracking_number_maker
from offline_cache import SubmissionQueue

VERIFICATION_SERVICE_ID = "verification"
COUNTS_KEY = "verifier_checks_today"
COUNTED = ("pass", "manual", "deny", "unknown", "online", "offline")


def check_payload(answer: CardVerified, digest_hex: str, training: bool = False) -> dict:
    payload: dict = {
        "hmac": digest_hex,
        "result": answer.result,
        "source": answer.source,
        "list_sequence": answer.list_sequence,
        "reason": answer.reason,
    }
    if training:
        payload["training"] = True
    return payload


def record_check(
    queue: SubmissionQueue, kiosk_number: str, payload: dict, *, enqueue: bool = True
) -> None:
    """Count the check for today and (when `enqueue`) queue it for the backend, in one
    transaction. Raises QueueFull / QueueUnavailable (nothing written) like a submission."""
    now = dt.datetime.now(CHINA_STANDARD_TIME).replace(microsecond=0)
    with queue.store.write():
        counts = today_counts(queue, now.date())
        counts[payload["result"]] += 1
        if payload["source"] in counts:
            counts[payload["source"]] += 1
        queue.store.set_meta(COUNTS_KEY, json.dumps({"day": now.date().isoformat(), **counts}))
        if enqueue:
            queue.enqueue(
                idempotency_key=str(uuid.uuid4()),
                service_id=VERIFICATION_SERVICE_ID,
                created_at=now,
                payload=payload,
                make_tracking_number=tracking_number_maker(kiosk_number),
            )


def today_counts(queue: SubmissionQueue, today: dt.date | None = None) -> dict[str, int]:
    """Checks made today (China Standard Time) by result and by source."""
    today = today or dt.datetime.now(CHINA_STANDARD_TIME).date()
    try:
        stored = json.loads(queue.store.meta(COUNTS_KEY) or "{}")
    except ValueError:
        stored = {}
    if not isinstance(stored, dict) or stored.get("day") != today.isoformat():
        stored = {}
    return {name: int(stored.get(name, 0)) for name in COUNTED}
