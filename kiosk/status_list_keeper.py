"""The last good status list, on disk and in memory, and the `status-list` thread that
refreshes it.

Every `status_list_refresh_s` (sooner after a failed fetch) the thread asks the backend
for the list with If-None-Match. A new list replaces the held one only when it is signed
by `verifier_public_key`, well formed, made under this kiosk's look-up key, and newer (a
higher sequence: an older one is a rollback). Anything else is refused, staff are told
once, and the last good list stays. Installed lists are written atomically (temporary
file, fsync, rename) as the exact bytes served, and checked again when read back at start.

Every answer's `Date` goes to the clock guard (kiosk/clock_guard.py). The loop is a
`SyncLoop` (kiosk/sync_loop.py): its own thread and watchdog, a round that raises is
logged and reported, never the end of refreshing.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.backend_client import BackendClient
from kiosk.clock_guard import ClockGuard
from kiosk.status_list import StatusList, StatusListError, parse_status_list
from kiosk.sync_loop import SyncLoop

log = logging.getLogger(__name__)

LIST_FILE = "status-list.bin"
STATE_FILE = "status-list.json"
LIST_PATH = "/api/v1/status-list"
MAX_LIST_BYTES = 64 * 2**20  # 3.7 million entries; anything larger is not ours
RETRY_AFTER_FAILURE_S = 30.0


@dataclass(frozen=True)
class Refresh:
    outcome: str  # installed | unchanged | refused | unreachable
    detail: str = ""


class StatusListKeeper(SyncLoop):
    thread_name = "status-list"

    def __init__(
        self,
        data_dir: Path,
        backend: BackendClient,
        public_key: Ed25519PublicKey,
        key_id: str,
        clock: ClockGuard,
        *,
        refresh_s: float,
        on_problem: Callable[[str], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(on_problem=on_problem, heartbeat_path=None, monotonic=monotonic)
        self._path = Path(data_dir) / LIST_FILE
        self._state_path = Path(data_dir) / STATE_FILE
        self._backend = backend
        self._public_key = public_key
        self._key_id = key_id
        self._clock = clock
        self._refresh_s = refresh_s
        self._fetching = threading.Lock()
        self._loading = threading.Lock()
        self._loaded = False
        self._etag: str | None = None
        self.current: StatusList | None = None
        self.last_refresh: Refresh | None = None
        self.last_refresh_at: float | None = None  # wall clock
        self.next_refresh_at: float | None = None  # wall clock
        self.load_problem = ""
        self._first_round = True

    # -- disk -----------------------------------------------------------------------------

    def held(self) -> StatusList | None:
        """The last good list, read from disk on first use (a district's list takes a few
        hundred milliseconds to check: not at every start of a service kiosk)."""
        if not self._loaded:
            with self._loading:
                if not self._loaded:
                    self._load()
                    self._loaded = True
        return self.current

    def _load(self) -> None:
        state = self._read_state()
        self._clock.latest_seen = max(self._clock.latest_seen, float(state.get("latest_seen", 0)))
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as error:
            self.load_problem = f"stored status list unreadable: {error}"
            return
        try:
            self.current = parse_status_list(raw, self._public_key, self._key_id)
        except StatusListError as error:
            # Written only after it verified: damage, or a key changed since. Fetch anew.
            self.load_problem = f"stored status list refused: {error}"
            log.error("%s", self.load_problem)
            return
        self._etag = state.get("etag") if isinstance(state.get("etag"), str) else None
        refreshed_at = state.get("refreshed_at")
        if isinstance(refreshed_at, int | float) and self.current is not None:
            self.last_refresh_at = float(refreshed_at)

    def _read_state(self) -> dict:
        try:
            state = json.loads(self._state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}

    def _write_atomically(self, path: Path, content: bytes) -> None:
        temporary = path.with_name(path.name + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)

    def save_state(self) -> None:
        """The ETag and the latest time the clock guard has seen (it outlives a reboot)."""
        state = {
            "etag": self._etag,
            "latest_seen": self._clock.latest_seen,
            "refreshed_at": self.last_refresh_at,
        }
        try:
            self._write_atomically(self._state_path, json.dumps(state).encode("utf-8"))
        except OSError as error:
            log.warning("status list state not written: %s", error)

    # -- fetching -------------------------------------------------------------------------

    def refresh(self) -> Refresh:
        """Fetch, check and install a newer list if there is one. Never raises for what the
        network or the backend does; the outcome says what happened."""
        self.held()
        with self._fetching:
            refresh = self._fetch()
            self.last_refresh, self.last_refresh_at = refresh, self._clock.now()
            self.save_state()
        if refresh.outcome in ("installed", "unchanged"):
            self._clear_problem()
        elif refresh.outcome == "refused":
            self._report_problem(f"status list refused, the last good one kept: {refresh.detail}")
        log.info("status list refresh: %s %s", refresh.outcome, refresh.detail)
        return refresh

    def _fetch(self) -> Refresh:
        headers = {"If-None-Match": self._etag} if self._etag and self.current else {}
        try:
            with self._backend.get(LIST_PATH, headers, stream=True) as response:
                self._clock.observe_date(response.headers.get("Date"))
                if response.status_code == 304:
                    return Refresh("unchanged")
                if response.status_code != 200:
                    return Refresh("unreachable", f"HTTP {response.status_code}")
                raw = self._read_capped(response)
        except requests.RequestException as error:
            return Refresh("unreachable", type(error).__name__)
        except StatusListError as error:
            return Refresh("refused", str(error))
        return self._install(raw, response.headers.get("ETag"))

    @staticmethod
    def _read_capped(response: requests.Response) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_content(1 << 20):
            size += len(chunk)
            if size > MAX_LIST_BYTES:
                raise StatusListError(f"larger than {MAX_LIST_BYTES} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _install(self, raw: bytes, etag: str | None) -> Refresh:
        try:
            fresh = parse_status_list(raw, self._public_key, self._key_id)
        except StatusListError as error:
            return Refresh("refused", str(error))
        held = self.current
        if held is not None:
            if fresh.sequence == held.sequence and fresh.raw == held.raw:
                self._etag = etag
                return Refresh("unchanged")
            if fresh.sequence <= held.sequence:
                return Refresh(
                    "refused",
                    f"sequence {fresh.sequence} is not newer than the held {held.sequence}",
                )
        try:
            self._write_atomically(self._path, raw)
        except OSError as error:  # kept in memory all the same; staff are told
            self._report_problem(f"status list not saved to disk: {error}")
        self.current, self._etag, self.load_problem = fresh, etag, ""
        return Refresh("installed", f"sequence {fresh.sequence}, {fresh.count} entries")

    # -- the loop's round -------------------------------------------------------------------

    def _round(self) -> float:
        self.held()
        first, self._first_round = self._first_round, False
        if first and self.last_refresh_at is not None:
            # Refreshed by an earlier run (or `kiosk verify`): wait until it is due.
            since = self._clock.now() - self.last_refresh_at
            if 0 <= since < self._refresh_s:
                self.next_refresh_at = self.last_refresh_at + self._refresh_s
                return self._refresh_s - since
        refresh = self.refresh()
        wait = self._refresh_s
        if refresh.outcome == "unreachable":
            wait = min(wait, RETRY_AFTER_FAILURE_S)
        self.next_refresh_at = self._clock.now() + wait
        return wait

    def _after_failed_round(self, failures: int) -> float:
        return min(self._refresh_s, RETRY_AFTER_FAILURE_S * failures)

    def _stall_after_s(self) -> float:
        # A fetch of a district's list (17 MB) plus its checks, on a slow line.
        return 3 * self._backend.timeout_s + 120.0

    def close(self) -> None:
        self.stop()
        self._backend.close()
