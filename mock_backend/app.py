"""HTTP API of the mock backend. OpenAPI at /openapi.json.

Every /api/v1 endpoint needs `Authorization: Bearer <token>`; each token belongs to one
kiosk. The public /track page (what a receipt's QR code opens) needs none.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import html
import json
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kiosk.catalog import shipped_catalog_text
from mock_backend.store import BackendStore, IdempotencyConflict

TRACKING_NUMBER_PATTERN = r"^[0-9]{8,20}$"
MAX_BODY_BYTES = 1024 * 1024  # a batch of 50 submissions is ~50 KiB; refuse anything silly
MAX_BATCH = 50
MAX_EVENTS = 500
DEV_TOKENS = {"dev-token-kiosk-0001": "kiosk-0001"}  # the embedded defaults' pairing


class SubmissionIn(BaseModel):
    idempotency_key: uuid.UUID = Field(description="Made by the kiosk at enqueue; reused on retry")
    kiosk_id: str = Field(min_length=1, max_length=64)
    service_id: str = Field(min_length=1, max_length=64)
    tracking_number: str = Field(pattern=TRACKING_NUMBER_PATTERN)
    created_at: dt.datetime
    payload: dict[str, Any]
    corrects: str | None = Field(
        default=None,
        pattern=TRACKING_NUMBER_PATTERN,
        description="A correction is a new submission naming the one it corrects; "
        "a finalized submission is never changed",
    )


class SubmissionAck(BaseModel):
    """The explicit acknowledgement: only this marks a kiosk row as sent."""

    accepted: Literal[True] = True
    idempotency_key: uuid.UUID
    tracking_number: str
    received_at: str


class BatchIn(BaseModel):
    submissions: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH)


class BatchItemResult(BaseModel):
    index: int
    status: int = Field(description="201 stored, 200 replay, 409 conflict, 422 invalid, 403")
    ack: SubmissionAck | None = None
    error: Any = None


class BatchOut(BaseModel):
    results: list[BatchItemResult]


class SubmissionStatus(BaseModel):
    tracking_number: str
    service_id: str
    status: str
    received_at: str


class UsageEvent(BaseModel):
    """De-identified by construction: no free-text field, unknown fields refused."""

    model_config = ConfigDict(extra="forbid")
    event_id: uuid.UUID
    type: str = Field(pattern=r"^[a-z][a-z0-9_.]{0,63}$")
    at: dt.datetime
    service_id: str | None = Field(default=None, max_length=64, pattern=r"^[a-z0-9_]+$")
    step_id: str | None = Field(default=None, max_length=64, pattern=r"^[a-z0-9_]+$")
    language: Literal["zh", "en", "yue"] | None = None
    duration_ms: int | None = Field(default=None, ge=0, le=86_400_000)
    outcome: str | None = Field(default=None, max_length=32, pattern=r"^[a-z_]+$")


class UsageEventsIn(BaseModel):
    events: list[UsageEvent] = Field(min_length=1, max_length=MAX_EVENTS)


class UsageEventsOut(BaseModel):
    received: int
    new: int


class VerificationIn(BaseModel):
    id_number_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class VerificationOut(BaseModel):
    status: Literal["valid", "expired", "revoked", "unknown"]
    checked_at: str


def authenticated_kiosk(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> str:
    """The kiosk a bearer token belongs to; 401 otherwise."""
    scheme, _, token = (authorization or "").partition(" ")
    tokens: dict[str, str] = request.app.state.tokens
    kiosk_id = tokens.get(token.strip()) if scheme.lower() == "bearer" else None
    if kiosk_id is None:
        raise HTTPException(
            status_code=401,
            detail="missing or unknown bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return kiosk_id


Kiosk = Annotated[str, Depends(authenticated_kiosk)]


def id_number_digest(id_number: str) -> str:
    return hashlib.sha256(id_number.upper().encode("ascii")).hexdigest()


def create_app(
    db_path: Path | str = ":memory:",
    tokens: dict[str, str] | None = None,
    catalog_path: Path | None = None,
    answer_delay_s: float = 0.0,
) -> FastAPI:
    """`tokens` maps bearer token -> kiosk id. `answer_delay_s` holds every submission
    answer after the data is stored (a slow network, for fault drills and tests)."""
    store = BackendStore(db_path)
    app = FastAPI(title="Village kiosk mock backend", version="1")
    app.state.store = store
    app.state.tokens = dict(tokens or DEV_TOKENS)

    @app.middleware("http")
    async def limit_body_size(request: Request, call_next):
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return JSONResponse({"detail": "request body too large"}, status_code=413)
        chunked = length is None and request.method in ("POST", "PUT", "PATCH")
        if chunked and len(await request.body()) > MAX_BODY_BYTES:
            return JSONResponse({"detail": "request body too large"}, status_code=413)
        return await call_next(request)

    unauthorized = {401: {"description": "Missing or unknown bearer token"}}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    def ack_of(stored) -> SubmissionAck:
        return SubmissionAck(
            idempotency_key=uuid.UUID(stored.idempotency_key),
            tracking_number=stored.tracking_number,
            received_at=stored.received_at,
        )

    @app.post(
        "/api/v1/submissions",
        status_code=201,
        response_model=SubmissionAck,
        responses={
            200: {"model": SubmissionAck, "description": "Replay of an earlier key"},
            403: {"description": "kiosk_id is not the token's kiosk"},
            409: {"description": "Key reused with a different payload"},
            **unauthorized,
        },
    )
    async def create_submission(
        submission: SubmissionIn, response: Response, kiosk_id: Kiosk
    ) -> SubmissionAck:
        if submission.kiosk_id != kiosk_id:
            raise HTTPException(status_code=403, detail="kiosk_id does not match the token")
        try:
            stored, created = store.create(submission.model_dump(mode="json"))
        except IdempotencyConflict as error:
            raise HTTPException(status_code=409, detail=str(error)) from error
        if answer_delay_s:
            await asyncio.sleep(answer_delay_s)
        if not created:
            response.status_code = 200
            response.headers["Idempotent-Replayed"] = "true"
        return ack_of(stored)

    @app.post(
        "/api/v1/submissions/batch",
        response_model=BatchOut,
        responses=unauthorized,
        description=f"Up to {MAX_BATCH} submissions, stored in one transaction; a result "
        "per item, in order. One bad item never fails the others.",
    )
    async def create_submissions(batch: BatchIn, kiosk_id: Kiosk) -> BatchOut:
        results: list[BatchItemResult | None] = [None] * len(batch.submissions)
        valid: list[tuple[int, dict]] = []
        for index, raw in enumerate(batch.submissions):
            try:
                item = SubmissionIn.model_validate(raw)
            except ValidationError as error:
                reasons = json.loads(error.json(include_url=False, include_input=False))
                results[index] = BatchItemResult(index=index, status=422, error=reasons)
                continue
            if item.kiosk_id != kiosk_id:
                results[index] = BatchItemResult(index=index, status=403, error="kiosk_id")
                continue
            valid.append((index, item.model_dump(mode="json")))
        outcomes = store.create_many([body for _, body in valid])
        for (index, _), outcome in zip(valid, outcomes, strict=True):
            if isinstance(outcome, IdempotencyConflict):
                results[index] = BatchItemResult(index=index, status=409, error=str(outcome))
            else:
                stored, created = outcome
                results[index] = BatchItemResult(
                    index=index, status=201 if created else 200, ack=ack_of(stored)
                )
        if answer_delay_s:
            await asyncio.sleep(answer_delay_s)
        return BatchOut(results=[result for result in results if result is not None])

    @app.get(
        "/api/v1/submissions/{tracking_number}",
        response_model=SubmissionStatus,
        responses={404: {"description": "Unknown tracking number"}, **unauthorized},
    )
    def submission_status(tracking_number: str, kiosk_id: Kiosk) -> SubmissionStatus:
        stored = store.by_tracking_number(tracking_number)
        if stored is None:
            raise HTTPException(status_code=404, detail="unknown tracking number")
        return SubmissionStatus(
            tracking_number=stored.tracking_number,
            service_id=stored.service_id,
            status=stored.status,
            received_at=stored.received_at,
        )

    def load_catalog() -> tuple[bytes, str]:
        # Without --catalog the platform serves the catalog the kiosk ships with.
        document: Any = json.loads(shipped_catalog_text())
        if catalog_path is not None:
            document = json.loads(Path(catalog_path).read_text(encoding="utf-8"))
        body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'

    @app.get(
        "/api/v1/catalog",
        responses={
            200: {"content": {"application/json": {}}, "description": "The service catalog"},
            304: {"description": "Not modified since the ETag given in If-None-Match"},
            **unauthorized,
        },
    )
    def catalog(kiosk_id: Kiosk, if_none_match: Annotated[str | None, Header()] = None) -> Response:
        body, etag = load_catalog()
        if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
            return Response(status_code=304, headers={"ETag": etag})
        return Response(body, media_type="application/json", headers={"ETag": etag})

    @app.post("/api/v1/usage-events", response_model=UsageEventsOut, responses=unauthorized)
    def usage_events(upload: UsageEventsIn, kiosk_id: Kiosk) -> UsageEventsOut:
        events = [event.model_dump(mode="json") for event in upload.events]
        return UsageEventsOut(received=len(events), new=store.add_usage_events(kiosk_id, events))

    @app.post("/api/v1/verifications", response_model=VerificationOut, responses=unauthorized)
    def verify(request_body: VerificationIn, kiosk_id: Kiosk) -> VerificationOut:
        """The verifier's look-up: a digest of the ID number, never the number in a URL."""
        found = store.verification_status(request_body.id_number_sha256)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        return VerificationOut(status=found[0] if found else "unknown", checked_at=now)

    @app.get("/track/{tracking_number}", response_class=HTMLResponse)
    def tracking_page(tracking_number: str) -> HTMLResponse:
        """What the receipt's QR code opens on a family member's phone."""
        stored = store.by_tracking_number(tracking_number)
        number = html.escape(tracking_number)
        if stored is None:
            text = "尚未收到,请稍后再查 / Not received yet, please check again later"
        else:
            text = f"已受理 / Received {html.escape(stored.received_at)}"
        return HTMLResponse(
            f"<!doctype html><meta charset=utf-8><title>{number}</title>"
            f"<h1>办件编号 {number}</h1><p>{text}</p>",
            status_code=200 if stored else 404,
        )

    return app
