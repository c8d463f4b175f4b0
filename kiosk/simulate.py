"""`kiosk simulate`: complete villager sessions through the real core, headless.

Real store, real key, real sync loop, real backend: what staff use to soak-test a new
install and to train (`--training` marks every submission; the backend keeps them apart
and the receipt says 培训). `--staff` mixes in what happens on a real kiosk at the same
time, on its own thread: villagers pressing 呼叫工作人员, staff signing in with wrong and
right PINs, settings changed (and put back), "sync now".

With `stream`, one JSON line per event is written as soon as it is durable (a receipt
after the store committed it, an audit action after its row committed), so a soak test
that kills this process still knows what was promised.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from drivers import id_number as idn
from drivers.identity import Identity
from drivers.pcsc.service import CardIdentified, CardLeft
from kiosk.catalog import (
    ChoiceStep,
    ConfirmStep,
    DateStep,
    IdentityConfirmStep,
    InfoStep,
    KeypadStep,
    PhrasesStep,
    YesNoStep,
)
from kiosk.core import KioskCore
from kiosk.flow import FlowDeclined, FlowRun, InvalidAnswer, offered_dates
from kiosk.journey import ReceiptOutcome
from kiosk.simulate_usage import UsageVillagers
from kiosk.staff import PIN_LENGTHS
from kiosk.usage_upload import USAGE_RECORD
from offline_cache import QueueFull

SIMULATED_READER = "Simulated reader"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
GIVEN = ["秀英", "桂兰", "国强", "建华", "玉梅", "志明", "淑芬", "德福", "金凤", "伟"]
AREAS = ("445281", "440102", "441802", "445122")


@dataclass
class SimulationSummary:
    sessions: int = 0
    submitted: int = 0
    ratings: int = 0
    not_eligible: int = 0
    refused: int = 0  # QueueFull: the villager was sent to the counter
    lookups: int = 0
    tracking_numbers: list[str] = field(default_factory=list)
    staff_actions: Counter = field(default_factory=Counter)
    pin_failures: int = 0
    queue: dict = field(default_factory=dict)
    sync_loop_alive: bool = False
    training: bool = False
    seconds: float = 0.0
    # Per service and step, from what the villagers did (kiosk/simulate_usage.py).
    usage_truth: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "sessions": self.sessions,
            "submitted": self.submitted,
            "ratings": self.ratings,
            "not_eligible": self.not_eligible,
            "refused": self.refused,
            "lookups": self.lookups,
            "training": self.training,
            "tracking_numbers": self.tracking_numbers,
            "staff_actions": dict(self.staff_actions),
            "pin_failures": self.pin_failures,
            "queue": self.queue,
            "sync_loop_alive": self.sync_loop_alive,
            "seconds": round(self.seconds, 2),
            "usage_truth": self.usage_truth,
        }


def simulated_identities(rng: random.Random, count: int, today: dt.date) -> list[Identity]:
    """Villagers aged 18 to 95 with valid ID numbers (GB 11643 check character)."""
    people = []
    for _ in range(count):
        age_days = rng.randint(18 * 365, 95 * 365)
        born = today - dt.timedelta(days=age_days)
        first17 = f"{rng.choice(AREAS)}{born:%Y%m%d}{rng.randint(0, 999):03d}"
        number = idn.with_check_character(first17)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        people.append(Identity(name=name, id_number=number, sex=idn.sex(number), birth_date=born))
    return people


def identities_from_csv(path: Path) -> list[tuple[Identity, str]]:
    """(identity, phone) from a CSV of name,id_number,phone[,address]; a bad row is an
    error naming its line (never echoing the ID number)."""
    people = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line_number, row in enumerate(csv.reader(handle), 1):
            if not row or (line_number == 1 and row[0].strip().lower() == "name"):
                continue
            if len(row) < 2:
                raise ValueError(f"{path}:{line_number}: expected name,id_number,phone[,address]")
            name, number = row[0].strip(), row[1].strip().upper()
            phone = row[2].strip() if len(row) > 2 else ""
            address = row[3].strip() if len(row) > 3 else None
            if not idn.is_valid(number):
                raise ValueError(f"{path}:{line_number}: the ID number fails its check")
            identity = Identity(
                name=name,
                id_number=number,
                sex=idn.sex(number),
                birth_date=idn.birth_date(number),
                address=address,
            )
            people.append((identity, phone))
    if not people:
        raise ValueError(f"{path}: no identities")
    return people


def answer_for(step, run: FlowRun, rng: random.Random, phone: str, known_numbers: list[str]):
    """A valid answer for any step kind, as a villager's taps would give."""
    if isinstance(step, InfoStep):
        return None
    if isinstance(step, IdentityConfirmStep | ConfirmStep):
        return True
    if isinstance(step, YesNoStep):
        return rng.random() < 0.7
    if isinstance(step, ChoiceStep):
        return rng.choice(step.options).value
    if isinstance(step, KeypadStep):
        if step.format == "mobile":
            return phone or f"13{rng.randint(0, 999_999_999):09d}"
        if step.format == "tracking_number":
            return known_numbers[-1] if known_numbers else None
        return str(rng.randint(step.min_value or 0, step.max_value or 0))
    if isinstance(step, DateStep):
        return rng.choice(offered_dates(step, run.today)).isoformat()
    if isinstance(step, PhrasesStep):
        count = rng.randint(step.min_selected, step.max_selected)
        return [p.value for p in rng.sample(list(step.phrases), count)]
    raise InvalidAnswer(step)


class Simulation:
    def __init__(
        self,
        core: KioskCore,
        *,
        sessions: int,
        services: list[str] | None = None,
        seed: int | None = None,
        staff: bool = False,
        staff_pin: str | None = None,
        identities: list[tuple[Identity, str]] | None = None,
        stream: TextIO | None = None,
        pause_s: float = 0.0,
        abandon_rate: float = 0.0,
    ) -> None:
        self.core = core
        self.sessions = sessions
        self.rng = random.Random(seed)
        self.staff = staff
        self.staff_pin = staff_pin
        self.stream = stream
        self.pause_s = pause_s
        self.summary = SimulationSummary(training=core.training)
        self.villagers = UsageVillagers(core, self.rng, abandon_rate)
        self._out_lock = threading.Lock()
        today = dt.date.today()
        self.people = identities or [
            (person, "") for person in simulated_identities(self.rng, max(10, sessions), today)
        ]
        menu = [s.id for s in core.menu()]
        wanted = services or menu
        unknown = [s for s in wanted if s not in {s.id for s in core.catalog.services}]
        if unknown:
            raise ValueError(f"unknown service(s): {', '.join(unknown)}")
        self.services = wanted

    # -- output ---------------------------------------------------------------------------

    def _emit(self, event: str, **fields: object) -> None:
        if self.stream is None:
            return
        with self._out_lock:
            self.stream.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
            self.stream.flush()

    # -- villagers ------------------------------------------------------------------------

    def run(self) -> SimulationSummary:
        started = time.monotonic()
        stop_staff = threading.Event()
        staff_thread = None
        if self.staff:
            staff_thread = threading.Thread(
                target=self._staff_loop, args=(stop_staff,), name="simulated-staff", daemon=True
            )
            staff_thread.start()
        try:
            for _ in range(self.sessions):
                self._one_session()
                if self.pause_s:
                    pause(self.pause_s)
        finally:
            stop_staff.set()
            if staff_thread is not None:
                staff_thread.join(30)
        self.summary.seconds = time.monotonic() - started
        self.summary.usage_truth = self.villagers.as_json()
        return self.summary

    def _one_session(self) -> None:
        identity, phone = self.rng.choice(self.people)
        self.villagers.arriving()
        now = time.monotonic()
        self.core.present_card(CardIdentified(SIMULATED_READER, identity, now, now, 0))
        self.summary.sessions += 1
        self.villagers.arrived()
        service_id = self.rng.choice(self.services)
        try:
            if service_id not in {s.id for s in self.core.menu()}:
                return  # staff switched it off meanwhile, as on a real kiosk
            try:
                run = self.core.choose_service(service_id)
            except FlowDeclined:
                self.villagers.turned_away(service_id)
                raise
            self.villagers.started(run)
            self._walk(run, phone)
        except FlowDeclined:
            self.summary.not_eligible += 1
        finally:
            self.villagers.left()
            self.core.present_card(CardLeft(SIMULATED_READER))

    def _walk(self, run: FlowRun, phone: str) -> None:
        while True:
            step = run.current
            way_out = self.villagers.on_step(run)
            if way_out is not None:
                self.villagers.give_up(run, way_out)  # the card comes out in the caller
                return
            if run.at_review:
                break
            value = answer_for(step, run, self.rng, phone, self.summary.tracking_numbers)
            if value is None and isinstance(step, KeypadStep):
                return  # nothing to look up yet
            run.answer(value)
        try:
            outcome = self.core.finish(run)  # submits, looks up or checks, as the window
        except QueueFull as error:
            self.summary.refused += 1
            self._emit("refused", reason=str(error)[:200])
            return
        if not isinstance(outcome, ReceiptOutcome):
            self.villagers.completed(run.service.id, "resultScreen")
            self.core.skip_rating()
            self.summary.lookups += 1
            return
        # Durable now: the screen would say 已提交.
        receipt = outcome.receipt
        self.villagers.completed(run.service.id, "receiptScreen")
        self.summary.submitted += 1
        self.summary.tracking_numbers.append(receipt.tracking_number)
        self._emit("receipt", tracking_number=receipt.tracking_number, service=run.service.id)
        if self.rng.random() >= 0.6:
            self.core.skip_rating()
            return
        self.villagers.rated()
        try:
            number = self.core.rate_pending(self.rng.randint(1, 5), [])
        except QueueFull:
            return
        if number is not None:
            self.summary.ratings += 1
            self.summary.tracking_numbers.append(number)
            self._emit("receipt", tracking_number=number, service="rating")

    # -- staff ----------------------------------------------------------------------------

    def _staff_loop(self, stop: threading.Event) -> None:
        actions: list[tuple[str, Callable[[], None]]] = [
            ("staff_called", self.core.call_staff),
            ("sync_now", lambda: self.core.sync.trigger(force=True)),
            ("setting", self._toggle_setting),
        ]
        if self.staff_pin:
            actions += [("login", self._right_pin), ("login_failed", self._wrong_pin)]
        while not stop.wait(self.rng.uniform(0.005, 0.05)):
            name, action = self.rng.choice(actions)
            try:
                action()
            except Exception as error:  # noqa: BLE001 - counted, the soak goes on
                self._emit("staff_error", action=name, error=f"{type(error).__name__}: {error}")
                continue
            if name in ("staff_called", "login"):
                self.summary.staff_actions[name] += 1
                self._emit("audit", action=name)

    def _right_pin(self) -> None:
        check = self.core.pin.check(self.staff_pin or "")
        if not check.ok:
            # Locked by the wrong tries: wait the lock out on a real kiosk; here, skip.
            raise RuntimeError(f"locked for {check.locked_for_s:.0f} s")

    def _wrong_pin(self) -> None:
        wrong = self.staff_pin or ""
        while wrong == self.staff_pin:
            wrong = "".join(self.rng.choice("0123456789") for _ in range(PIN_LENGTHS.start))
        check = self.core.pin.check(wrong)
        if check.locked:
            self._emit("audit", action="login_refused_locked")
            self.summary.staff_actions["login_refused_locked"] += 1
            return
        self.summary.pin_failures += 1
        self.summary.staff_actions["login_failed"] += 1
        self._emit("audit", action="login_failed")

    def _toggle_setting(self) -> None:
        settings = self.core.settings
        settings.high_contrast = not settings.high_contrast
        self.summary.staff_actions["set_high_contrast"] += 1
        self._emit("audit", action="set_high_contrast")


def pause(seconds: float) -> None:
    # Not time.sleep: under libfaketime (the soak test's clock jumps) its
    # clock_nanosleep(TIMER_ABSTIME) on the untouched monotonic clock fails with EINVAL.
    threading.Event().wait(seconds)


def drain(core: KioskCore, timeout_s: float) -> None:
    """Wait for the sync loop to send what it can (the summary reports what is left)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        core.usage.flush()  # the usage log's events into the outbox, as far as it takes them
        counts = core.queue.counts()
        usage_waits = core.queue.unsent_of(USAGE_RECORD) + core.usage.store.unbatched()
        if counts.unsent == 0 and usage_waits == 0:
            return
        core.sync.trigger()
        pause(0.2)


def run_simulation(core: KioskCore, simulation: Simulation, drain_s: float) -> SimulationSummary:
    """Start the sync loop (no card reader: cards are simulated), run, drain, report."""
    original_contrast = core.settings.high_contrast
    core.queue.recover_in_flight()  # as KioskCore.start does after a crash
    core.sync.start()
    try:
        summary = simulation.run()
        drain(core, drain_s)
        summary.sync_loop_alive = core.sync.alive
        counts = core.queue.counts()
        summary.queue = {
            "pending": counts.pending,
            "in_flight": counts.in_flight,
            "failed": counts.failed,
            "quarantined": counts.quarantined,
            "sent": counts.sent,
        }
        return summary
    finally:
        with contextlib.suppress(Exception):
            if core.settings.high_contrast != original_contrast:
                core.settings.high_contrast = original_contrast  # put staff's choice back
        core.stop()
