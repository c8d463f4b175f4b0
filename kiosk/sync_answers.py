"""Reading the backend's answer to a batch: only an explicit acknowledgement counts.

A result must be JSON, one entry per item in order, and acknowledge the item's own
idempotency key and tracking number; anything else (a captive portal's HTML, a proxy's
page, a reordered list) is no answer at all (offline-sync.md, 4).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import requests
import urllib3

from kiosk.backend_client import BackendClient
from offline_cache import QueuedSubmission

PERMANENT_ITEM_STATUSES = {400, 403, 404, 409, 410, 422}
# A whole batch refused as malformed: resend its items one by one so one bad row cannot
# hold the others back.
SPLIT_BATCH_STATUSES = {400, 413, 422}


@dataclass(frozen=True)
class RecordRoute:
    """Where an outbox record that is not a submission goes (its `service_id` names its
    kind), its request body, and what answer acknowledges it."""

    path: str
    body: Callable[[QueuedSubmission], dict]
    acknowledged: Callable[[requests.Response, QueuedSubmission], bool]


def json_answer(response: requests.Response) -> dict | None:
    """A 200 JSON object, or None (a captive portal's HTML is no answer)."""
    if response.status_code != 200:
        return None
    if not response.headers.get("content-type", "").startswith("application/json"):
        return None
    try:
        answer = response.json()
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def post_within(
    http: BackendClient, path: str, body: dict, limit_s: float, monotonic: Callable[[], float]
) -> requests.Response:
    """POST with a deadline on the whole answer, not only on each read: a server that
    trickles its body a byte at a time must not hold the sender forever."""
    deadline = monotonic() + limit_s
    response = http.post(path, body, stream=True)
    chunks = []
    try:
        # read1: whatever has arrived (not a full chunk), so the deadline is checked
        # between every few bytes of a trickle.
        while chunk := response.raw.read1(65536, decode_content=True):
            chunks.append(chunk)
            if monotonic() > deadline:
                raise requests.Timeout(f"answer not complete within {limit_s:g} s")
    except urllib3.exceptions.HTTPError as error:
        raise requests.ConnectionError(str(error)) from error
    finally:
        response.close()
    response._content = b"".join(chunks)  # what requests keeps after a full read
    return response


def batch_results(response: requests.Response, expected: int) -> list[dict] | None:
    """The per-item results of a batch answer, or None if it is not one."""
    if response.status_code != 200:
        return None
    if not response.headers.get("content-type", "").startswith("application/json"):
        return None  # e.g. a captive portal's HTML page
    try:
        results = response.json().get("results")
    except (ValueError, AttributeError):
        return None
    if not isinstance(results, list) or len(results) != expected:
        return None
    if not all(isinstance(r, dict) and r.get("index") == i for i, r in enumerate(results)):
        return None
    return results


def acknowledges(ack: object, item: QueuedSubmission) -> bool:
    return (
        isinstance(ack, dict)
        and ack.get("accepted") is True
        and ack.get("idempotency_key") == item.idempotency_key
        and ack.get("tracking_number") == item.tracking_number
    )


def item_error(result: dict) -> str:
    error = result.get("error")
    text = error if isinstance(error, str) else json.dumps(error)[:200] if error else ""
    return text[:200]
