"""Simulated villagers as the usage log sees them (`kiosk simulate --abandon-rate R`).

They take their time on each screen (on a simulated clock, so a run of hundreds of
sessions takes seconds yet the report shows minutes), ask for help, ask for a prompt
again, mistype, and some give up at a random step: they take the card out, or walk away
and let the idle timer run out. Every screen is recorded through `core.usage` exactly as
the window records it. The ground truth (kept here from what the villagers did, never
read back from the log) is what the report's funnel must equal.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from kiosk.catalog import KeypadStep
from kiosk.flow import FlowRun, InvalidAnswer
from kiosk.step_kinds import keypad_length

CHINA = dt.timezone(dt.timedelta(hours=8))
OPENS, CLOSES = 8, 18  # the service centre's hours
IDLE_COUNTDOWN_S = 30  # ui/idle_guard.py's countdown
MISTYPED = ("mobile", "tracking_number")  # a digit short is always refused for these


class SimulatedClock:
    """Monotonic and wall time that move only when a villager spends time."""

    def __init__(self, rng: random.Random, first_day: dt.date) -> None:
        self._rng = rng
        self._seconds = 0.0
        self._start = dt.datetime.combine(first_day, dt.time(OPENS), CHINA)

    def monotonic(self) -> float:
        return self._seconds

    def wall(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=self._seconds)

    def spend(self, seconds: float) -> None:
        self._seconds += seconds

    def next_villager(self) -> None:
        """The next villager comes a few minutes later, within opening hours."""
        self.spend(self._rng.expovariate(1 / 600))
        now = self.wall()
        if now.hour >= CLOSES:
            opening = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(OPENS), CHINA)
            self.spend((opening - now).total_seconds() + self._rng.uniform(0, 3600))


@dataclass
class StepTruth:
    reached: int = 0
    gave_up: int = 0
    help: int = 0
    idle_timeouts: int = 0
    voice_repeats: int = 0


@dataclass
class ServiceTruth:
    started: int = 0
    not_eligible: int = 0
    completed: int = 0
    steps: dict[str, StepTruth] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "started": self.started,
            "not_eligible": self.not_eligible,
            "completed": self.completed,
            "steps": {step: vars(truth) for step, truth in self.steps.items()},
        }


class UsageVillagers:
    """The usage side of each simulated session (kiosk/simulate.py drives the flow)."""

    def __init__(self, core, rng: random.Random, abandon_rate: float) -> None:
        if not 0.0 <= abandon_rate <= 1.0:
            raise ValueError("--abandon-rate must be between 0 and 1")
        self.core = core
        self.usage = core.usage
        self.rng = rng
        self.abandon_rate = abandon_rate
        self.clock = SimulatedClock(rng, dt.date.today() - dt.timedelta(days=6))
        self.usage.use_clocks(self.clock.monotonic, self.clock.wall)
        self.truth: dict[str, ServiceTruth] = {}
        self._run: FlowRun | None = None
        self._last_step: str | None = None
        self._give_up_at: int | None = None

    def as_json(self) -> dict:
        return {service: truth.as_json() for service, truth in sorted(self.truth.items())}

    def _think(self, low: float, high: float) -> None:
        self.clock.spend(self.rng.uniform(low, high))

    # -- the session ----------------------------------------------------------------------

    def arriving(self) -> None:
        """Before the card goes in: the next villager comes some minutes later."""
        self.clock.next_villager()

    def arrived(self) -> None:
        """The card was read: the home screen."""
        self._run, self._last_step = None, None
        self.usage.screen("homeScreen")
        self._think(3, 20)

    def turned_away(self, service_id: str) -> None:
        self.truth.setdefault(service_id, ServiceTruth()).not_eligible += 1
        self.usage.screen("messageScreen")
        self._think(3, 10)

    def started(self, run: FlowRun) -> None:
        self.truth.setdefault(run.service.id, ServiceTruth()).started += 1
        self._run = run
        abandons = self.rng.random() < self.abandon_rate
        self._give_up_at = self.rng.randrange(run.step_count) if abandons else None

    def on_step(self, run: FlowRun) -> str | None:
        """The villager sees the current step. Returns how they give up here ("card_out"
        or "idle"), or None when they go on and answer."""
        self.usage.screen("stepScreen")
        step = self._step_truth(run)
        step.reached += 1
        self._last_step = run.current.id
        self._think(4, 40 if isinstance(run.current, KeypadStep) else 15)
        if self.rng.random() < 0.12:
            self.usage.here("voice_repeat")
            step.voice_repeats += 1
            self._think(5, 12)
        if self.rng.random() < 0.06:
            self.core.call_staff()
            step.help += 1
            self._think(20, 90)
        if self._give_up_at == run.step_number - 1:
            return self.rng.choice(("card_out", "idle"))
        current = run.current
        if (
            isinstance(current, KeypadStep)
            and current.format in MISTYPED
            and self.rng.random() < 0.2
        ):
            self._mistype(run)
        return None

    def _step_truth(self, run: FlowRun) -> StepTruth:
        steps = self.truth[run.service.id].steps
        return steps.setdefault(run.current.id, StepTruth())

    def _mistype(self, run: FlowRun) -> None:
        wrong = "1" * (keypad_length(run.current) - 1)  # one digit short
        try:
            run.answer(wrong)
        except InvalidAnswer as problem:
            self.usage.validation_error(problem.code)
            self._think(3, 15)

    def give_up(self, run: FlowRun, way: str) -> None:
        """They leave: the card comes out at once (the caller), or the idle timer runs."""
        if way == "idle":
            self.clock.spend(self.core.idle_timeout_s())
            self.usage.here("idle_warning")
            self.usage.screen("idleScreen")
            self.clock.spend(IDLE_COUNTDOWN_S)
            self.usage.here("idle_timeout")
            self._step_truth(run).idle_timeouts += 1
            self.core.end_session("idle")

    def completed(self, service_id: str, screen: str) -> None:
        self.truth[service_id].completed += 1
        self._run = None
        self.usage.screen(screen)
        self._think(5, 30)

    def rated(self) -> None:
        self.usage.screen("ratingScreen")
        self._think(3, 15)

    def left(self) -> None:
        """The session is over, however it ended: a service started and not completed was
        given up at the last step seen."""
        if self._run is not None and self._last_step is not None:
            self.truth[self._run.service.id].steps[self._last_step].gave_up += 1
        self._run = None
        self._think(1, 5)
