"""Usage events to the backend, through the outbox the submissions use.

A batch of up to 500 events is one outbox record (`service_id` "usage_events", sealed like
any row, no tracking number taken); the sync engine sends it to `POST /api/v1/usage-events`
by the route below, with the same claim, idempotency key, retry, Retry-After and
quarantine as a submission. At most MAX_UNSENT_BATCHES wait at once: a kiosk offline for
weeks keeps its events in usage.db, not thousands of outbox rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable

import requests

from kiosk.sync_answers import RecordRoute, json_answer
from offline_cache import QueuedSubmission, QueueFull, SubmissionQueue

log = logging.getLogger(__name__)

USAGE_RECORD = "usage_events"
MAX_UNSENT_BATCHES = 20


def outbox_uploader(
    queue: SubmissionQueue, wake_sync: Callable[[], None]
) -> Callable[[list[dict]], str | None]:
    """What the usage writer calls with a batch: its outbox key, or None to keep it for
    later (enough batches wait already, or the queue takes nothing now)."""

    def upload(events: list[dict]) -> str | None:
        if queue.unsent_of(USAGE_RECORD) >= MAX_UNSENT_BATCHES:
            return None
        key = str(uuid.uuid4())
        try:
            queue.enqueue(
                idempotency_key=key,
                service_id=USAGE_RECORD,
                created_at=dt.datetime.now(dt.UTC),
                payload={"events": events},
                make_tracking_number=None,
            )
        except QueueFull as refusal:
            log.info("usage batch kept for later: %s", refusal)
            return None
        wake_sync()
        return key

    return upload


def _body(item: QueuedSubmission) -> dict:
    return {"batch_id": item.idempotency_key, "events": item.payload["events"]}


def _acknowledged(response: requests.Response, item: QueuedSubmission) -> bool:
    answer = json_answer(response)
    return (
        answer is not None
        and answer.get("batch_id") == item.idempotency_key
        and answer.get("received") == len(item.payload["events"])
    )


USAGE_ROUTE = RecordRoute("/api/v1/usage-events", _body, _acknowledged)
