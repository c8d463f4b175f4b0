"""The soak: kiosks living a bad day, then an audit of what they promised.

Several kiosks (one data directory each) run `kiosk simulate --staff --stream` over and
over: villagers submitting, staff calling, signing in with right and wrong PINs, changing
settings, pressing "sync now". Meanwhile `kiosk sync --once` runs from other processes,
a fault proxy in front of the real backend answers 503/429 with Retry-After, holds
answers past the kiosk's timeout, resets connections or serves a captive portal, the
wall clock jumps a day back and forth (libfaketime, monotonic untouched), and kiosk
processes are SIGKILLed at random moments.

Afterwards: every receipt a kiosk printed (= 已提交 on screen) is at the backend exactly
once; the backend holds nothing a store does not; every audit row and PIN failure a
kiosk reported is in its store; nothing is quarantined; the sync loop of a final run is
alive; every store drained.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers.backend import BackendProcess
from tests.helpers.fault_proxy import FaultProxy

FAKETIME_LIBRARY = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
STAFF_PIN = "135790"
FAULT_WEIGHTS = {"pass": 8, "503": 2, "429": 2, "hold": 2, "down": 2, "html": 1, "500": 1}
CLOCK_OFFSETS = ("+0", "-1d", "+1d", "-3h", "+0", "+2d")
KIOSK_TOML = """\
kiosk_id = "{kiosk_id}"
kiosk_number = "{number}"
backend_token = "{token}"
backend_url = "{url}"
sync_timeout_s = 1.5
sync_interval_s = 1
retry_base_s = 0.5
retry_cap_s = 4
"""


@dataclass
class KioskRecord:
    kiosk_id: str
    number: str
    token: str
    data_dir: Path
    receipts: list[str] = field(default_factory=list)
    audits: Counter = field(default_factory=Counter)
    runs: int = 0
    killed: int = 0
    staff_errors: int = 0
    final: dict = field(default_factory=dict)


@dataclass
class SoakResult:
    seconds: float
    kiosks: list[KioskRecord]
    backend_rows: int
    faults_served: dict
    clock_jumps: int
    sync_once_runs: int
    problems: list[str]

    @property
    def receipts(self) -> int:
        return sum(len(k.receipts) for k in self.kiosks)

    def report(self) -> dict:
        audits: Counter = Counter()
        for kiosk in self.kiosks:
            audits.update(kiosk.audits)
        return {
            "seconds": round(self.seconds, 1),
            "kiosks": len(self.kiosks),
            "kiosk_runs": sum(k.runs for k in self.kiosks),
            "sigkills": sum(k.killed for k in self.kiosks),
            "receipts_confirmed": self.receipts,
            "backend_rows": self.backend_rows,
            "audit_actions_reported": dict(audits),
            "pin_failures_reported": audits.get("login_failed", 0),
            "sync_once_runs": self.sync_once_runs,
            "clock_jumps": self.clock_jumps,
            "faults_served": self.faults_served,
            "final_queues": {k.kiosk_id: k.final.get("queue") for k in self.kiosks},
            "sync_loops_alive": all(k.final.get("sync_loop_alive") for k in self.kiosks),
            "problems": self.problems,
        }


def _kiosk_env(clock_file: Path) -> dict[str, str]:
    env = {**os.environ}
    env.pop("KIOSK_CRASH_AT", None)
    env.update(
        {
            "LD_PRELOAD": str(FAKETIME_LIBRARY),
            "FAKETIME_TIMESTAMP_FILE": str(clock_file),
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        }
    )
    return env


def _cli(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "kiosk_cli", "--data-dir", str(data_dir), *args]


def run_soak(workdir: Path, duration_s: float, kiosks: int = 2, seed: int = 1) -> SoakResult:
    if not FAKETIME_LIBRARY.exists():
        raise RuntimeError(f"{FAKETIME_LIBRARY} missing: apt-get install faketime")
    rng = random.Random(seed)
    workdir.mkdir(parents=True, exist_ok=True)
    clock_file = workdir / "faketime"
    clock_file.write_text("+0\n")
    records = [
        KioskRecord(
            f"kiosk-{index:02d}",
            f"{index + 1:04d}",
            f"soak-token-{index:02d}-0123456789",
            workdir / f"kiosk-{index:02d}",
        )
        for index in range(kiosks)
    ]
    specs = []
    for record in records:
        specs += ["--kiosk", f"{record.kiosk_id}:{record.number}:{record.token}"]
    backend = BackendProcess(workdir / "backend.db", None, *specs)
    backend.start()
    proxy = FaultProxy(backend.url, retry_after_s=2, hold_s=2.5).start()
    env = _kiosk_env(clock_file)
    for record in records:
        record.data_dir.mkdir(parents=True)
        (record.data_dir / "kiosk.toml").write_text(
            KIOSK_TOML.format(
                kiosk_id=record.kiosk_id, number=record.number, token=record.token, url=proxy.url
            )
        )
        subprocess.run(
            _cli(record.data_dir, "staff", "set-pin", "--stdin"),
            input=STAFF_PIN + "\n",
            check=True,
            capture_output=True,
            text=True,
        )
    stop = threading.Event()
    started = time.monotonic()
    counters = Counter()
    problems: list[str] = []

    def chaos() -> None:
        modes = list(FAULT_WEIGHTS)
        weights = list(FAULT_WEIGHTS.values())
        next_jump = time.monotonic() + 10
        while not stop.wait(rng.uniform(1.5, 4.0)):
            proxy.set_mode(rng.choices(modes, weights)[0])
            if time.monotonic() >= next_jump:
                clock_file.write_text(rng.choice(CLOCK_OFFSETS) + "\n")
                counters["clock_jumps"] += 1
                next_jump = time.monotonic() + rng.uniform(8, 20)

    def other_process_syncs() -> None:
        while not stop.wait(rng.uniform(2, 5)):
            record = rng.choice(records)
            subprocess.run(
                _cli(record.data_dir, "sync", "--once"),
                env=env,
                capture_output=True,
                timeout=120,
            )
            counters["sync_once_runs"] += 1

    def villagers(record: KioskRecord, local_rng: random.Random) -> None:
        while not stop.is_set():
            record.runs += 1
            process = subprocess.Popen(
                _cli(
                    record.data_dir,
                    "simulate",
                    "--sessions",
                    str(local_rng.randint(5, 30)),
                    "--staff",
                    "--staff-pin",
                    STAFF_PIN,
                    "--stream",
                    "--pause-ms",
                    "40",
                    "--drain-s",
                    "3",
                    "--seed",
                    str(local_rng.randint(0, 10**6)),
                ),
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            killer = None
            if local_rng.random() < 0.4:
                delay = local_rng.uniform(0.3, 4.0)
                killer = threading.Timer(delay, _kill, args=(process, record))
                killer.start()
            output, _ = process.communicate(timeout=300)
            if killer is not None:
                killer.cancel()
            _collect(output, record)

    threads = [threading.Thread(target=chaos, daemon=True)]
    threads.append(threading.Thread(target=other_process_syncs, daemon=True))
    for index, record in enumerate(records):
        threads.append(
            threading.Thread(
                target=villagers, args=(record, random.Random(seed * 100 + index)), daemon=True
            )
        )
    try:
        for thread in threads:
            thread.start()
        stop.wait(duration_s)  # the bad day; every thread watches `stop`
    finally:
        stop.set()
        for thread in threads:
            thread.join(300)
        proxy.set_mode("pass")
        clock_file.write_text("+0\n")
    # A last, unharmed run per kiosk: its summary says whether the loop is alive, and its
    # drain empties the queue the bad day left behind.
    for record in records:
        final = subprocess.run(
            _cli(record.data_dir, "simulate", "--sessions", "2", "--stream", "--drain-s", "60"),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        _collect(final.stdout, record)
        lines = [json.loads(line) for line in final.stdout.splitlines() if line.startswith("{")]
        record.final = next((line for line in lines if line.get("event") == "summary"), {})
    elapsed = time.monotonic() - started
    rows = backend.rows()
    faults = dict(proxy.counts)
    proxy.stop()
    backend.stop()
    problems += _audit(records, rows)
    return SoakResult(
        elapsed,
        records,
        len(rows),
        faults,
        counters["clock_jumps"],
        counters["sync_once_runs"],
        problems,
    )


def _kill(process: subprocess.Popen, record: KioskRecord) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
        record.killed += 1


def _collect(output: str, record: KioskRecord) -> None:
    for line in output.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line cut by SIGKILL
        kind = event.get("event")
        if kind == "receipt":
            record.receipts.append(event["tracking_number"])
        elif kind == "audit":
            record.audits[event["action"]] += 1
        elif kind == "staff_error":
            record.staff_errors += 1


def _audit(records: list[KioskRecord], rows: list[tuple[str, str, str]]) -> list[str]:
    problems = []
    by_number = Counter(row[1] for row in rows)
    keys = Counter(row[0] for row in rows)
    if any(count > 1 for count in keys.values()):
        problems.append("an idempotency key stored twice at the backend")
    stored_anywhere: set[str] = set()
    for record in records:
        with sqlite3.connect(f"file:{record.data_dir / 'kiosk.db'}?mode=ro", uri=True) as conn:
            # Submissions and ratings; usage batches are records of their own (not receipts).
            submissions = "FROM submissions WHERE service_id != 'usage_events'"
            numbers = {row[0] for row in conn.execute(f"SELECT tracking_number {submissions}")}
            states = dict(
                conn.execute(
                    "SELECT state, COUNT(*) FROM outbox WHERE submission_id IN"
                    f" (SELECT id {submissions}) GROUP BY state"
                )
            )
            audit = Counter(
                dict(conn.execute("SELECT action, COUNT(*) FROM audit_log GROUP BY action"))
            )
        stored_anywhere |= numbers
        for number in record.receipts:
            if by_number.get(number, 0) != 1:
                problems.append(
                    f"{record.kiosk_id}: receipt {number} is at the backend "
                    f"{by_number.get(number, 0)} time(s)"
                )
            if number not in numbers:
                problems.append(f"{record.kiosk_id}: receipt {number} not in its store")
        if len(set(record.receipts)) != len(record.receipts):
            problems.append(f"{record.kiosk_id}: a tracking number was given twice")
        for action, reported in record.audits.items():
            if audit.get(action, 0) < reported:
                problems.append(
                    f"{record.kiosk_id}: {reported} {action} reported, {audit.get(action, 0)} "
                    "in the audit log"
                )
        unsent = sum(states.get(state, 0) for state in ("pending", "in_flight", "failed"))
        if unsent:
            problems.append(f"{record.kiosk_id}: {unsent} row(s) never delivered: {states}")
        if states.get("quarantined"):
            problems.append(f"{record.kiosk_id}: {states['quarantined']} row(s) quarantined")
        if not record.final.get("sync_loop_alive"):
            problems.append(f"{record.kiosk_id}: the final run's sync loop was not alive")
    invented = set(by_number) - stored_anywhere
    if invented:
        problems.append(f"{len(invented)} backend row(s) no store ever held")
    return problems
