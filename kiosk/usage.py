"""Recording usage events: what the window and the core call (`core.usage`).

`record(name, **fields)` checks the event against the catalogue (kiosk/usage_catalogue.py)
and puts one tuple on the writer's queue (kiosk/usage_store.py): that is all it costs
the calling thread. Only the session start reads the wall clock; every event carries
monotonic milliseconds from it (ODK's audit log), so durations hold when the clock is
wrong. Session ids are random letters, new for each session and tied to nothing.

Events outside a villager's session (a card that could not be read, a tap on the start
screen, a sync round, a verifier check) go to a session of their own that has no
`session_started`, renewed every hour.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kiosk.flow import FlowDeclined
from kiosk.usage_catalogue import (
    AGE_BANDS,
    BY_NAME,
    CARD_RESULTS,
    SESSION_END_REASONS,
    TARGET_PATTERN,
    Event,
)
from kiosk.usage_store import UsageStore

LONE_SESSION_S = 3600.0
SCREENS = ("attract", "home", "step", "receipt", "result", "rating", "message", "idle")
SCREENS += ("verifier", "staff", "staff_pin", "other")


class UsageRefused(ValueError):
    """An event or a value the catalogue does not allow (a bug in the caller)."""


@dataclass
class _Session:
    id: str
    t0: float  # monotonic
    started_local: str
    utc_offset_min: int
    t0_wall: float  # epoch seconds, for the retention only
    lone: bool
    seq: int = 0

    def row(self, name: str, offset_ms: int, fields: dict) -> tuple:
        """The next row of this session (kiosk/usage_store.Row)."""
        self.seq += 1
        return (
            self.id,
            self.seq - 1,
            name,
            self.started_local,
            self.utc_offset_min,
            self.t0_wall,
            offset_ms,
            fields,
        )


@dataclass
class _Screen:
    session: _Session
    entered_ms: int
    service: str | None
    step: str
    position: int | None


def new_session_id() -> str:
    """22 random lowercase letters (~103 bits): no digits, so no run of one can ever look
    like an ID or phone number."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(22))


@functools.lru_cache(maxsize=512)  # a kiosk has a few hundred objectNames; a tap asks one
def target_id(object_name: str) -> str:
    """A tap target from a widget's objectName: cut at its first digit, so `key_7`,
    `date_2026-11-21` or `rating_5` never say which digit, day or level was pressed."""
    for position, char in enumerate(object_name):
        if char.isdigit():
            object_name = object_name[:position]
            break
    name = object_name.rstrip("_-")
    return name if TARGET_PATTERN.fullmatch(name) else "other"


def age_band(birth_date: dt.date, today: dt.date) -> str:
    age = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    return AGE_BANDS[0] if age < 60 else AGE_BANDS[min(4, (age - 50) // 10)]


class UsageLog:
    """`vocabulary()`: the catalog ids an id field may hold (service and step ids plus
    SCREENS); `context()`: (service, step, position) of the step showing, or None;
    `demographics()`: whether staff switched age band and sex on."""

    def __init__(
        self,
        store: UsageStore | None,
        *,
        vocabulary: Callable[[], frozenset[str]] = lambda: frozenset(SCREENS),
        context: Callable[[], tuple[str, str, int] | None] = lambda: None,
        demographics: Callable[[], bool] = lambda: False,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], dt.datetime] = lambda: dt.datetime.now().astimezone(),
    ) -> None:
        self.store = store
        self._vocabulary = vocabulary
        self._context = context
        self._demographics = demographics
        self._lock = threading.Lock()
        self._session: _Session | None = None
        self._screen: _Screen | None = None
        self._place: tuple[str | None, str | None] = (None, None)  # last non-idle screen
        self.use_clocks(monotonic, wall)

    def use_clocks(self, monotonic: Callable[[], float], wall: Callable[[], dt.datetime]) -> None:
        """Other clocks (kiosk simulate runs villagers on simulated time)."""
        self._monotonic, self._wall = monotonic, wall

    # -- recording ------------------------------------------------------------------------

    def record(self, name: str, **fields: object) -> None:
        """Check and queue one event. Raises UsageRefused for anything not declared."""
        event = BY_NAME.get(name)
        if event is None:
            raise UsageRefused(f"unknown usage event {name!r}")
        self._check(event, fields)
        with self._lock:
            self._put(event.name, fields)

    def _put(self, name: str, fields: dict) -> None:
        session = self._session
        now = self._monotonic()
        if session is None or (session.lone and now - session.t0 > LONE_SESSION_S):
            session = self._session = self._open(lone=True)
        if self.store is not None:
            self.store.put(session.row(name, int((now - session.t0) * 1000), fields))

    def _open(self, lone: bool) -> _Session:
        wall = self._wall()
        offset = wall.utcoffset() or dt.timedelta(0)
        return _Session(
            new_session_id(),
            self._monotonic(),
            wall.replace(tzinfo=None).isoformat(timespec="milliseconds"),
            int(offset.total_seconds() // 60),
            wall.timestamp(),
            lone,
        )

    def _check(self, event: Event, fields: dict) -> None:
        unknown = fields.keys() - event.field_names
        if unknown:
            raise UsageRefused(f"{event.name}: no field {sorted(unknown)} in the catalogue")
        for spec in event.fields:
            name = spec.name
            value = fields.get(name)
            if value is None:
                if name in fields:
                    del fields[name]
                if not spec.optional:
                    raise UsageRefused(f"{event.name}: {name} is required")
                continue
            kind = spec.kind
            if kind == "enum":
                ok = isinstance(value, str) and value in spec.choices
            elif kind == "int":
                ok = type(value) is int and 0 <= value <= spec.maximum
            elif kind == "bool":
                ok = type(value) is bool
            elif kind == "catalog_id":
                ok = isinstance(value, str) and value in self._vocabulary()
            elif kind == "target":
                ok = isinstance(value, str) and TARGET_PATTERN.fullmatch(value) is not None
            else:  # enum_list
                ok = isinstance(value, list) and len(value) <= len(spec.choices)
                ok = ok and all(isinstance(v, str) and v in spec.choices for v in value)
            if not ok:
                raise UsageRefused(f"{event.name}: {name} may not be {type(value).__name__}")
        if name_is_demographic(fields) and not self._demographics():
            raise UsageRefused(f"{event.name}: age band and sex are off (usage_demographics)")

    # -- sessions -------------------------------------------------------------------------

    def session_started(self, **fields: object) -> None:
        """A villager's session began (any lone session before it ends silently)."""
        self._check(BY_NAME["session_started"], fields)
        with self._lock:
            self._session = self._open(lone=False)
            self._screen, self._place = None, (None, None)
            self._put("session_started", fields)

    def session_ended(self, reason: str) -> None:
        if reason not in SESSION_END_REASONS:
            reason = "shutdown"
        with self._lock:
            session = self._session
            if session is None or session.lone:
                return
            self._close_screen()
            duration = int((self._monotonic() - session.t0) * 1000)
            self._put("session_ended", {"reason": reason, "duration_ms": duration})
            self._session = None

    def demographics(self, birth_date: dt.date, sex: str) -> dict[str, str]:
        """Age band and sex for session_started, or nothing when staff have not switched
        them on."""
        if not self._demographics():
            return {}
        today = self._wall().date()
        return {"age_band": age_band(birth_date, today), "sex": "male" if sex == "1" else "female"}

    # -- screens and context --------------------------------------------------------------

    def screen(self, object_name: str) -> None:
        """The window now shows this screen: the last one's interval is recorded. Only
        inside a villager's session."""
        name = object_name.removesuffix("Screen").removesuffix("Page")
        name = "staff_pin" if name == "staffPin" else name
        context = self._context()
        service, step, position = context if context else (None, None, None)
        if name != "step" or context is None:
            step, position = (name if name in SCREENS else "other"), None
        with self._lock:
            self._close_screen()
            session = self._session
            if session is None or session.lone:
                return
            entered = int((self._monotonic() - session.t0) * 1000)
            self._screen = _Screen(session, entered, service, step, position)
            if name != "idle":
                self._place = (service, step)

    def _close_screen(self) -> None:
        screen, self._screen = self._screen, None
        if screen is None or screen.session is not self._session:
            return
        fields = {
            "step": screen.step,
            "left_ms": int((self._monotonic() - screen.session.t0) * 1000),
        }
        if screen.service is not None:
            fields["service"] = screen.service
        if screen.position is not None:
            fields["position"] = screen.position
        if self.store is not None:  # the interval's own offset is when it was entered
            self.store.put(screen.session.row("screen_shown", screen.entered_ms, fields))

    def here(self, name: str, **fields: object) -> None:
        """Record an event with the villager's place (service, step) filled in."""
        service, step = self._place
        if step is not None:
            fields.setdefault("step", step)
        if service is not None:
            fields.setdefault("service", service)
        self.record(name, **fields)

    def tap(self, object_name: str) -> None:
        self.record("tap", target=target_id(object_name))

    def help_requested(self) -> None:
        self.here("help_requested")

    def validation_error(self, code: str) -> None:
        self.here("validation_error", code=code)

    def card_problem(self, kind: str) -> None:
        self.record("card_read", result=kind if kind in CARD_RESULTS else "card_error")

    def verifier_check(self, result: str, source: str) -> None:
        """One 验码 check: result pass|manual|deny|unknown, source online|offline|card|none.
        What the verifier calls (issue 14)."""
        self.record("verifier_check", result=result, source=source)

    @contextlib.contextmanager
    def choosing(self, service_id: str) -> Iterator[None]:
        """Around choosing a service: records whether it started or its rules refused."""
        try:
            yield
        except FlowDeclined:
            self.record("service_chosen", service=service_id, result="not_eligible")
            raise
        self.record("service_chosen", service=service_id, result="started")

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Wait until everything recorded so far is on disk and offered to the outbox."""
        return self.store.flush(timeout_s) if self.store is not None else True

    def close(self) -> None:
        self.session_ended("shutdown")
        if self.store is not None:
            self.store.close()


def name_is_demographic(fields: dict) -> bool:
    return "age_band" in fields or "sex" in fields
