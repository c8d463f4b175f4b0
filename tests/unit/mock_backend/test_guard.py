"""The guard middleware, driven in process: the token is checked before the app asks for
a single body byte, and the body is counted as it arrives (real-server memory checks are
in test_body_memory.py)."""

import itertools
import json

import pytest

from mock_backend import MAX_BODY_BYTES, create_app
from mock_backend.tracking import make_tracking_number as number
from tests.unit.mock_backend.asgi import AUTH, request, submission

CHUNK = 64 * 1024


@pytest.fixture
def app():
    return create_app()


def big_body():
    """16 MiB in 64 KiB chunks, made as they are read (finite, so that the old
    read-everything behaviour fails the test rather than hanging it)."""
    return itertools.repeat(b" " * CHUNK, 256)


@pytest.mark.parametrize(
    "path", ["/api/v1/submissions", "/api/v1/submissions/batch", "/api/v1/usage-events"]
)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-kiosk-token-123"}])
def test_no_token_is_401_before_any_body_byte_is_read(app, path, headers):
    answer = request(app, "POST", path, headers=headers, chunks=big_body())
    assert answer.status == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert answer.json() == {"error": "unauthorized", "detail": "missing or unknown bearer token"}
    assert answer.chunks_read == 0
    # The client may still be sending: the server must not keep reading it.
    assert answer.headers["connection"] == "close"


def test_a_401_without_a_body_keeps_the_connection(app):
    answer = request(app, "GET", "/api/v1/kiosk")
    assert answer.status == 401 and "connection" not in answer.headers


def test_content_length_over_the_limit_is_413_at_once(app):
    headers = {**AUTH, "Content-Length": str(MAX_BODY_BYTES + 1)}
    answer = request(app, "POST", "/api/v1/submissions", headers=headers, chunks=big_body())
    assert answer.status == 413 and answer.json()["error"] == "body_too_large"
    assert answer.chunks_read == 0
    assert answer.headers["connection"] == "close"


def test_authentication_comes_before_the_size(app):
    headers = {"Content-Length": str(10 * MAX_BODY_BYTES)}
    assert request(app, "POST", "/api/v1/submissions", headers=headers).status == 401


def test_a_chunked_body_is_cut_off_just_past_the_limit(app):
    answer = request(app, "POST", "/api/v1/submissions/batch", headers=AUTH, chunks=big_body())
    assert answer.status == 413 and answer.json()["error"] == "body_too_large"
    assert MAX_BODY_BYTES < answer.bytes_read <= MAX_BODY_BYTES + CHUNK
    assert answer.headers["connection"] == "close"
    # Whatever the app makes of its interrupted read is not sent after the 413.
    assert answer.messages_after_end == []


def test_a_body_at_the_limit_is_read_whole(app):
    body = submission(number("0001", 1, 1))
    text = b'{"submissions": [%s]}' % json.dumps(body).encode()
    padded = text + b" " * (MAX_BODY_BYTES - len(text))
    pieces = [padded[i : i + CHUNK] for i in range(0, len(padded), CHUNK)]
    headers = {**AUTH, "Content-Type": "application/json"}
    answer = request(app, "POST", "/api/v1/submissions/batch", headers=headers, chunks=pieces)
    assert answer.status == 200, answer.text
    assert answer.json()["results"][0]["status"] == 201


def test_public_pages_need_no_token_but_keep_the_size_limit(app):
    assert request(app, "GET", "/healthz").status == 200
    assert request(app, "GET", "/openapi.json").status == 200
    assert request(app, "GET", f"/track/{number('0001', 1, 1)}").status == 404
    headers = {"Content-Length": str(MAX_BODY_BYTES + 1)}
    assert request(app, "GET", "/healthz", headers=headers).status == 413


def test_every_api_path_needs_the_token_even_unknown_ones(app):
    for path in ("/api/v1/nothing-here", "/api/v1", "/api/v1/catalog"):
        assert request(app, "GET", path).status == 401


def test_two_authorization_headers_are_not_a_token(app):
    # A repeated header reaches the ASGI scope twice; neither value is picked silently.
    line = (b"authorization", AUTH["Authorization"].encode("ascii"))
    assert request(app, "GET", "/api/v1/kiosk", raw_headers=[line]).status == 200
    assert request(app, "GET", "/api/v1/kiosk", raw_headers=[line, line]).status == 401
