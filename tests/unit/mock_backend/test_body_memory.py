"""A real uvicorn server fed huge chunked bodies: it answers early and its memory stays
flat. (A 400 MiB chunked POST used to take it from 60 to 856 MiB, token or not.)"""

from __future__ import annotations

import select
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.helpers.backend import AUTH, BackendProcess

MiB = 1024 * 1024
CHUNK = 256 * 1024
MAX_GROWTH = 20 * MiB


@pytest.fixture
def server(tmp_path):
    backend = BackendProcess(tmp_path / "backend.db")
    backend.start()
    yield backend
    backend.stop()


@dataclass
class Upload:
    status: int | None  # None: the connection was closed before any answer arrived
    sent: int  # body bytes the client got onto the wire before the answer
    answer: bytes


def stream_chunked(url: str, path: str, headers: dict[str, str], total: int) -> Upload:
    """POST `total` bytes as a chunked body, watching for an answer after every chunk;
    stop sending as soon as one arrives or the server closes the connection."""
    host, port = url.removeprefix("http://").split(":")
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Transfer-Encoding: chunked"]
    lines += ["Content-Type: application/json", *(f"{k}: {v}" for k, v in headers.items())]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    piece = b"%x\r\n" % CHUNK + b" " * CHUNK + b"\r\n"
    sent, answer = 0, b""
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(head)
        try:
            while sent < total:
                if select.select([conn], [], [], 0)[0]:
                    break
                conn.sendall(piece)
                sent += CHUNK
            else:
                conn.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed after (or instead of) its answer: read what arrived
        try:
            while b"\r\n\r\n" not in answer:
                data = conn.recv(65536)
                if not data:
                    break
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None
    return Upload(status, sent, answer)


class PeakRss:
    """The server's largest RSS while the block runs: VmHWM after resetting it (Linux
    clear_refs 5), and VmRSS sampled every 5 ms in case the reset is not allowed."""

    def __init__(self, server: BackendProcess) -> None:
        self.server = server
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._hwm_reset = False

    def __enter__(self) -> PeakRss:
        self.baseline = self.server.rss_bytes()
        try:
            Path(f"/proc/{self.server.pid}/clear_refs").write_text("5")
            self._hwm_reset = True
        except OSError:
            pass
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.samples.append(self.server.rss_bytes())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(self.server.rss_bytes())
        if self._hwm_reset:
            self.samples.append(self.server.peak_rss_bytes())

    @property
    def growth(self) -> int:
        return max(self.samples) - self.baseline


def warm_up(server: BackendProcess) -> None:
    # Load every code path once, so that the baseline is the server's steady state.
    for _ in range(3):
        requests.post(server.url + "/api/v1/submissions/batch", json={}, headers=AUTH, timeout=5)
        requests.get(server.url + "/api/v1/kiosk", headers=AUTH, timeout=5)
    stream_chunked(server.url, "/api/v1/submissions/batch", AUTH, 4 * MiB)
    stream_chunked(server.url, "/api/v1/submissions/batch", {}, 4 * MiB)


def test_a_huge_chunked_body_gets_413_and_memory_stays_flat(server):
    warm_up(server)
    total = 256 * MiB
    with PeakRss(server) as rss:
        upload = stream_chunked(server.url, "/api/v1/submissions/batch", AUTH, total)
    assert rss.growth < MAX_GROWTH, f"server RSS grew by {rss.growth / MiB:.1f} MiB"
    assert upload.status == 413, upload
    # Answered once the limit was passed, not after the body: what was sent beyond 1 MiB
    # fits in the loopback socket buffers.
    assert upload.sent < 32 * MiB, upload.sent
    assert requests.get(server.url + "/healthz", timeout=5).ok  # and it still serves


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-0123456789"}])
def test_an_unauthenticated_chunked_body_gets_401_unread(server, headers):
    warm_up(server)
    total = 50 * MiB
    with PeakRss(server) as rss:
        upload = stream_chunked(server.url, "/api/v1/submissions", headers, total)
    assert rss.growth < MAX_GROWTH, f"server RSS grew by {rss.growth / MiB:.1f} MiB"
    assert upload.status == 401, upload
    assert b"www-authenticate: bearer" in upload.answer.lower()
    assert upload.sent < total // 2, upload.sent


def test_a_content_length_over_the_limit_is_refused_before_the_body(server):
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(
            b"POST /api/v1/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: " + AUTH["Authorization"].encode() + b"\r\n"
            b"Content-Length: 5000000000\r\n\r\n"
        )
        started = time.monotonic()
        answer = conn.recv(65536)  # no body byte sent: the answer comes from the headers
    assert answer.startswith(b"HTTP/1.1 413 "), answer
    assert time.monotonic() - started < 5


def test_requests_streaming_a_generator_sees_413_or_a_closed_connection(server):
    # What a client library sees: urllib3 sends the whole body before reading, so it may
    # meet the closed connection first.
    sent = 0

    def body():
        nonlocal sent
        while sent < 256 * MiB:
            sent += CHUNK
            yield b" " * CHUNK

    try:
        response = requests.post(
            server.url + "/api/v1/submissions/batch", data=body(), headers=AUTH, timeout=30
        )
    except requests.ConnectionError:
        pass
    else:
        assert response.status_code == 413
    assert sent < 64 * MiB, sent  # stopped early, not after the whole body
