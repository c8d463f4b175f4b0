"""Offline queue and sync figures (issue #4 targets in brackets).

- enqueue p95 with synchronous=FULL, sealing included [<= 5 ms], beside a bare SQLite
  insert of the same bytes with the same pragmas, in the same run;
- time to drain 10,000 queued submissions to the real backend on loopback [<= 10 s], and
  its ratio to a bare `requests` loop posting the same batches to a fresh backend [<= 1.5];
- duplicates found at the server [0].

Run: .venv/bin/python benchmarks/queue_sync.py [--drain N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.sync import SyncEngine  # noqa: E402
from kiosk.tracking import tracking_number_maker  # noqa: E402
from offline_cache import (  # noqa: E402
    QueueLimits,
    SubmissionQueue,
    declare_first_store,
    open_store,
)
from tests.helpers.backend import AUTH, BackendProcess  # noqa: E402

CST = dt.timezone(dt.timedelta(hours=8))
PAYLOAD = {
    "applicant": {
        "name": "王䶮",
        "id_number": "445281195207081310",
        "sex": "1",
        "birth_date": "1952-07-08",
        "card_number": "A53822602",
    },
    "answers": {"alive_declaration": True, "contact_phone": "13812345678"},
}


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def make_queue(directory: Path) -> SubmissionQueue:
    declare_first_store(directory)
    return SubmissionQueue(
        open_store(directory / "kiosk.db"),
        directory / "queue.key",
        QueueLimits(max_unsent_rows=1_000_000, min_free_bytes=0),
    )


def enqueue_many(queue: SubmissionQueue, count: int, kiosk_number: str) -> list[float]:
    make = tracking_number_maker(kiosk_number)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        queue.enqueue(
            idempotency_key=str(uuid.uuid4()),
            service_id="pension_qualification_certification",
            created_at=dt.datetime.now(CST),
            payload=PAYLOAD,
            make_tracking_number=make,
        )
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def bare_inserts(directory: Path, count: int, blob_size: int) -> list[float]:
    conn = sqlite3.connect(directory / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, blob BLOB)")
    blob = b"\x5a" * blob_size
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        conn.execute("INSERT INTO t (k, blob) VALUES (?, ?)", [str(uuid.uuid4()), blob])
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--drain", type=int, default=10_000)
    parser.add_argument("--enqueues", type=int, default=1_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temp:
        temp_dir = Path(temp)
        # 1. enqueue latency beside a bare insert of the same bytes
        queue = make_queue(temp_dir / "latency")
        ours = enqueue_many(queue, args.enqueues, "0001")
        blob_size = queue.store.read_one("SELECT LENGTH(sealed_payload) FROM submissions LIMIT 1")[
            0
        ]
        bare = bare_inserts(temp_dir / "latency", args.enqueues, blob_size)
        print(f"queue_sync benchmark ({args.enqueues} enqueues, {args.drain} drained)")
        print(
            f"enqueue (FULL, sealed)      p50 {statistics.median(ours):6.2f} ms"
            f"   p95 {p95(ours):6.2f} ms   [target p95 <= 5 ms]"
        )
        print(
            f"bare SQLite insert (FULL)   p50 {statistics.median(bare):6.2f} ms"
            f"   p95 {p95(bare):6.2f} ms   (same {blob_size}-byte blob)"
        )

        # 2. drain N queued submissions through the sync engine
        drain_dir = temp_dir / "drain"
        drain_dir.mkdir()
        queue = make_queue(drain_dir)
        enqueue_many(queue, args.drain, "0001")
        claimed = queue.claim(now=1e12, limit=args.drain)
        queue.release([item.id for item in claimed])
        bodies = [
            {
                "idempotency_key": item.idempotency_key,
                "kiosk_id": "kiosk-0001",
                "service_id": item.service_id,
                "tracking_number": item.tracking_number,
                "created_at": item.created_at,
                "payload": item.payload,
            }
            for item in claimed
        ]
        backend = BackendProcess(temp_dir / "backend-sync.db")
        backend.start()
        try:
            engine = SyncEngine(queue, backend.url, "kiosk-0001", AUTH["Authorization"][7:])
            started = time.perf_counter()
            report = engine.sync_once()
            drain_s = time.perf_counter() - started
            rows = backend.rows()
        finally:
            backend.stop()
        duplicates = len(rows) - len({row[0] for row in rows})
        duplicate_numbers = len(rows) - len({row[1] for row in rows})

        # 3. the floor: a bare requests loop posting the same batches to a fresh backend
        bare_backend = BackendProcess(temp_dir / "backend-bare.db")
        bare_backend.start()
        try:
            session = requests.Session()
            session.headers.update(AUTH)
            started = time.perf_counter()
            for start in range(0, len(bodies), 50):
                response = session.post(
                    bare_backend.url + "/api/v1/submissions/batch",
                    json={"submissions": bodies[start : start + 50]},
                    timeout=30,
                )
                response.raise_for_status()
            bare_s = time.perf_counter() - started
        finally:
            bare_backend.stop()

        print(
            f"drain {args.drain} to the backend   {drain_s:6.2f} s   (sent {report.sent})"
            "   [target <= 10 s]"
        )
        print(f"bare requests loop, same batches {bare_s:6.2f} s")
        print(f"ratio sync / bare loop        {drain_s / bare_s:6.2f}   [target <= 1.5]")
        print(
            f"duplicates at the server      {duplicates} by key, {duplicate_numbers} by tracking"
            f" number, {len(rows)} rows for {args.drain} submissions   [target 0]"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
