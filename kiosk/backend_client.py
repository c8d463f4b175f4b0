"""The one HTTP client for the backend: base URL, this kiosk's token, the configured timeout.

Every caller (the sync engine, status look-ups, the catalog pull, doctor) goes through it,
so the token and the timeouts are set in one place. One instance per thread that uses it
(requests.Session is not meant to be shared across threads).
"""

from __future__ import annotations

from typing import Any

import requests

from kiosk.config import KioskConfig


class BackendClient:
    def __init__(self, base_url: str, token: str = "", timeout_s: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def from_config(cls, config: KioskConfig) -> BackendClient:
        return cls(config.backend_url, config.backend_token, config.sync_timeout_s)

    def get(self, path: str, headers: dict[str, str] | None = None, **options: Any):
        options.setdefault("timeout", self.timeout_s)
        return self.session.get(self.base_url + path, headers=headers, **options)

    def post(self, path: str, body: Any, **options: Any) -> requests.Response:
        options.setdefault("timeout", self.timeout_s)
        return self.session.post(self.base_url + path, json=body, **options)

    def close(self) -> None:
        """Close pooled connections (the client stays usable: a later call reconnects)."""
        self.session.close()

    def __enter__(self) -> BackendClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def reachable(self, timeout_s: float = 2.0) -> bool:
        """The health probe: the backend answers at all (not that it takes our rows)."""
        try:
            response = self.get("/healthz", timeout=timeout_s)
        except requests.RequestException:
            return False
        return response.ok and response.headers.get("content-type", "").startswith(
            "application/json"
        )
