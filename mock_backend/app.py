"""HTTP API of the mock backend. OpenAPI at /openapi.json.

Every /api/v1 endpoint but the enrolment (a one-time code is its credential) needs
`Authorization: Bearer <token>`; each token belongs to one registered kiosk, and a kiosk
may only store tracking numbers that start with its own 4-digit kiosk number. The public
/track page (what a receipt's QR code opens) needs none.
Every answer an operation can give is in the OpenAPI document, with its body's schema.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import html
import json
import math
import shutil
import tempfile
import uuid
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException

from mock_backend.enrolment import DEFAULT_VALID_S, EnrolmentBook, EnrolmentCode
from mock_backend.enrolment_api import ENROLMENTS_PATH, add_enrolment_routes
from mock_backend.guard import GuardMiddleware
from mock_backend.registry import DEMO_KIOSK, KioskRegistration, KioskRegistry
from mock_backend.status_list import VerifierSetup
from mock_backend.store import BackendStore, IdempotencyConflict, StoredSubmission
from mock_backend.tracking import (
    MAX_EPOCH,
    MIN_EPOCH,
    TRACKING_NUMBER_PATTERN,
    is_valid_tracking_number,
    kiosk_number_of,
)
from mock_backend.usage_dataset import UsageDataset, UsageIngest
from mock_backend.verifier_api import (
    VERIFICATION_SERVICE_ID,
    VerificationRecord,
    add_verifier_routes,
)

MAX_BODY_BYTES = 1024 * 1024  # a batch of 50 submissions is ~50 KiB; refuse anything silly
MAX_BATCH = 50
MAX_EVENTS = 500
MAX_NESTING = 32  # the kiosk's payloads are 3 levels deep; this keeps every walk shallow
MAX_REASONS = 20
PARQUET = "application/vnd.apache.parquet"


# -- errors --------------------------------------------------------------------------------


class ErrorOut(BaseModel):
    """Every non-validation error: a stable machine code plus a sentence for people."""

    error: str = Field(description="Stable code, e.g. tracking_number_taken")
    detail: str


class ValidationReason(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(BaseModel):
    error: Literal["invalid"] = "invalid"
    detail: list[ValidationReason]


class ApiError(HTTPException):
    """An HTTPException with a stable error code for the body."""

    def __init__(
        self, status_code: int, error: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code=status_code, detail=detail, headers=headers)
        self.error = error


DEFAULT_ERROR_CODES = {
    400: "body_unreadable",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
}


def _printable(text: str) -> str:
    """The text with any lone surrogate replaced: an answer must always encode as UTF-8."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def validation_reasons(errors: Iterable[dict[str, Any]]) -> list[ValidationReason]:
    """Pydantic errors without `input` and `ctx`: they may hold the very NaN or lone
    surrogate that was refused, which no JSON answer can carry (that used to be a 500)."""
    reasons = []
    for error in errors:
        loc = [part if isinstance(part, int) else _printable(str(part)) for part in error["loc"]]
        reasons.append(
            ValidationReason(loc=loc, msg=_printable(str(error["msg"])), type=str(error["type"]))
        )
    return reasons[:MAX_REASONS]


# -- models --------------------------------------------------------------------------------


def _check_digit(number: str) -> str:
    if not is_valid_tracking_number(number):
        raise PydanticCustomError(
            "tracking_number_check_digit", "the last digit is not the Luhn check digit"
        )
    return number


TrackingNumber = Annotated[
    str,
    Field(
        pattern=TRACKING_NUMBER_PATTERN,
        # A documented (open-ended) OpenAPI format: the check digit is not expressible in
        # JSON Schema, so generators that know the format can make valid numbers.
        json_schema_extra={"format": "tracking-number"},
        description="15 digits: kiosk number(4) + epoch(3) + sequence(7) + Luhn check digit, "
        "or the legacy kiosk(4) + yymmdd(6) + sequence(4) + Luhn check digit",
        examples=["000100100000015"],
    ),
    AfterValidator(_check_digit),
]


def _date_time_text(value: Any) -> Any:
    # FastAPI validates bodies in pydantic's Python mode, where a bare number would pass
    # as a Unix timestamp; the contract is an RFC 3339 string.
    if not isinstance(value, str):
        raise PydanticCustomError("datetime_type", "Input should be an RFC 3339 date-time string")
    return value


DateTimeText = Annotated[dt.datetime, BeforeValidator(_date_time_text)]


def _json_integer(value: Any) -> Any:
    # JSON Schema's integer: 5 and 5.0, but not true or "5" (which pydantic's lax mode
    # would turn into 1 and 5).
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


KioskId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._-]{1,64}$",
        # Open-ended OpenAPI format: only a registered kiosk's own id is accepted (403).
        json_schema_extra={"format": "kiosk-id"},
    ),
]


def unstorable_values(value: Any) -> list[str]:
    """Where `value` holds something the store cannot keep faithfully: a lone surrogate
    (no UTF-8 form), NaN or Infinity (not JSON), or nesting past MAX_NESTING."""
    found: list[str] = []
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack and len(found) < MAX_REASONS:
        item, where, depth = stack.pop()
        if depth > MAX_NESTING:
            found.append(f"{where or 'body'}: nested deeper than {MAX_NESTING} levels")
        elif isinstance(item, str):
            if not _encodes(item):
                found.append(f"{where or 'value'}: a lone surrogate has no UTF-8 form")
        elif isinstance(item, float):
            if not math.isfinite(item):
                found.append(f"{where or 'value'}: NaN and Infinity are not JSON numbers")
        elif isinstance(item, dict):
            for key, child in item.items():
                name = _printable(str(key))
                path = f"{where}.{name}" if where else name
                if isinstance(key, str) and not _encodes(key):
                    found.append(f"{path}: a lone surrogate in a key has no UTF-8 form")
                stack.append((child, path, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{i}]", depth + 1) for i, child in enumerate(item))
    return found


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class SubmissionIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "idempotency_key": "5f0c2b8e-8d4f-4c53-9d0e-2f1f7c1e9a01",
                    "kiosk_id": "kiosk-0001",
                    "service_id": "pension_qualification_certification",
                    "tracking_number": "000100100000015",
                    "created_at": "2026-11-21T10:00:00+08:00",
                    "payload": {"answers": {"alive_declaration": True}},
                }
            ]
        }
    )
    idempotency_key: uuid.UUID = Field(description="Made by the kiosk at enqueue; reused on retry")
    kiosk_id: KioskId
    service_id: str = Field(min_length=1, max_length=64)
    tracking_number: TrackingNumber
    created_at: DateTimeText
    payload: dict[str, Any]
    corrects: TrackingNumber | None = Field(
        default=None,
        description="A correction is a new submission naming the one it corrects; "
        "a finalized submission is never changed",
    )
    training: StrictBool = Field(
        default=False,
        description="Made in training mode: stored apart, never counted or exported",
    )

    @model_validator(mode="before")
    @classmethod
    def storable(cls, data: Any) -> Any:
        # Checked on the raw item, before pydantic copies it: a lone surrogate or NaN
        # anywhere (payload included) used to reach SQLite and fail the whole batch.
        problems = unstorable_values(data)
        if problems:
            raise PydanticCustomError(
                "unstorable_value",
                "cannot be stored: {problems}",
                {"problems": "; ".join(problems)},
            )
        return data

    @model_validator(mode="after")
    def verification_records_name_nobody(self) -> SubmissionIn:
        # A verifier check is synced like a submission; its payload is checked field by
        # field (keyed hash, result, source), so it can never carry a name or a number.
        if self.service_id == VERIFICATION_SERVICE_ID:
            try:
                VerificationRecord.model_validate(self.payload)
            except ValidationError as error:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()
                )
                raise PydanticCustomError(
                    "verification_record",
                    "not a verification record: {problems}",
                    {"problems": _printable(problems)[:500]},
                ) from None
        return self

    def body(self) -> dict[str, Any]:
        """What the store keeps and hashes. `training` only when true, so a real
        submission hashes as it did before the field existed (replays still match)."""
        body = self.model_dump(mode="json")
        if not body["training"]:
            del body["training"]
        return body


class SubmissionAck(BaseModel):
    """The explicit acknowledgement: only this marks a kiosk row as sent."""

    accepted: Literal[True] = True
    idempotency_key: uuid.UUID
    tracking_number: str
    received_at: str


class BatchIn(BaseModel):
    submissions: list[Any] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description="Each item is checked on its own as a SubmissionIn: an invalid item gets "
        "its own 422 result and never fails the others",
    )


class BatchItemResult(BaseModel):
    index: int
    status: Literal[200, 201, 403, 409, 422] = Field(
        description="201 stored, 200 replay, 403 not this kiosk's (kiosk_id or tracking "
        "number space), 409 key or tracking number conflict, 422 invalid"
    )
    ack: SubmissionAck | None = None
    error: str | None = Field(default=None, description="Stable code when status >= 400")
    detail: str | list[ValidationReason] | None = None


class BatchOut(BaseModel):
    results: list[BatchItemResult]


class SubmissionStatus(BaseModel):
    tracking_number: str
    service_id: str
    status: str
    received_at: str
    training: bool


class KioskOut(BaseModel):
    kiosk_id: str
    kiosk_number: str
    submissions: int = Field(description="Real (not training) submissions stored by this kiosk")
    max_epoch: int | None = Field(
        ge=MIN_EPOCH,
        le=MAX_EPOCH,
        description="Largest store epoch among stored current-layout numbers in this kiosk's "
        "number space (training ones included); null if none. A kiosk whose store was wiped "
        "starts at the next epoch.",
    )


MAX_USAGE_NUMBER = 2_592_000_000  # 30 days in ms: far below any phone or ID number


# A real local date-time of 2000-2099 (every match parses: days per month, leap years).
_DAY = (
    r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31)"
)
_LEAP = r"(?:0[48]|[2468][048]|[13579][26]|00)"
LOCAL_TIME_PATTERN = (
    rf"^(?:20[0-9]{{2}}-{_DAY}|20{_LEAP}-02-29)"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{3})?$"
)


def _local_time(text: str) -> str:
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError("local_time", "not a valid local date-time") from None
    return text


UsageNumber = Annotated[int, Field(ge=0, le=MAX_USAGE_NUMBER), BeforeValidator(_json_integer)]
# Letters and `_.<+-`, with digits only in runs of at most 5: ID, phone, card and
# tracking numbers all have 6 digits or more in a row.
UsageToken = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[0-9]{0,5}(?:[A-Za-z_.<+-]+[0-9]{0,5})*$"),
]
UsageFieldName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
UsageTokens = Annotated[list[UsageToken], Field(max_length=16)]


class UsageEvent(BaseModel):
    """De-identified by construction: no free text anywhere. A field's value is a flag, a
    number (0 to 30 days in ms), a short token (letters, digits, `_.<+-`, never 6 digits
    in a row) or a list of tokens; unknown top-level fields are refused. Only the
    session's start carries wall time; `offset_ms` counts from it on a monotonic clock."""

    model_config = ConfigDict(extra="forbid")
    session_id: str = Field(pattern=r"^[a-z]{22}$", description="Random per session")
    seq: Annotated[int, Field(ge=0, le=1_000_000), BeforeValidator(_json_integer)]
    event: str = Field(pattern=r"^[a-z][a-z0-9_]{0,47}$")
    started_local: Annotated[
        str,
        Field(pattern=LOCAL_TIME_PATTERN),
        AfterValidator(_local_time),
    ] = Field(description="When the session started, kiosk local time")
    utc_offset_min: Annotated[int, Field(ge=-720, le=840), BeforeValidator(_json_integer)]
    offset_ms: UsageNumber
    fields: dict[UsageFieldName, StrictBool | UsageNumber | UsageToken | UsageTokens] = Field(
        default_factory=dict,
        max_length=16,
        json_schema_extra={"additionalProperties": False},
        description="The event's fields (docs/usage-events.md); one named like a column is "
        "not kept in the dataset",
    )


class UsageEventsIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "batch_id": "0b6f3c1e-2a4d-4f7e-9c1a-5d2e8f3b7a10",
                    "events": [
                        {
                            "session_id": "qwhdkeyrtnxmapzlsbvcgo",
                            "seq": 4,
                            "event": "screen_shown",
                            "started_local": "2026-11-21T10:00:00.000",
                            "utc_offset_min": 480,
                            "offset_ms": 5120,
                            "fields": {
                                "service": "pension_certification",
                                "step": "phone",
                                "index": 3,
                                "left_ms": 21400,
                            },
                        }
                    ],
                }
            ]
        }
    )
    batch_id: uuid.UUID | None = Field(default=None, description="Echoed: the kiosk's key")
    events: list[UsageEvent] = Field(min_length=1, max_length=MAX_EVENTS)


class UsageEventsOut(BaseModel):
    received: int
    new: int
    batch_id: uuid.UUID | None = None


class DigitsConvertor(Convertor[str]):
    """`{name:digits}`: a path segment of digits only. /api/v1/submissions/batch must not
    match the status route as tracking number "batch" (its GET is a 405, not a 422)."""

    regex = "[0-9]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("digits", DigitsConvertor())


# -- authentication ------------------------------------------------------------------------

# Declares the scheme in OpenAPI; the check itself already ran in GuardMiddleware.
bearer_scheme = HTTPBearer(auto_error=False, description="One token per registered kiosk")


def authenticated_kiosk(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> KioskRegistration:
    """The kiosk a bearer token belongs to; 401 otherwise."""
    registry: KioskRegistry = request.app.state.registry
    kiosk = registry.authenticate(request.headers.get("authorization"))
    if kiosk is None:
        raise ApiError(
            401,
            "unauthorized",
            "missing or unknown bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return kiosk


Kiosk = Annotated[KioskRegistration, Depends(authenticated_kiosk)]


def ownership_error(submission: SubmissionIn, kiosk: KioskRegistration) -> tuple[str, str] | None:
    """(code, detail) when the token's kiosk may not store this submission."""
    if submission.kiosk_id != kiosk.kiosk_id:
        return "kiosk_id_mismatch", "kiosk_id does not match the token"
    if kiosk_number_of(submission.tracking_number) != kiosk.kiosk_number:
        return (
            "tracking_number_outside_kiosk_space",
            f"tracking number does not start with this kiosk's number {kiosk.kiosk_number}",
        )
    return None


# -- OpenAPI: every answer each operation can give -----------------------------------------


def _error(description: str, **extra: Any) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description, **extra}


R400 = _error(
    "The body cannot be decoded at all (invalid UTF-8, an integer over 4300 digits, nesting "
    "past the JSON parser's limit); malformed JSON or a wrong shape is a 422"
)
R401 = _error(
    "Missing or unknown bearer token; answered before any body byte is read",
    headers={"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
)
R413 = _error(
    f"Body over {MAX_BODY_BYTES} bytes (by Content-Length, or counted while it arrives); "
    "the connection is closed after the answer"
)
R422 = {"model": ValidationErrorOut, "description": "Invalid request"}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The shared error answers, by status code."""
    table = {400: R400, 401: R401, 413: R413, 422: R422}
    return {code: table[code] for code in codes}


def status_links(tracking_number: str = "$response.body#/tracking_number") -> dict[str, Any]:
    """Links from a stored submission to where it can be read back (the stateful tests
    follow them)."""
    return {
        "SubmissionStatus": {
            "operationId": "get_submission_status",
            "parameters": {"tracking_number": tracking_number},
            "description": "The status look-up by the stored tracking number",
        },
        "TrackingPage": {
            "operationId": "tracking_page",
            "parameters": {"tracking_number": tracking_number},
            "description": "The public page the receipt's QR code opens",
        },
        "KioskSummary": {
            "operationId": "get_kiosk",
            "description": "The kiosk's count and epoch now include this submission",
        },
    }


API_ERRORS = (400, 401, 413, 422)
CANNOT_BE_INVALID = {"tracking_page", "get_catalog", "get_status_list"}


# -- the app -------------------------------------------------------------------------------


def create_app(
    db_path: Path | str = ":memory:",
    kiosks: list[KioskRegistration] | None = None,
    catalog_path: Path | None = None,
    answer_delay_s: float = 0.0,
    usage_dir: Path | None = None,
    usage_move_at: int = 20_000,
    verifier: VerifierSetup | None = None,
    enrolment_codes: Iterable[EnrolmentCode] = (),
    enrolment_code_valid_s: float = DEFAULT_VALID_S,
) -> FastAPI:
    """`kiosks` are the registered kiosks (default: the demo kiosk-0001). Raises
    ValueError for duplicate ids, numbers or tokens. `catalog_path` is the catalog JSON
    served at /api/v1/catalog, read on every request; without one that endpoint answers
    404 `no_catalog`. `answer_delay_s` holds every submission answer after the data is
    stored (a slow network, for fault drills). Usage events go to a Parquet dataset in
    `usage_dir` (default: `usage-events/` beside the database), moved there every
    `usage_move_at` events and before each export (mock_backend/usage_dataset.py).
    `verifier`: the status file and keys
    behind the verifier's look-up and signed list (mock_backend/status_list.py); without
    it those endpoints answer 404 `no_status_list`. Raises StatusFileError when the status
    file cannot be used. `enrolment_codes` are one-time codes a new kiosk trades for its
    identity (mock_backend/enrolment.py), valid `enrolment_code_valid_s` unless they say;
    kiosks enrolled before (kept in the store) are registered too."""
    store = BackendStore(db_path)
    registry = KioskRegistry(
        [DEMO_KIOSK] if kiosks is None else kiosks, EnrolmentBook.enrolled_kiosks(store)
    )
    app = FastAPI(title="Village kiosk mock backend", version="2")
    app.state.store = store
    if usage_dir is None and str(db_path) == ":memory:":
        usage_dir = Path(tempfile.mkdtemp(prefix="usage-events-"))
        weakref.finalize(app, shutil.rmtree, usage_dir, ignore_errors=True)
    elif usage_dir is None:
        usage_dir = Path(db_path).parent / "usage-events"
    usage = UsageIngest(store, UsageDataset(usage_dir), usage_move_at)
    app.state.usage = usage
    app.state.registry = registry
    app.add_middleware(
        GuardMiddleware,
        authenticate=registry.authenticate,
        max_body_bytes=MAX_BODY_BYTES,
        public_paths=frozenset({ENROLMENTS_PATH}),
    )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        out = ValidationErrorOut(detail=validation_reasons(exc.errors()))
        return JSONResponse(out.model_dump(mode="json"), status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code in (204, 304):  # answers without a body
            return Response(status_code=exc.status_code, headers=exc.headers)
        code = getattr(exc, "error", None) or DEFAULT_ERROR_CODES.get(exc.status_code, "error")
        body = ErrorOut(error=code, detail=_printable(str(exc.detail)))
        return JSONResponse(body.model_dump(), status_code=exc.status_code, headers=exc.headers)

    @app.get(
        "/healthz",
        operation_id="healthz",
        responses=errors(413),
    )
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    def ack_of(stored: StoredSubmission) -> SubmissionAck:
        return SubmissionAck(
            idempotency_key=uuid.UUID(stored.idempotency_key),
            tracking_number=stored.tracking_number,
            received_at=stored.received_at,
        )

    @app.post(
        "/api/v1/submissions",
        operation_id="create_submission",
        status_code=201,
        response_model=SubmissionAck,
        responses={
            **errors(*API_ERRORS),
            201: {"description": "Stored", "links": status_links()},
            200: {
                "model": SubmissionAck,
                "description": "Replay of an earlier key with the same payload",
                "headers": {
                    "Idempotent-Replayed": {
                        "description": "Always true",
                        "schema": {"type": "string", "enum": ["true"]},
                    }
                },
                "links": status_links(),
            },
            403: _error(
                "kiosk_id is not the token's kiosk (kiosk_id_mismatch), or the tracking number "
                "does not start with its kiosk number (tracking_number_outside_kiosk_space)"
            ),
            409: _error(
                "The key was used with a different payload (idempotency_key_reused), or the "
                "tracking number by another key (tracking_number_taken)"
            ),
        },
        description="422 also when the tracking number's Luhn check digit is wrong, or any "
        "value is a lone surrogate, NaN or Infinity.",
    )
    async def create_submission(
        submission: SubmissionIn, response: Response, kiosk: Kiosk
    ) -> SubmissionAck:
        refused = ownership_error(submission, kiosk)
        if refused is not None:
            raise ApiError(403, *refused)
        try:
            stored, created = store.create(submission.body())
        except IdempotencyConflict as error:
            raise ApiError(409, error.code, str(error)) from error
        if answer_delay_s:
            await asyncio.sleep(answer_delay_s)
        if not created:
            response.status_code = 200
            response.headers["Idempotent-Replayed"] = "true"
        return ack_of(stored)

    @app.post(
        "/api/v1/submissions/batch",
        operation_id="create_submissions_batch",
        response_model=BatchOut,
        responses=errors(*API_ERRORS),
        description=f"Up to {MAX_BATCH} submissions, stored in one transaction; a result "
        "per item, in order. One bad item never fails the others.",
    )
    async def create_submissions(batch: BatchIn, kiosk: Kiosk) -> BatchOut:
        results: list[BatchItemResult | None] = [None] * len(batch.submissions)
        valid: list[tuple[int, dict]] = []
        for index, raw in enumerate(batch.submissions):
            try:
                item = SubmissionIn.model_validate(raw)
            except ValidationError as error:
                reasons = validation_reasons(error.errors(include_url=False))
                results[index] = BatchItemResult(
                    index=index, status=422, error="invalid", detail=reasons
                )
                continue
            refused = ownership_error(item, kiosk)
            if refused is not None:
                code, detail = refused
                results[index] = BatchItemResult(index=index, status=403, error=code, detail=detail)
                continue
            valid.append((index, item.body()))
        outcomes = store.create_many([body for _, body in valid])
        for (index, _), outcome in zip(valid, outcomes, strict=True):
            if isinstance(outcome, IdempotencyConflict):
                results[index] = BatchItemResult(
                    index=index, status=409, error=outcome.code, detail=str(outcome)
                )
            else:
                stored, created = outcome
                results[index] = BatchItemResult(
                    index=index, status=201 if created else 200, ack=ack_of(stored)
                )
        if answer_delay_s:
            await asyncio.sleep(answer_delay_s)
        return BatchOut(results=[result for result in results if result is not None])

    @app.get(
        "/api/v1/submissions/{tracking_number:digits}",
        operation_id="get_submission_status",
        response_model=SubmissionStatus,
        responses={
            **errors(401, 413, 422),
            404: _error("No submission, real or training, has this number"),
        },
        description="Any kiosk may look a number up (a villager may ask at another kiosk). "
        "A kiosk can only store numbers in its own space, so a number always shows the "
        "submission of the kiosk it belongs to.",
    )
    def submission_status(
        tracking_number: Annotated[
            str,
            PathParam(
                pattern=TRACKING_NUMBER_PATTERN, json_schema_extra={"format": "tracking-number"}
            ),
        ],
        kiosk: Kiosk,
    ) -> SubmissionStatus:
        stored = store.by_tracking_number(tracking_number)
        if stored is None:
            raise ApiError(404, "not_found", "unknown tracking number")
        return SubmissionStatus(
            tracking_number=stored.tracking_number,
            service_id=stored.service_id,
            status=stored.status,
            received_at=stored.received_at,
            training=stored.training,
        )

    @app.get(
        "/api/v1/kiosk",
        operation_id="get_kiosk",
        response_model=KioskOut,
        responses=errors(401, 413),
        description="The calling kiosk as registered, with what is stored of it. A kiosk "
        "whose store was wiped asks this to choose a fresh epoch (max_epoch + 1).",
    )
    def kiosk_summary(kiosk: Kiosk) -> KioskOut:
        return KioskOut(
            kiosk_id=kiosk.kiosk_id,
            kiosk_number=kiosk.kiosk_number,
            submissions=store.count_for_kiosk(kiosk.kiosk_id),
            max_epoch=store.max_epoch(kiosk.kiosk_number),
        )

    def load_catalog() -> tuple[bytes, str]:
        if catalog_path is None:
            # Not a fault to retry: this backend was started without a catalog (the
            # `kiosk backend` command always gives it one; the kiosk keeps its own).
            raise ApiError(404, "no_catalog", "this backend serves no service catalog")
        try:
            document: Any = json.loads(Path(catalog_path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            # Read on every request so edits show up; a broken edit is the
            # operator's fault, not a server crash.
            raise ApiError(
                503, "catalog_unavailable", f"catalog file unreadable: {type(error).__name__}"
            ) from error
        body = json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'

    etag_header = {"ETag": {"description": "Strong ETag of the body", "schema": {"type": "string"}}}

    @app.get(
        "/api/v1/catalog",
        operation_id="get_catalog",
        responses={
            **errors(401, 413),
            200: {
                "content": {"application/json": {"schema": {"type": "object"}}},
                "description": "The service catalog",
                "headers": etag_header,
            },
            304: {
                "description": "Not modified since the ETag given in If-None-Match",
                "headers": etag_header,
            },
            404: _error("This backend was started without a catalog (no catalog_path)"),
            503: _error("The catalog file the backend serves cannot be read"),
        },
    )
    def catalog(kiosk: Kiosk, if_none_match: Annotated[str | None, Header()] = None) -> Response:
        body, etag = load_catalog()
        if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
            return Response(status_code=304, headers={"ETag": etag})
        return Response(body, media_type="application/json", headers={"ETag": etag})

    @app.post(
        "/api/v1/usage-events",
        operation_id="post_usage_events",
        response_model=UsageEventsOut,
        responses=errors(*API_ERRORS),
    )
    def usage_events(upload: UsageEventsIn, kiosk: Kiosk) -> UsageEventsOut:
        events = [vars(event) for event in upload.events]  # plain JSON values already
        new = usage.add(kiosk.kiosk_id, events)
        return UsageEventsOut(received=len(events), new=new, batch_id=upload.batch_id)

    @app.get(
        "/api/v1/usage-events/export",
        operation_id="export_usage_events",
        response_class=Response,
        responses={
            **errors(401, 413, 422),
            200: {
                "description": "Parquet: every kiosk's events of those days (or one kiosk's), "
                "with the partition columns date and kiosk",
                "content": {PARQUET: {"schema": {"type": "string", "format": "binary"}}},
            },
        },
    )
    def export_usage_events(
        kiosk: Kiosk,
        since: dt.date,
        until: dt.date,
        only: Annotated[str | None, Query(alias="kiosk", pattern=r"^[A-Za-z0-9._-]{1,64}$")] = None,
    ) -> Response:
        """Days `since`..`until` (inclusive, the sessions' local dates) as one Parquet file.
        Any registered token may export: the events name no one (a real backend would ask
        for a maintainer's role)."""
        usage.move_all()
        with tempfile.TemporaryDirectory(dir=usage.dataset.root, prefix=".export-") as folder:
            out = Path(folder) / "export.parquet"
            rows = usage.dataset.export(since, until, only, out)
            body = out.read_bytes()
        return Response(body, media_type=PARQUET, headers={"X-Row-Count": str(rows)})

    add_verifier_routes(
        app,
        None if verifier is None else verifier.book(store),
        kiosk=Kiosk,
        errors=errors,
        error_answer=_error,
        api_error=ApiError,
    )

    add_enrolment_routes(
        app,
        EnrolmentBook(store, registry, enrolment_codes, enrolment_code_valid_s),
        errors=errors,
        error_answer=_error,
        api_error=ApiError,
    )

    html_page = {"text/html": {"schema": {"type": "string"}}}

    @app.get(
        "/track/{tracking_number}",
        operation_id="tracking_page",
        response_class=HTMLResponse,
        responses={
            **errors(413),
            200: {"content": html_page, "description": "Received (or training)"},
            404: {"content": html_page, "description": "Not received yet"},
        },
    )
    def tracking_page(tracking_number: str) -> HTMLResponse:
        """What the receipt's QR code opens on a family member's phone."""
        stored = store.by_tracking_number(tracking_number)
        number = html.escape(_printable(tracking_number))
        if stored is None:
            text = "尚未收到,请稍后再查 / Not received yet, please check again later"
        elif stored.training:
            text = "培训 / Training: 培训演示,不会办理 / a practice run, not processed"
        else:
            text = f"已受理 / Received {html.escape(stored.received_at)}"
        return HTMLResponse(
            f"<!doctype html><meta charset=utf-8><title>{number}</title>"
            f"<h1>办件编号 {number}</h1><p>{text}</p>",
            status_code=200 if stored else 404,
        )

    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        schema = default_openapi()
        for operations in schema["paths"].values():
            for operation in operations.values():
                answers = operation.get("responses", {})
                # FastAPI gives every extra response a JSON body; a 304 has none.
                answers.get("304", {}).pop("content", None)
                # FastAPI documents a 422 for any parameter; a plain string path or
                # header parameter cannot fail validation.
                if operation.get("operationId") in CANNOT_BE_INVALID:
                    answers.pop("422", None)
                # FastAPI files an error model under the route's own media type (HTML
                # for /track); the errors are always JSON.
                for answer in answers.values():
                    content = answer.get("content", {})
                    for media in [m for m in content if m != "application/json"]:
                        ref = content[media].get("schema", {}).get("$ref", "")
                        if ref.endswith(("/ErrorOut", "/ValidationErrorOut")):
                            content["application/json"] = content.pop(media)
        schema.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
        schema.get("components", {}).get("schemas", {}).pop("ValidationError", None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
