"""`kiosk simulate --verifier N`: N swipes through the real core in verifier mode.

Each simulated villager's card is reported as the reader would, the answer awaited, the
card taken away; the checks go into the outbox and the real sync loop sends them. Prints
how the answers came out and how long each took from the card read to the answer.
"""

from __future__ import annotations

import datetime as dt
import queue
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

from drivers.identity import Identity
from drivers.pcsc.service import CardIdentified, CardLeft
from kiosk.core import KioskCore
from kiosk.events import CardVerified
from kiosk.simulate import SIMULATED_READER, drain, simulated_identities


@dataclass
class VerifierSummary:
    swipes: int = 0
    results: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    queue: dict = field(default_factory=dict)
    seconds: float = 0.0

    def as_json(self) -> dict:
        ordered = sorted(self.latencies_ms) or [0.0]
        return {
            "swipes": self.swipes,
            "results": dict(self.results),
            "sources": dict(self.sources),
            "latency_ms_p50": round(statistics.median(ordered), 2),
            "latency_ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
            "queue": self.queue,
            "seconds": round(self.seconds, 2),
        }


def run_verifier_simulation(
    core: KioskCore,
    swipes: int,
    *,
    seed: int | None = None,
    people: list[Identity] | None = None,
    drain_s: float = 30.0,
    answer_timeout_s: float = 10.0,
) -> VerifierSummary:
    """Start the sync loop and the list's refresh thread, swipe, drain, report; the core
    is stopped at the end."""
    rng = random.Random(seed)
    people = people or simulated_identities(rng, max(10, swipes), dt.date.today())
    answers: queue.Queue[CardVerified] = queue.Queue()
    core.add_listener(lambda e: answers.put(e) if isinstance(e, CardVerified) else None)
    summary = VerifierSummary()
    started = time.monotonic()
    core.queue.recover_in_flight()
    core.sync.start()
    core.verifier.start()
    try:
        for _ in range(swipes):
            identified_at = time.monotonic()
            core.present_card(
                CardIdentified(
                    SIMULATED_READER, rng.choice(people), identified_at, identified_at, 0
                )
            )
            answer = answers.get(timeout=answer_timeout_s)
            summary.latencies_ms.append((time.monotonic() - answer.identified_at) * 1000)
            summary.swipes += 1
            summary.results[answer.result] += 1
            summary.sources[answer.source] += 1
            core.present_card(CardLeft(SIMULATED_READER))
        core.verifier.wait_idle()  # the last check is in the outbox
        drain(core, drain_s)
        counts = core.queue.counts()
        summary.queue = {
            "unsent": counts.unsent,
            "quarantined": counts.quarantined,
            "sent": counts.sent,
        }
        summary.seconds = time.monotonic() - started
        return summary
    finally:
        core.stop()
