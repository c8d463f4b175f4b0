"""Turning a finished flow into a durable, immutable submission and its receipt."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from kiosk.flow import FlowRun
from kiosk.rating import RATING_SERVICE_ID
from kiosk.text import Text
from kiosk.tracking import group_digits, tracking_number_maker
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
        return group_digits(self.tracking_number)


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
            "card_kind": identity.card_kind,  # which card the villager came with
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
