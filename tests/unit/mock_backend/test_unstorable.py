"""Values the store cannot keep (a lone surrogate, NaN, Infinity, absurd nesting) are a
422 for their own item, never a 500 for the batch; no malformed body is ever a 500."""

import json

import pytest

from mock_backend import create_app
from mock_backend.tracking import make_tracking_number as number
from tests.unit.mock_backend.asgi import AUTH, request, submission, usage_event

JSON = {**AUTH, "Content-Type": "application/json"}


@pytest.fixture
def app():
    return create_app()


def with_raw(body: dict, placeholder: str, raw: str) -> bytes:
    """The JSON text of `body` with the string `placeholder` replaced by raw JSON text
    (json.dumps cannot write NaN into a string position, nor a lone surrogate escape
    as a key)."""
    text = json.dumps(body)
    assert f'"{placeholder}"' in text
    return text.replace(f'"{placeholder}"', raw).encode("utf-8")


BAD_VALUES = {
    "lone high surrogate": '"\\ud800"',
    "lone low surrogate": '"abc\\udfffdef"',
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "overflowing float": "1e400",
    "surrogate deep inside": '{"a": [1, {"b": "\\ud83d"}]}',
    "NaN in a list": "[1, 2, NaN]",
    "nesting past the limit": "[" * 40 + "]" * 40,
}


@pytest.mark.parametrize("raw", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_a_bad_payload_value_is_422_for_a_single_submission(app, raw):
    body = submission(number("0001", 1, 1), payload={"answers": {"name": "X"}})
    answer = request(
        app, "POST", "/api/v1/submissions", content=with_raw(body, "X", raw), headers=JSON
    )
    assert answer.status == 422, answer.text
    assert answer.json()["detail"][0]["type"] == "unstorable_value"
    assert app.state.store.count() == 0


@pytest.mark.parametrize("raw", BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_a_bad_item_is_422_and_its_neighbours_are_stored(app, raw):
    before = submission(number("0001", 1, 1))
    bad = submission(number("0001", 1, 2), payload={"answers": {"name": "X"}})
    after = submission(number("0001", 1, 3))
    text = with_raw({"submissions": [before, bad, after]}, "X", raw)
    answer = request(app, "POST", "/api/v1/submissions/batch", content=text, headers=JSON)
    assert answer.status == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == [201, 422, 201]
    assert results[1]["error"] == "invalid"
    assert app.state.store.count() == 2


def test_a_lone_surrogate_in_a_key_or_a_top_level_field(app):
    body = submission(number("0001", 1, 1), payload={"X": 1}, service_id="S")
    text = with_raw(body, "X", '"\\udc00"').replace(b'"S"', b'"svc\\ud800"')
    answer = request(app, "POST", "/api/v1/submissions", content=text, headers=JSON)
    assert answer.status == 422
    message = answer.json()["detail"][0]["msg"]
    assert "service_id" in message and "payload." in message
    answer.body.decode("utf-8")  # the answer itself is valid UTF-8


def test_a_validation_answer_never_echoes_what_it_refused(app):
    # FastAPI's default 422 echoes the input: with NaN in it, the answer could not be
    # rendered (a 500). Ours names the place only.
    text = with_raw({"events": "X"}, "X", '[{"event": "tap", "offset_ms": NaN}]')
    answer = request(app, "POST", "/api/v1/usage-events", content=text, headers=JSON)
    assert answer.status == 422
    assert all(set(reason) == {"loc", "msg", "type"} for reason in answer.json()["detail"])


MALFORMED = {
    "not JSON": b"{not json",
    "empty object": b"{}",
    "a list": b"[]",
    "a string": b'"x"',
    "null": b"null",
    "truncated": b'{"submissions": [',
    "not UTF-8": b'{"a": "\xff\xfe"}',
    "UTF-16": '{"a": 1}'.encode("utf-16"),
    "NaN at the top": b"NaN",
    "lone surrogate at the top": b'"\\ud800"',
    "surrogate as a key": b'{"\\ud800": 1}',
    "huge integer": b'{"a": ' + b"9" * 5000 + b"}",
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "NUL byte": b'{"a": "\x00"}',
    "BOM": b'\xef\xbb\xbf{"a": 1}',
}
POSTS = ["/api/v1/submissions", "/api/v1/submissions/batch", "/api/v1/usage-events",
         "/api/v1/verifications"]  # fmt: skip


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize("content", MALFORMED.values(), ids=MALFORMED.keys())
@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
def test_no_malformed_body_is_a_server_error(app, path, content, content_type):
    headers = dict(AUTH)
    if content_type:
        headers["Content-Type"] = content_type
    answer = request(app, "POST", path, content=content, headers=headers)
    assert answer.status in (400, 422), (answer.status, answer.body[:300])
    reply = answer.json()  # a documented JSON error body, never an HTML or text 500
    assert reply["error"] in ("invalid", "body_unreadable")


@pytest.mark.parametrize("raw", BAD_VALUES.values(), ids=BAD_VALUES.keys())
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/usage-events", {"events": [{**usage_event(), "started_local": "X"}]}),
        ("/api/v1/verifications", {"hmac": "X"}),
        ("/api/v1/submissions", {**submission(number("0001", 1, 1)), "kiosk_id": "X"}),
    ],
)
def test_bad_values_in_any_field_are_422(app, path, body, raw):
    answer = request(app, "POST", path, content=with_raw(body, "X", raw), headers=JSON)
    assert answer.status == 422, answer.text
