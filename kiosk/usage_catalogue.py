"""The usage event catalogue: every event the kiosk may record, declared once.

Each event has a stable number (never reused), a name, typed fields, a description and
the version that introduced it (VxSuite's event catalogue). docs/usage-events.md is
generated from it (kiosk/usage_docs.py); the recorder (kiosk/usage.py) refuses an event
or a field not declared here, and every value must fit its field's type.

De-identified by construction: a field is an enum, a bounded number, a flag, a catalog id
or a tap target. There is no free text: a value that could carry a name, an ID number, a
phone number, an address, a card or tracking number has no field to go in. Numbers are
bounded well below 11 digits; catalog ids must be ids of the active catalog; tap targets
are cut at their first digit (a keypad key never says which digit).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from drivers.errors import CardError
from drivers.identity import CARD_KINDS
from kiosk.rating import COMPLAINTS, PRAISE
from kiosk.step_kinds import VALIDATION_CODES

CATALOGUE_VERSION = "0.1.0"  # the kiosk version this catalogue describes
MAX_DURATION_MS = 86_400_000  # a day: no session lasts longer (the idle guard ends it)

# Columns every row has, whatever its event (a field may not take one of these names).
BASE_COLUMNS = (
    ("kiosk_id", "string", "The kiosk, as enrolled (`kiosk_id`)."),
    ("session_id", "string", "Random per session (22 letters); never linked to a card."),
    ("seq", "int", "The event's number within its session, from 0."),
    ("event", "string", "The event's name (below)."),
    (
        "started_local",
        "timestamp",
        "Wall-clock time the session started, kiosk local time: the only wall time.",
    ),
    ("utc_offset_min", "int", "The kiosk's offset from UTC when the session started."),
    (
        "offset_ms",
        "int",
        "Monotonic milliseconds from the session start: durations survive a wrong clock.",
    ),
)
TARGET_PATTERN = re.compile(r"[a-z][a-zA-Z_]{0,63}")
ID_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True)
class Field:
    """One field. kind: enum | int | bool | catalog_id | target | enum_list."""

    name: str
    kind: str
    description: str
    choices: tuple[str, ...] = ()
    maximum: int = 0
    optional: bool = False

    @property
    def column_type(self) -> str:
        return {
            "int": "int",
            "bool": "bool",
            "enum_list": "list<string>",
        }.get(self.kind, "string")

    def allowed(self) -> str:
        if self.kind in ("enum", "enum_list"):
            shown = ", ".join(f"`{c}`" for c in self.choices)
            return ("list of " if self.kind == "enum_list" else "") + shown
        return {
            "int": f"0 to {self.maximum:,}",
            "bool": "`true` / `false`",
            "catalog_id": "an id of the active catalog (service or step) or a screen name",
            "target": "a widget's objectName, cut at its first digit",
        }[self.kind]


@dataclass(frozen=True)
class Event:
    number: int
    name: str
    description: str
    fields: tuple[Field, ...] = ()
    since: str = "0.1.0"

    @property
    def id(self) -> str:
        return f"U{self.number:03d}"

    @functools.cached_property
    def field_names(self) -> frozenset[str]:
        """Asked on every event recorded (a tap among them): worked out once."""
        return frozenset(field.name for field in self.fields)


def _enum(name: str, choices: tuple[str, ...], description: str, **kw) -> Field:
    return Field(name, "enum", description, choices=tuple(choices), **kw)


def _int(name: str, maximum: int, description: str, **kw) -> Field:
    return Field(name, "int", description, maximum=maximum, **kw)


def _card_error_kinds() -> tuple[str, ...]:
    kinds: list[str] = []
    pending: list[type] = [CardError]
    while pending:
        cls = pending.pop()
        if cls.kind not in kinds:
            kinds.append(cls.kind)
        pending += cls.__subclasses__()
    return tuple(sorted(kinds))


SERVICE = Field("service", "catalog_id", "The catalog service.", optional=True)
STEP = Field("step", "catalog_id", "The step id, or the screen's name outside a service.")
CONTEXT = (SERVICE, Field("step", "catalog_id", "Where the villager was.", optional=True))
MODES = ("service", "verifier")
LANGUAGES = ("zh", "yue", "en")
TEXT_SIZES = ("standard", "large", "extra_large")
AGE_BANDS = ("under_60", "60-69", "70-79", "80-89", "90+")
SESSION_END_REASONS = ("card_left", "finished", "declined", "home", "refused", "idle", "shutdown")
CARD_RESULTS = ("ok", *_card_error_kinds())
READERS = ("social_security", "id_card")
CHOICE_RESULTS = ("started", "not_eligible")
ACTIONS = ("submit", "status_lookup", "eligibility_check")
RATING_REASONS = tuple(key for key, _ in (*PRAISE, *COMPLAINTS))
VERIFIER_RESULTS = ("pass", "manual", "deny", "unknown")
VERIFIER_SOURCES = ("online", "offline", "card", "none")
COUNT = 1_000_000

EVENTS: tuple[Event, ...] = (
    Event(
        1,
        "session_started",
        "A card was read and a villager's session began. Carries the session's wall time "
        "(`started_local`); age band and sex only where staff switched them on "
        "(`usage_demographics`).",
        (
            _enum("mode", MODES, "The terminal mode."),
            _enum("language", LANGUAGES, "Spoken language at the start."),
            _enum("text_size", TEXT_SIZES, "Text size in use."),
            Field("high_contrast", "bool", "High-contrast colours in use."),
            _enum("card_kind", CARD_KINDS, "Which card the villager came with."),
            _enum("age_band", AGE_BANDS, "Age band; only when switched on.", optional=True),
            _enum("sex", ("male", "female"), "Sex; only when switched on.", optional=True),
        ),
    ),
    Event(
        2,
        "session_ended",
        "The session ended.",
        (
            _enum("reason", SESSION_END_REASONS, "Why it ended."),
            _int("duration_ms", MAX_DURATION_MS, "From the session start (monotonic)."),
        ),
    ),
    Event(
        3,
        "card_read",
        "A card read finished, well or not. A failed read outside a session is recorded "
        "in a session of its own (no `session_started`).",
        (
            _enum("result", CARD_RESULTS, "`ok` or the fault's kind (drivers/errors.py)."),
            _int("latency_ms", 600_000, "Card detected to identity read.", optional=True),
            _enum("card_kind", CARD_KINDS, "The card, when read.", optional=True),
        ),
    ),
    Event(
        4,
        "screen_shown",
        "A screen was on show from `offset_ms` (entered) to `left_ms` (left), both from the "
        "session start: an interval, recorded when it ends.",
        (
            SERVICE,
            STEP,
            _int("position", 99, "The step's place in the service (1 = first).", optional=True),
            _int("left_ms", MAX_DURATION_MS, "When the screen was left."),
        ),
    ),
    Event(
        5,
        "tap",
        "A press anywhere on the kiosk's window.",
        (Field("target", "target", "The pressed widget's name (a keypad: `key`)."),),
    ),
    Event(
        6,
        "validation_error",
        "An answer was refused; the villager stays on the step.",
        (*CONTEXT, _enum("code", VALIDATION_CODES, "Why (kiosk/step_kinds.py).")),
    ),
    Event(7, "help_requested", "The villager pressed 呼叫工作人员.", CONTEXT),
    Event(8, "voice_repeat", "The villager pressed 再听一遍.", CONTEXT),
    Event(9, "voice_volume", "Volume changed.", (*CONTEXT, _int("level", 10, "New level."))),
    Event(10, "voice_speed", "Speech rate changed.", (*CONTEXT, _int("level", 10, "New level."))),
    Event(11, "idle_warning", "No tap for the idle time: the countdown began.", CONTEXT),
    Event(12, "idle_timeout", "The countdown ran out: the session is wiped.", CONTEXT),
    Event(
        13,
        "service_chosen",
        "A service was chosen on the home screen.",
        (SERVICE, _enum("result", CHOICE_RESULTS, "Started, or refused by its rules.")),
    ),
    Event(
        14,
        "service_completed",
        "The service's last step was confirmed (submitted, looked up or checked).",
        (SERVICE, _enum("action", ACTIONS, "What the service does.")),
    ),
    Event(15, "submission_queued", "A submission is durable in the outbox.", (SERVICE,)),
    Event(
        16,
        "rating",
        "好差评 given after a service.",
        (
            SERVICE,
            _int("level", 5, "1 (very dissatisfied) to 5 (very satisfied)."),
            Field("reasons", "enum_list", "Reason chips tapped.", choices=RATING_REASONS),
        ),
    ),
    Event(
        17,
        "verifier_check",
        "验码: one card checked in verifier mode.",
        (
            _enum("result", VERIFIER_RESULTS, "What was shown."),
            _enum("source", VERIFIER_SOURCES, "Where the answer came from."),
        ),
    ),
    Event(
        18,
        "sync_round",
        "A sync round that moved something.",
        (
            _int("sent", COUNT, "Rows acknowledged."),
            _int("failed", COUNT, "Rows to retry."),
            _int("quarantined", COUNT, "Rows refused for good."),
            _int("unsent", COUNT, "Rows still waiting."),
        ),
    ),
    Event(
        19,
        "language_chosen",
        "A language button was pressed (start screen).",
        (_enum("language", LANGUAGES, "The language chosen."),),
    ),
)

BY_NAME: dict[str, Event] = {event.name: event for event in EVENTS}


def field_columns() -> dict[str, Field]:
    """Every field name across the catalogue with its declaration (one type per name)."""
    columns: dict[str, Field] = {}
    for event in EVENTS:
        for field in event.fields:
            known = columns.setdefault(field.name, field)
            if known.column_type != field.column_type:
                raise TypeError(f"field {field.name} has two types in the catalogue")
    return columns


def _check_catalogue() -> None:
    numbers = [e.number for e in EVENTS]
    if len(set(numbers)) != len(numbers) or len(BY_NAME) != len(EVENTS):
        raise ValueError("usage event numbers and names must be unique")
    base = {name for name, _, _ in BASE_COLUMNS}
    clash = base & set(field_columns())
    if clash:
        raise ValueError(f"fields may not take a base column's name: {sorted(clash)}")


_check_catalogue()
