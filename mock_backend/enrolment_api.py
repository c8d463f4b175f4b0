"""`POST /api/v1/enrolments`: a one-time code for a new kiosk's id, number and token.

The one /api/v1 endpoint without a bearer token: the code is the credential (the guard
lets this path through, mock_backend/guard.py). Registered by `create_app`, which hands
over its shared error answers so that it answers exactly like the others.

No `from __future__ import annotations` here: FastAPI reads the routes' annotations.
"""

from collections.abc import Callable

from fastapi import FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field

from mock_backend.enrolment import CODE_PATTERN, EnrolmentBook, EnrolmentRefused

ENROLMENTS_PATH = "/api/v1/enrolments"

REFUSALS = {  # reason -> (status, error code, detail)
    "unknown": (403, "enrolment_code_unknown", "this backend does not know that code"),
    "used": (409, "enrolment_code_used", "that code has enrolled a kiosk already"),
    "expired": (410, "enrolment_code_expired", "that code has expired"),
    "no_number": (503, "no_kiosk_number_free", "every kiosk number 0001-9999 is taken"),
}


class EnrolmentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"code": "K7F2-9QXD"}]}
    )
    code: str = Field(
        pattern=f"^{CODE_PATTERN}$",
        description="The one-time enrolment code",
        json_schema_extra={"format": "enrolment-code"},  # for generators: see the contract test
    )


class EnrolmentOut(BaseModel):
    kiosk_id: str = Field(description="kiosk_id for kiosk.toml")
    kiosk_number: str = Field(
        pattern=r"^[0-9]{4}$", description="The 4 digits that lead this kiosk's tracking numbers"
    )
    token: str = Field(description="This kiosk's bearer token; shown once, stored as a digest")
    tracking_page_url: str = Field(description="public_status_url for kiosk.toml")


def add_enrolment_routes(
    app: FastAPI,
    book: EnrolmentBook,
    *,
    errors: Callable[..., dict],
    error_answer: Callable[[str], dict],
    api_error: Callable[[int, str, str], Exception],
) -> None:
    refusals = {
        status: error_answer(f"{code}: {detail}") for status, code, detail in REFUSALS.values()
    }

    @app.post(
        ENROLMENTS_PATH,
        operation_id="enrol_kiosk",
        status_code=201,
        response_model=EnrolmentOut,
        responses={**errors(400, 413, 422), **refusals},
        openapi_extra={"security": []},  # no bearer token: the code is the credential
        description="A new kiosk trades a one-time enrolment code for its identity. A code "
        "works once and expires; the token is answered once and kept only as a digest.",
    )
    def enrol(request_body: EnrolmentIn, request: Request) -> EnrolmentOut:
        try:
            enrolled = book.enrol(request_body.code)
        except EnrolmentRefused as refusal:
            status, code, detail = REFUSALS[refusal.reason]
            raise api_error(status, code, detail) from None
        return EnrolmentOut(
            kiosk_id=enrolled.kiosk_id,
            kiosk_number=enrolled.kiosk_number,
            token=enrolled.token,
            tracking_page_url=str(request.base_url) + "track",
        )
