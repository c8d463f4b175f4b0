"""Turning a finished flow into a durable, immutable submission and its receipt."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from kiosk.flow import FlowRun
from kiosk.rating import RATING_SERVICE_ID
from kiosk.text import Text
from offline_cache import SubmissionQueue

CHINA_STANDARD_TIME = dt.timezone(dt.timedelta(hours=8), "CST")


@dataclass(frozen=True)
class Receipt:
    tracking_number: str
    service_title: Text
    submitted_at: dt.datetime
    status_url: str
    next_steps: Text
    training: bool = False  # kiosk simulate --training: the receipt says 培训

    @property
    def grouped_tracking_number(self) -> str:
        """Groups of four digits: easier to read aloud and to copy on a phone."""
        n = self.tracking_number
        return " ".join(n[i : i + 4] for i in range(0, len(n), 4))


def luhn_digit(digits: str) -> str:
    """Check digit so a mistyped tracking number is caught at the keypad."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def tracking_number_maker(kiosk_number: str):
    """kiosk(4) + store epoch(3) + sequence(7) + check(1), 15 digits.

    Unique across kiosks (each enrolled kiosk has its own number, and the backend refuses a
    number outside the submitting kiosk's space), across store resets (every store this
    kiosk creates gets a new epoch) and across clock changes (no date in it). The older
    form, kiosk + yymmdd + sequence(4) + check, has 2yy where the epoch stands, so the two
    never meet.
    """

    def make(epoch: int, sequence: int) -> str:
        body = f"{kiosk_number}{epoch:03d}{sequence:07d}"
        return body + luhn_digit(body)

    return make


def build_payload(run: FlowRun, training: bool = False) -> dict:
    identity = run.session.identity
    if identity is None:
        raise ValueError("the session has ended; nothing to submit")
    payload = {
        "applicant": {
            "name": identity.name,
            "id_number": identity.id_number,
            "sex": identity.sex,
            "birth_date": identity.birth_date.isoformat(),
            "card_number": identity.card_number,
        },
        "answers": run.answers(),
        "catalog_service": run.service.id,
    }
    if training:
        payload["training"] = True  # the backend keeps these apart from real ones
    return payload


def enqueue_rating(queue: SubmissionQueue, kiosk_number: str, payload: dict) -> str:
    """Queue a 好差评 rating like a submission (it carries no personal data)."""
    return queue.enqueue(
        idempotency_key=str(uuid.uuid4()),
        service_id=RATING_SERVICE_ID,
        created_at=dt.datetime.now(CHINA_STANDARD_TIME).replace(microsecond=0),
        payload=payload,
        make_tracking_number=tracking_number_maker(kiosk_number),
    )


def enqueue_submission(
    run: FlowRun,
    queue: SubmissionQueue,
    kiosk_number: str,
    status_url: str,
    *,
    training: bool = False,
    payload: dict | None = None,
) -> Receipt:
    """Write the submission durably (the idempotency key is made here, once) and return
    the receipt. Runs off the GUI thread."""
    now = dt.datetime.now(CHINA_STANDARD_TIME).replace(microsecond=0)
    tracking_number = queue.enqueue(
        idempotency_key=str(uuid.uuid4()),
        service_id=run.service.id,
        created_at=now,
        payload=payload if payload is not None else build_payload(run, training),
        make_tracking_number=tracking_number_maker(kiosk_number),
    )
    return Receipt(
        tracking_number=tracking_number,
        service_title=run.service.title.text(),
        submitted_at=now,
        status_url=f"{status_url.rstrip('/')}/{tracking_number}",
        next_steps=run.service.next_steps.text(),
        training=training,
    )
