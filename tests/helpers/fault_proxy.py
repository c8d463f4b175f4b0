"""An HTTP proxy in front of the real backend that misbehaves on command: what a village
network and an overloaded platform do to a kiosk. Loopback only.

Modes: pass (forward), 503 and 429 (with Retry-After), hold (forward, then keep the answer
past the kiosk's timeout: stored, but the kiosk never hears it), down (reset the
connection), html (a captive portal's 200 page), 500.

`rewrite(path, body)` may change what the backend answered before the kiosk gets it (a
tampered or replayed status list); `traffic` holds every byte of every request and answer
that passed, for checks of what a kiosk sends.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Callable

import requests

MODES = ("pass", "503", "429", "hold", "down", "html", "500")


class FaultProxy:
    def __init__(self, target_url: str, *, retry_after_s: int = 2, hold_s: float = 3.0) -> None:
        self.target = target_url.rstrip("/")
        self.mode = "pass"
        self.retry_after_s = retry_after_s
        self.hold_s = hold_s
        self.counts: dict[str, int] = dict.fromkeys(MODES, 0)
        self.rewrite: Callable[[str, bytes], bytes] | None = None
        self.traffic = bytearray()
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                proxy._handle(self, "GET")

            def do_POST(self):  # noqa: N802
                proxy._handle(self, "POST")

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a kiosk that hung up mid-answer is part of the drill, not news

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._http = threading.local()
        self._released = threading.Event()

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode

    def _session(self) -> requests.Session:
        session = getattr(self._http, "session", None)
        if session is None:
            session = self._http.session = requests.Session()
        return session

    def _handle(self, handler: http.server.BaseHTTPRequestHandler, method: str) -> None:
        mode = self.mode
        with self._lock:
            self.counts[mode] += 1
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        with self._lock:
            self.traffic += f"{method} {handler.path}\n{handler.headers}".encode() + body
        if mode == "down":
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0"
            )
            handler.connection.close()
            handler.close_connection = True
            return
        if mode in ("503", "429"):
            self._answer(
                handler,
                int(mode),
                b'{"detail": "busy"}',
                "application/json",
                {"Retry-After": str(self.retry_after_s)},
            )
            return
        if mode == "html":
            self._answer(handler, 200, b"<html>Village Wi-Fi: log in</html>", "text/html")
            return
        if mode == "500":
            self._answer(handler, 500, b"Internal Server Error", "text/plain")
            return
        headers = {
            name: value
            for name, value in handler.headers.items()
            if name.lower() in ("authorization", "content-type", "if-none-match")
        }
        try:
            response = self._session().request(
                method, self.target + handler.path, data=body, headers=headers, timeout=30
            )
        except requests.RequestException:
            self._answer(handler, 502, b"bad gateway", "text/plain")
            return
        if mode == "hold":
            # Stored at the backend; the kiosk gives up first. stop() lets held answers go.
            self._released.wait(self.hold_s)
        content = response.content
        if self.rewrite is not None:
            content = self.rewrite(handler.path, content)
        passed_on = {
            name: response.headers[name] for name in ("ETag", "Date") if name in response.headers
        }
        with self._lock:
            self.traffic += f"{response.status_code}\n{response.headers}".encode() + content
        self._answer(
            handler,
            response.status_code,
            content,
            response.headers.get("content-type", "application/json"),
            passed_on,
        )

    @staticmethod
    def _answer(handler, status: int, payload: bytes, content_type: str, extra=None) -> None:
        extra = dict(extra or {})
        try:
            handler.send_response_only(status)
            handler.send_header("Date", extra.pop("Date", None) or handler.date_time_string())
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(payload)))
            for name, value in (extra or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            pass  # the kiosk hung up (its timeout): as on a real network
