"""A minimal in-process ASGI client: it drives the app exactly as a server would, and
records how much of the body the app asked for (starlette's TestClient needs httpx2,
which is not installed, and could not show that anyway)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mock_backend import DEMO_KIOSK

AUTH = {"Authorization": f"Bearer {DEMO_KIOSK.token}"}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    chunks_read: int = 0  # how many body chunks the app took from receive()
    bytes_read: int = 0
    messages_after_end: list[dict] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def request(
    app: Any,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    json_body: Any = None,
    content: bytes | None = None,
    chunks: Iterable[bytes] | None = None,
    raw_headers: Iterable[tuple[bytes, bytes]] = (),
) -> Answer:
    """One request. `chunks` sends the body in pieces without Content-Length (chunked);
    `raw_headers` are added as they are (e.g. a header given twice)."""
    sent_headers = {k.lower(): v for k, v in (headers or {}).items()}
    if json_body is not None:
        content = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        sent_headers.setdefault("content-type", "application/json")
    if chunks is None:
        pieces = [content] if content else []
        if content is not None:
            sent_headers.setdefault("content-length", str(len(content)))
    else:
        pieces = chunks
        sent_headers["transfer-encoding"] = "chunked"
    header_list = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in sent_headers.items()]
    return asyncio.run(_run(app, method, path, header_list + list(raw_headers), iter(pieces)))


async def _run(
    app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], pieces: Any
) -> Answer:
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogateescape"),
        "root_path": "",
        "query_string": query.encode("ascii"),
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8765),
        "state": {},
    }
    answer = Answer(status=0, headers={}, body=b"")
    ended = False  # the response is complete
    delivered = False  # the whole body went to the app
    pending = next(pieces, None)

    async def receive() -> dict:
        nonlocal pending, delivered
        if ended or delivered:
            return {"type": "http.disconnect"}
        piece = pending
        if piece is None:
            delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}
        pending = next(pieces, None)
        delivered = pending is None
        answer.chunks_read += 1
        answer.bytes_read += len(piece)
        return {"type": "http.request", "body": piece, "more_body": not delivered}

    async def send(message: dict) -> None:
        nonlocal ended
        if ended:
            answer.messages_after_end.append(message)
        elif message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message["headers"]
            }
        elif message["type"] == "http.response.body":
            answer.body += message.get("body", b"")
            ended = not message.get("more_body", False)

    await app(scope, receive, send)
    return answer


def submission(tracking_number: str, kiosk_id: str = "kiosk-0001", **changes: Any) -> dict:
    """A valid submission body (a fresh idempotency key each time)."""
    body = {
        "idempotency_key": str(uuid.uuid4()),
        "kiosk_id": kiosk_id,
        "service_id": "pension_qualification_certification",
        "tracking_number": tracking_number,
        "created_at": "2026-11-21T10:00:00+08:00",
        "payload": {"answers": {"contact_phone": "13812345678"}},
    }
    body.update(changes)
    return body


def auth(kiosk: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {kiosk.token}"}


def usage_event(seq: int = 0, **fields: Any) -> dict:
    """One usage event as the kiosk sends it (docs/usage-events.md)."""
    return {
        "session_id": "qwhdkeyrtnxmapzlsbvcgo",
        "seq": seq,
        "event": "tap",
        "started_local": "2026-11-21T10:00:00.000",
        "utc_offset_min": 480,
        "offset_ms": 1200,
        "fields": fields or {"target": "nav_back"},
    }
