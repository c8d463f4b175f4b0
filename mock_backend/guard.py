"""Pure ASGI middleware that runs before FastAPI reads anything: the bearer token of an
/api/v1 request is checked from its headers alone, then the body is counted as it arrives.

FastAPI reads a whole body before validation and before dependencies (authentication
included), so a chunked body without Content-Length used to be held in memory whole: a
400 MiB upload took the server from 60 to 856 MiB, even without a token.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_backend.registry import KioskRegistration

API_PREFIX = "/api/v1/"


class _BodyTooLarge(Exception):
    """Raised into the app's receive() once the 413 has been sent."""


def error_body(error: str, detail: str) -> bytes:
    return json.dumps({"error": error, "detail": detail}).encode("ascii")


class GuardMiddleware:
    """401 before any body byte is read; 413 as soon as the body passes `max_body_bytes`."""

    def __init__(
        self,
        app: ASGIApp,
        authenticate: Callable[[str | None], KioskRegistration | None],
        max_body_bytes: int,
        public_paths: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.authenticate = authenticate
        self.max_body_bytes = max_body_bytes
        self.public_paths = public_paths  # /api/v1 paths that need no token (enrolment)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        # A body the client may still be sending: answering early and keeping the
        # connection open would have the server read (and drop) all of it.
        body_pending = "transfer-encoding" in headers or headers.get("content-length", "0") != "0"
        path: str = scope["path"]
        needs_token = path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")
        if needs_token and path not in self.public_paths:
            authorization = headers.get("authorization")
            if authorization is None or self.authenticate(authorization) is None:
                await _respond(
                    send,
                    401,
                    error_body("unauthorized", "missing or unknown bearer token"),
                    close=body_pending,
                    extra=[(b"www-authenticate", b"Bearer")],
                )
                return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await _respond(send, 413, _too_large(self.max_body_bytes), close=True)
            return

        received = 0
        answered = False

        async def counting_receive() -> Message:
            nonlocal received, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    answered = True
                    await _respond(send, 413, _too_large(self.max_body_bytes), close=True)
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if not answered:  # after our 413, whatever the app answers is dropped
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLarge:
            if not answered:
                raise


def _headers(scope: Scope) -> dict[str, str]:
    """Lower-case names; a repeated header keeps all values joined, so a second
    Authorization line makes the token unknown rather than picking one."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _too_large(limit: int) -> bytes:
    return error_body("body_too_large", f"request body is larger than {limit} bytes")


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    *,
    close: bool,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
        *(extra or []),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
