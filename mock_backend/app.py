"""HTTP API of the mock backend. OpenAPI at /openapi.json."""

from __future__ import annotations

import datetime as dt
import html
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from mock_backend.store import BackendStore, IdempotencyConflict

TRACKING_NUMBER_PATTERN = r"^[0-9]{8,20}$"


class SubmissionIn(BaseModel):
    idempotency_key: uuid.UUID = Field(description="Made by the kiosk at enqueue; reused on retry")
    kiosk_id: str = Field(min_length=1, max_length=64)
    service_id: str = Field(min_length=1, max_length=64)
    tracking_number: str = Field(pattern=TRACKING_NUMBER_PATTERN)
    created_at: dt.datetime
    payload: dict[str, Any]


class SubmissionAck(BaseModel):
    """The explicit acknowledgement: only this marks a kiosk row as sent."""

    accepted: bool = True
    idempotency_key: uuid.UUID
    tracking_number: str
    received_at: str


class SubmissionStatus(BaseModel):
    tracking_number: str
    service_id: str
    status: str
    received_at: str


def create_app(db_path: Path | str = ":memory:") -> FastAPI:
    store = BackendStore(db_path)
    app = FastAPI(title="Village kiosk mock backend", version="1")
    app.state.store = store

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(
        "/api/v1/submissions",
        status_code=201,
        response_model=SubmissionAck,
        responses={
            200: {"model": SubmissionAck, "description": "Replay of an earlier key"},
            409: {"description": "Key reused with a different payload"},
        },
    )
    def create_submission(submission: SubmissionIn, response: Response) -> SubmissionAck:
        body = submission.model_dump(mode="json")
        try:
            stored, created = store.create(body)
        except IdempotencyConflict as error:
            raise HTTPException(status_code=409, detail=str(error)) from error
        if not created:
            response.status_code = 200
            response.headers["Idempotent-Replayed"] = "true"
        return SubmissionAck(
            idempotency_key=uuid.UUID(stored.idempotency_key),
            tracking_number=stored.tracking_number,
            received_at=stored.received_at,
        )

    @app.get(
        "/api/v1/submissions/{tracking_number}",
        response_model=SubmissionStatus,
        responses={404: {"description": "Unknown tracking number"}},
    )
    def submission_status(tracking_number: str) -> SubmissionStatus:
        stored = store.by_tracking_number(tracking_number)
        if stored is None:
            raise HTTPException(status_code=404, detail="unknown tracking number")
        return SubmissionStatus(
            tracking_number=stored.tracking_number,
            service_id=stored.service_id,
            status=stored.status,
            received_at=stored.received_at,
        )

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
