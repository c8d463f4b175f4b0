"""The verifier's endpoints: the online look-up by HMAC and the signed status list.

Registered by `create_app` (mock_backend/app.py), which hands over its token check and its
shared error answers so that these routes answer exactly like the others. Both need a
kiosk's bearer token (the guard checks it before any byte of the body is read). Started
without a status file, both answer 404 `no_status_list`.

No `from __future__ import annotations` here: FastAPI reads the routes' annotations, and
the kiosk dependency is a value handed to `add_verifier_routes`, not a module name.
"""

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from mock_backend.status_list import StatusBook


class VerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"hmac": "0" * 64}]})
    hmac: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="HMAC-SHA256 of the ID number under the shared look-up key, lower-case "
        "hex. The number itself is never sent.",
    )


VERIFICATION_SERVICE_ID = "verification"


class VerificationRecord(BaseModel):
    """The payload of a verifier check the kiosk syncs like a submission (service_id
    `verification`): what was answered, for whom by keyed hash only. Unknown fields are
    refused, so no name or number can ride along."""

    model_config = ConfigDict(extra="forbid")
    hmac: str = Field(pattern=r"^[0-9a-f]{64}$")
    result: Literal["pass", "manual", "deny", "unknown"]
    source: Literal["online", "offline", "none"]
    list_sequence: int | None = Field(default=None, ge=0)
    reason: str = Field(default="", max_length=64, pattern=r"^[a-z_]*$")
    training: bool = False


class VerificationOut(BaseModel):
    result: Literal["pass", "manual", "deny", "unknown"]
    list_sequence: int | None = Field(description="The status list the answer agrees with")
    checked_at: str


def add_verifier_routes(
    app: FastAPI,
    book: StatusBook | None,
    *,
    kiosk: Any,
    errors: Callable[..., dict],
    error_answer: Callable[[str], dict],
    api_error: Callable[[int, str, str], Exception],
) -> None:
    """`kiosk`: the app's authenticated-kiosk dependency (an Annotated type); `errors`,
    `error_answer`, `api_error`: its shared OpenAPI answers and error type."""

    def statuses() -> StatusBook:
        if book is None:
            raise api_error(404, "no_status_list", "this backend serves no status list")
        return book

    no_list = error_answer("This backend was started without a status file (--status-file)")

    @app.post(
        "/api/v1/verifications",
        operation_id="post_verification",
        response_model=VerificationOut,
        responses={**errors(400, 401, 413, 422), 404: no_list},
        description="The verifier's online look-up, by keyed hash: the backend holds only "
        "HMACs, so it can answer a kiosk that knows the key and nobody else.",
    )
    def verify(request_body: VerificationIn, _kiosk: kiosk) -> VerificationOut:
        result, sequence = statuses().status_of(request_body.hmac)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return VerificationOut(result=result, list_sequence=sequence, checked_at=now)

    etag_header = {"ETag": {"description": "Strong ETag of the body", "schema": {"type": "string"}}}
    binary = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}

    @app.get(
        "/api/v1/status-list",
        operation_id="get_status_list",
        response_class=Response,  # bytes, not JSON: no JSON body documented for the 200
        responses={
            **errors(401, 413),
            200: {
                "content": binary,
                "description": "The signed status list (docs/status-list.md); the server's "
                "Date header lets the kiosk check its clock",
                "headers": etag_header,
            },
            304: {
                "description": "Not modified since the ETag given in If-None-Match",
                "headers": etag_header,
            },
            404: no_list,
        },
    )
    def status_list(
        _kiosk: kiosk, if_none_match: Annotated[str | None, Header()] = None
    ) -> Response:
        issued = statuses().current()
        if if_none_match is not None and issued.etag in [
            tag.strip() for tag in if_none_match.split(",")
        ]:
            return Response(status_code=304, headers={"ETag": issued.etag})
        return Response(
            issued.body, media_type="application/octet-stream", headers={"ETag": issued.etag}
        )
