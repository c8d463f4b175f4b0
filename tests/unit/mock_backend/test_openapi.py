"""The OpenAPI document names every answer each operation can give, with its body's
schema, and the answers the app really gives are those (checked here in process; the
e2e contract test runs schemathesis against a real server)."""

import datetime as dt
import json

import pytest

from mock_backend import MAX_BODY_BYTES, create_app
from mock_backend.enrolment import EnrolmentCode
from mock_backend.registry import KioskRegistration
from mock_backend.status_list import VerifierSetup, load_lookup_key, load_signing_key
from mock_backend.tracking import make_tracking_number as number
from tests.unit.mock_backend.asgi import AUTH, request, submission, usage_event

jsonschema_rs = pytest.importorskip("jsonschema_rs")  # comes with schemathesis

PUBLIC_API = {"/api/v1/enrolments"}  # the one-time code is the credential
EXPECTED = {
    "healthz": {200, 413},
    "create_submission": {200, 201, 400, 401, 403, 409, 413, 422},
    "create_submissions_batch": {200, 400, 401, 413, 422},
    "get_submission_status": {200, 401, 404, 413, 422},
    "get_kiosk": {200, 401, 413},
    "get_catalog": {200, 304, 401, 404, 413, 503},
    "post_usage_events": {200, 400, 401, 413, 422},
    "export_usage_events": {200, 401, 413, 422},
    "post_verification": {200, 400, 401, 404, 413, 422},
    "get_status_list": {200, 304, 401, 404, 413},
    "tracking_page": {200, 404, 413},
    "enrol_kiosk": {201, 400, 403, 409, 410, 413, 422, 503},
}


@pytest.fixture(scope="module")
def spec():
    return create_app().openapi()


def operations(spec):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_documents_every_status_it_can_answer(spec):
    documented = {
        op["operationId"]: {int(s) for s in op["responses"]} for _, _, op in operations(spec)
    }
    assert documented == EXPECTED


def test_every_answer_with_a_body_has_a_schema_and_a_304_has_none(spec):
    for path, method, operation in operations(spec):
        for status, answer in operation["responses"].items():
            where = f"{method.upper()} {path} {status}"
            assert answer.get("description"), where
            if status == "304":
                assert "content" not in answer, where
                continue
            assert answer.get("content"), where
            for media, body in answer["content"].items():
                assert body.get("schema"), where
                if int(status) >= 400 and (path, status) != ("/track/{tracking_number}", "404"):
                    assert media == "application/json", where  # the public page's 404 is HTML


def test_api_operations_declare_the_bearer_scheme(spec):
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for path, _, operation in operations(spec):
        needs_token = path.startswith("/api/v1/") and path not in PUBLIC_API
        assert bool(operation.get("security")) == needs_token, path
        if needs_token:
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]


def test_a_stored_submission_links_to_where_it_can_be_read_back(spec):
    post = spec["paths"]["/api/v1/submissions"]["post"]["responses"]
    ids = {op["operationId"] for _, _, op in operations(spec)}
    for status in ("200", "201"):
        links = post[status]["links"]
        assert {link["operationId"] for link in links.values()} <= ids
        assert links["SubmissionStatus"]["parameters"] == {
            "tracking_number": "$response.body#/tracking_number"
        }


def test_no_pydantic_only_keywords_leak_into_schemas(spec):
    # Constraints pydantic cannot express come out as "ge"/"le": no validator knows them.
    text = json.dumps(spec)
    for keyword in ('"ge":', '"le":', '"gt":', '"lt":'):
        assert keyword not in text


SAMPLE_PATHS = {
    "/api/v1/submissions/{tracking_number}": f"/api/v1/submissions/{number('0001', 1, 1)}",
    "/track/{tracking_number}": f"/track/{number('0001', 1, 1)}",
}


def verifier_app(tmp_path):
    statuses = tmp_path / "statuses.csv"
    statuses.write_text("id_number,status\n445281195207081310,pass\n", encoding="utf-8")
    setup = VerifierSetup(
        statuses,
        load_lookup_key(tmp_path / "lookup.key"),
        load_signing_key(tmp_path / "signing.key"),
    )
    return create_app(verifier=setup)


def answers_to_check(spec, tmp_path):
    """(operationId, expected status, answer): every documented status of every
    operation, produced for real."""
    app = create_app()
    too_long = {"Content-Length": str(MAX_BODY_BYTES + 1)}
    unreadable = b'{"a": ' + b"1" * 5000 + b"}"  # past Python's 4300-digit int limit
    for path, method, operation in operations(spec):
        op, url, verb = operation["operationId"], SAMPLE_PATHS.get(path, path), method.upper()
        # The shared answers, from the guard and the body parser.
        yield op, 413, request(app, verb, url, headers={**AUTH, **too_long})
        if path.startswith("/api/v1/") and path not in PUBLIC_API:
            yield op, 401, request(app, verb, url)
        if verb == "POST":
            headers = {**AUTH, "Content-Type": "application/json"}
            yield op, 400, request(app, verb, url, content=unreadable, headers=headers)
            yield op, 422, request(app, verb, url, json_body=[], headers=headers)

    body = submission(number("0001", 1, 1))
    post = "/api/v1/submissions"
    yield "healthz", 200, request(app, "GET", "/healthz")
    yield "create_submission", 201, request(app, "POST", post, json_body=body, headers=AUTH)
    yield "create_submission", 200, request(app, "POST", post, json_body=body, headers=AUTH)
    other_kiosk = {**body, "kiosk_id": "kiosk-0002"}
    yield "create_submission", 403, request(app, "POST", post, json_body=other_kiosk, headers=AUTH)
    taken = submission(body["tracking_number"])
    yield "create_submission", 409, request(app, "POST", post, json_body=taken, headers=AUTH)
    items = [body, submission(number("0002", 1, 1)), 5, submission(body["tracking_number"])]
    yield (
        "create_submissions_batch",
        200,
        request(app, "POST", f"{post}/batch", json_body={"submissions": items}, headers=AUTH),
    )
    status = SAMPLE_PATHS["/api/v1/submissions/{tracking_number}"]
    yield "get_submission_status", 200, request(app, "GET", status, headers=AUTH)
    unknown = f"/api/v1/submissions/{number('0001', 9, 9)}"
    yield "get_submission_status", 404, request(app, "GET", unknown, headers=AUTH)
    yield "get_submission_status", 422, request(app, "GET", f"{post}/123", headers=AUTH)
    yield "get_kiosk", 200, request(app, "GET", "/api/v1/kiosk", headers=AUTH)
    catalog = tmp_path / "catalog.json"
    catalog.write_text('{"catalog_version": 1, "services": []}', encoding="utf-8")
    serving = create_app(catalog_path=catalog)
    first = request(serving, "GET", "/api/v1/catalog", headers=AUTH)
    yield "get_catalog", 200, first
    same = {**AUTH, "If-None-Match": first.headers["etag"]}
    yield "get_catalog", 304, request(serving, "GET", "/api/v1/catalog", headers=same)
    yield "get_catalog", 404, request(app, "GET", "/api/v1/catalog", headers=AUTH)  # none given
    catalog.write_text("{broken", encoding="utf-8")
    yield "get_catalog", 503, request(serving, "GET", "/api/v1/catalog", headers=AUTH)
    events = {"events": [usage_event()]}
    yield (
        "post_usage_events",
        200,
        request(app, "POST", "/api/v1/usage-events", json_body=events, headers=AUTH),
    )
    export = "/api/v1/usage-events/export"
    days = "?since=2026-11-01&until=2026-11-30"
    yield "export_usage_events", 200, request(app, "GET", export + days, headers=AUTH)
    yield "export_usage_events", 422, request(app, "GET", export + "?since=x", headers=AUTH)
    digest = {"id_number_sha256": "a" * 64}
    digest = {"hmac": "a" * 64}
    checks = verifier_app(tmp_path)
    yield (
        "post_verification",
        200,
        request(checks, "POST", "/api/v1/verifications", json_body=digest, headers=AUTH),
    )
    yield (
        "post_verification",
        404,  # started without a status file
        request(app, "POST", "/api/v1/verifications", json_body=digest, headers=AUTH),
    )
    listed = request(checks, "GET", "/api/v1/status-list", headers=AUTH)
    yield "get_status_list", 200, listed
    same = {**AUTH, "If-None-Match": listed.headers["etag"]}
    yield "get_status_list", 304, request(checks, "GET", "/api/v1/status-list", headers=same)
    yield "get_status_list", 404, request(app, "GET", "/api/v1/status-list", headers=AUTH)
    yield "tracking_page", 200, request(app, "GET", SAMPLE_PATHS["/track/{tracking_number}"])
    yield "tracking_page", 404, request(app, "GET", "/track/nothing")
    yield from enrolment_answers()


def enrolment_answers():
    past = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    codes = [EnrolmentCode("code-0001-fresh"), EnrolmentCode("code-0002-stale", past)]
    app = create_app(enrolment_codes=codes)
    enrol = "/api/v1/enrolments"
    fresh, stale = {"code": "code-0001-fresh"}, {"code": "code-0002-stale"}
    yield "enrol_kiosk", 201, request(app, "POST", enrol, json_body=fresh)
    yield "enrol_kiosk", 409, request(app, "POST", enrol, json_body=fresh)
    yield "enrol_kiosk", 410, request(app, "POST", enrol, json_body=stale)
    yield "enrol_kiosk", 403, request(app, "POST", enrol, json_body={"code": "code-0003-never"})
    every_number = [
        KioskRegistration(f"kiosk-{n:04d}", f"{n:04d}", f"token-of-kiosk-{n:04d}")
        for n in range(1, 10_000)
    ]
    full = create_app(kiosks=every_number, enrolment_codes=[EnrolmentCode("code-0004-full")])
    yield "enrol_kiosk", 503, request(full, "POST", enrol, json_body={"code": "code-0004-full"})


def test_every_documented_answer_is_given_and_matches_its_schema(spec, tmp_path):
    by_id = {op["operationId"]: op for _, _, op in operations(spec)}
    seen: dict[str, set[int]] = {}
    for operation_id, expected, answer in answers_to_check(spec, tmp_path):
        where = (operation_id, answer.status, answer.body[:300])
        assert answer.status == expected, where
        seen.setdefault(operation_id, set()).add(answer.status)
        declared = by_id[operation_id]["responses"][str(answer.status)]
        if "content" not in declared:
            assert answer.body == b"", where
            continue
        media = answer.headers["content-type"].split(";")[0]
        assert media in declared["content"], where
        if media == "application/json":
            schema = {**declared["content"][media]["schema"], "components": spec["components"]}
            validator = jsonschema_rs.Draft202012Validator(schema)
            assert validator.is_valid(answer.json()), where
        for header in declared.get("headers", {}):
            assert header.lower() in answer.headers, (*where, header)
    assert seen == EXPECTED
