"""Usage log figures (issue 15 targets in brackets), each beside a floor measured in the
same run (the bare library doing the same work):

- recording an event on the calling (GUI) thread, p95, with the writer thread writing
  usage.db meanwhile [<= 0.1 ms]; floor: a bare SimpleQueue.put of the same tuple;
- backend ingest on loopback, events/s [>= 20,000], through `kiosk backend` (validation,
  SQLite, moves to the Parquet dataset); floor: a bare Starlette app on the same uvicorn
  that parses the JSON and inserts the rows into SQLite;
- the fleet report over 10,000,000 generated events in a hive-partitioned dataset
  [<= 10 s]; floor: one DuckDB scan counting the same files by event;
- Parquet bytes per million events: the backend's dataset, and the generated one; floor:
  the same rows written by pyarrow with its defaults (and JSON lines for scale).

Run: .venv/bin/python benchmarks/usage.py [--events 10000000] [--ingest 200000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import queue
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.usage import UsageLog, new_session_id  # noqa: E402
from kiosk.usage_report import report_figures  # noqa: E402
from kiosk.usage_report_html import write_report  # noqa: E402
from kiosk.usage_store import UsageStore  # noqa: E402
from tests.helpers.backend import AUTH, BackendProcess, free_port  # noqa: E402
from tests.helpers.waiting import wait_for  # noqa: E402

VOCABULARY = frozenset({"pension_certification", "phone", "home", "step"})


def percentile(values: list[float], share: float) -> float:
    return sorted(values)[int(share * (len(values) - 1))]


# -- 1. recording on the GUI thread ---------------------------------------------------------


def bench_record(folder: Path, count: int = 200_000) -> None:
    store = UsageStore(folder / "usage.db", 90)
    log = UsageLog(store, vocabulary=lambda: VOCABULARY)
    log.session_started(mode="service", language="zh", text_size="standard",
                        high_contrast=False, card_kind="social_security")  # fmt: skip
    clock = time.perf_counter_ns
    timings = []
    for n in range(count):
        start = clock()
        if n % 3 == 0:
            log.tap("nav_back")
        elif n % 3 == 1:
            log.record("voice_volume", step="phone", level=3)
        else:
            log.here("voice_repeat")
        timings.append((clock() - start) / 1e6)
    log.flush(60)
    store.close()
    bare: queue.SimpleQueue = queue.SimpleQueue()
    row = ("a" * 22, 1, "tap", "2026-11-21T10:00:00.000", 480, 0.0, 5, {"target": "nav_back"})
    floor = []
    for _ in range(count):
        start = clock()
        bare.put(row)
        floor.append((clock() - start) / 1e6)
    p50, p95 = percentile(timings, 0.5) * 1000, percentile(timings, 0.95) * 1000
    print(f"record an event on the GUI thread ({count:,}, writer running):"
          f" p50 {p50:.1f} us, p95 {p95:.1f} us [target p95 <= 100 us]")  # fmt: skip
    print(f"  floor, bare SimpleQueue.put: p50 {percentile(floor, .5) * 1000:.2f} us,"
          f" p95 {percentile(floor, .95) * 1000:.2f} us")  # fmt: skip


# -- 2. backend ingest ------------------------------------------------------------------------


def wire_batches(events: int, size: int = 500) -> list[bytes]:
    bodies = []
    for start in range(0, events, size):
        session = new_session_id()
        batch = [
            {
                "session_id": session,
                "seq": seq,
                "event": "screen_shown",
                "started_local": "2026-11-21T10:00:00.000",
                "utc_offset_min": 480,
                "offset_ms": seq * 900,
                "fields": {
                    "service": "pension_certification",
                    "step": "phone",
                    "position": 3,
                    "left_ms": seq * 900 + 800,
                },
            }  # fmt: skip
            for seq in range(min(size, events - start))
        ]
        bodies.append(json.dumps({"events": batch}).encode())
    return bodies


def post_all(url: str, bodies: list[bytes], clients: int = 4) -> float:
    work: queue.SimpleQueue = queue.SimpleQueue()
    for body in bodies:
        work.put(body)
    headers = {**AUTH, "Content-Type": "application/json"}
    failures = []

    def client() -> None:
        with requests.Session() as http:
            while True:
                try:
                    body = work.get_nowait()
                except queue.Empty:
                    return
                answer = http.post(url, data=body, headers=headers, timeout=60)
                if answer.status_code != 200:
                    failures.append(answer.status_code)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"ingest failed: {failures[:5]}")
    return time.perf_counter() - start


FLOOR_APP = """
import json, sqlite3, sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
conn = sqlite3.connect(sys.argv[2], check_same_thread=False, isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL"); conn.execute("PRAGMA synchronous=FULL")
conn.execute("CREATE TABLE e (session_id, seq, body, PRIMARY KEY (session_id, seq))")
async def ingest(request):
    events = json.loads(await request.body())["events"]
    conn.execute("BEGIN")
    conn.executemany("INSERT OR IGNORE INTO e VALUES (?, ?, ?)",
                     [(e["session_id"], e["seq"], json.dumps(e)) for e in events])
    conn.execute("COMMIT")
    return JSONResponse({"received": len(events)})
async def health(request):
    return JSONResponse({"status": "ok"})
app = Starlette(routes=[Route("/ingest", ingest, methods=["POST"]), Route("/healthz", health)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def bench_ingest(folder: Path, events: int) -> Path:
    bodies = wire_batches(events)
    server = BackendProcess(folder / "backend.db")
    server.start()
    try:
        seconds = post_all(server.url + "/api/v1/usage-events", bodies)
        requests.get(server.url + "/api/v1/usage-events/export?since=2026-11-21&until=2026-11-21",
                     headers=AUTH, timeout=120)  # fmt: skip
    finally:
        server.stop()
    port = free_port()
    floor = subprocess.Popen([sys.executable, "-c", FLOOR_APP, str(port), str(folder / "f.db")])
    try:
        wait_for(lambda: _up(f"http://127.0.0.1:{port}/healthz"), 20, "the floor server")
        floor_s = post_all(f"http://127.0.0.1:{port}/ingest", bodies)
    finally:
        floor.terminate()
        floor.wait(10)
    print(f"backend ingest on loopback ({events:,} events, 500 a request, 4 clients):"
          f" {events / seconds:,.0f} events/s [target >= 20,000]")  # fmt: skip
    print(f"  floor, bare Starlette + json + SQLite insert: {events / floor_s:,.0f} events/s")
    return folder / "usage-events"


def _up(url: str) -> bool:
    try:
        return requests.get(url, timeout=0.5).ok
    except requests.RequestException:
        return False


# -- 3. a fleet's dataset -------------------------------------------------------------------

STEPS = {  # service: its steps (the shipped catalog's longest and shortest shapes)
    "pension_certification": ["identity", "declaration", "phone", "review"],
    "assisted_service_booking": [
        "identity",
        "matter",
        "day",
        "slot",
        "home_visit",
        "phone",
        "review",
    ],  # fmt: skip
    "progress_query": ["tracking", "review"],
    "residence_certificate": ["identity", "kind", "purpose", "copies", "phone", "review"],
}
PER_SESSION = 20  # events: start, card read, chosen, 7 screens (or taps), 6 taps, ...


def generate_fleet(root: Path, events: int, kiosks: int = 50, days: int = 30) -> int:
    """`events` usage events of `kiosks` kiosks over `days` days, one file per partition."""
    rng = random.Random(15)
    partitions = kiosks * days
    sessions_each = max(1, events // (partitions * PER_SESSION))
    services = list(STEPS)
    written = 0
    first = dt.date(2026, 10, 1)
    for p in range(partitions):
        kiosk, day = f"kiosk-{p % kiosks:04d}", first + dt.timedelta(days=p // kiosks)
        n = sessions_each
        service_of = [rng.randrange(len(services)) for _ in range(n)]
        gives_up = [rng.random() < 0.3 for _ in range(n)]
        hour = [rng.randrange(8, 18) for _ in range(n)]
        minute = [rng.randrange(60) for _ in range(n)]
        columns: dict[str, list] = {k: [] for k in ("session_id", "seq", "event", "offset_ms",
                                                    "service", "step", "position", "left_ms",
                                                    "result", "target", "text_size",
                                                    "language")}  # fmt: skip
        starts = []
        for s in range(n):
            steps = STEPS[services[service_of[s]]]
            stop_at = rng.randrange(len(steps)) if gives_up[s] else len(steps)
            sid = f"{p:05d}{s:05d}".translate(str.maketrans("0123456789", "abcdefghij"))
            sid = (sid + "kkkkkkkkkkkk")[:22]
            t = 0
            rows = [("session_started", None, None, None, None, None, None, "standard", "zh"),
                    ("card_read", None, None, None, None, "ok", None, None, None),
                    ("service_chosen", services[service_of[s]], None, None, None, "started",
                     None, None, None)]  # fmt: skip
            for i, step in enumerate(steps[: stop_at + 1] if gives_up[s] else steps):
                spent = rng.randrange(3000, 40000)
                rows.append(("screen_shown", services[service_of[s]], step, i + 1, t + spent,
                             None, None, None, None))  # fmt: skip
                t += spent
            while len(rows) < PER_SESSION - 2:
                rows.append(("tap", None, None, None, None, None, "answer_next", None, None))
            rows.append(
                (
                    "service_completed" if not gives_up[s] else "idle_timeout",
                    services[service_of[s]],
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                )
            )
            rows.append(("session_ended", None, None, None, None, None, None, None, None))
            for seq, row in enumerate(rows):
                columns["session_id"].append(sid)
                columns["seq"].append(seq)
                columns["event"].append(row[0])
                columns["offset_ms"].append(t if row[0] == "screen_shown" else seq * 1000)
                for name, value in zip(("service", "step", "position", "left_ms", "result",
                                        "target", "text_size", "language"), row[1:],
                                       strict=True):  # fmt: skip
                    columns[name].append(value)
                starts.append(dt.datetime.combine(day, dt.time(hour[s], minute[s])))
        # screen_shown offsets: entered = left - spent; recompute simply as left - 1 s
        columns["offset_ms"] = [
            (left - 1000) if left is not None else off
            for off, left in zip(columns["offset_ms"], columns["left_ms"], strict=True)
        ]
        table = pa.table({
            "kiosk_id": [kiosk] * len(starts), **{k: columns[k] for k in ("session_id", "seq",
            "event")}, "started_local": pa.array(starts, pa.timestamp("ms")),
            "utc_offset_min": pa.array([480] * len(starts), pa.int16()),
            **{k: columns[k] for k in columns if k not in ("session_id", "seq", "event")},
        })  # fmt: skip
        folder = root / f"date={day.isoformat()}" / f"kiosk={kiosk}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / "part-0.parquet", compression="zstd")
        written += table.num_rows
    return written


def bench_report(folder: Path, events: int) -> Path:
    root = folder / "fleet"
    start = time.perf_counter()
    written = generate_fleet(root, events)
    print(f"generated {written:,} events in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    figures = report_figures([root])
    write_report(figures, folder / "report")
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    with duckdb.connect() as db:
        db.execute(
            f"SELECT event, count(*) FROM read_parquet('{root}/*/*/*.parquet',"
            " hive_partitioning = true) GROUP BY event"
        ).fetchall()
    floor = time.perf_counter() - start
    print(f"fleet report over {written:,} events ({figures['summary']['sessions']:,} sessions,"
          f" {figures['summary']['kiosks']} kiosks): {seconds:.2f} s [target <= 10 s]")  # fmt: skip
    print(f"  floor, one DuckDB scan counting the same files by event: {floor:.2f} s")
    return root


def dataset_bytes(root: Path) -> tuple[int, int]:
    files = list(root.rglob("*.parquet"))
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    return sum(f.stat().st_size for f in files), rows


def bench_bytes(folder: Path, backend_root: Path, fleet_root: Path) -> None:
    for name, root in (("the backend's dataset (ingested)", backend_root),
                       ("the generated fleet, one file per kiosk-day", fleet_root)):  # fmt: skip
        size, rows = dataset_bytes(root)
        print(
            f"Parquet bytes per million events, {name}: {size / rows * 1e6 / 2**20:.1f} MiB"
            f" ({rows:,} events in {len(list(root.rglob('*.parquet')))} files)"
        )
    sample = pa.concat_tables(
        [pq.read_table(f) for f in sorted(fleet_root.rglob("*.parquet"))[:150]],
        promote_options="permissive",
    )
    ours, plain, lines = folder / "ours.parquet", folder / "plain.parquet", folder / "s.jsonl"
    pq.write_table(sample, ours, compression="zstd")  # what the backend writes
    pq.write_table(sample, plain)  # pyarrow's defaults (snappy)
    with lines.open("w") as handle:
        for row in sample.to_pylist():
            handle.write(json.dumps(row, default=str) + "\n")
    per_million = 1e6 / sample.num_rows / 2**20
    print(f"  the same {sample.num_rows:,} rows in one file: ours (zstd)"
          f" {ours.stat().st_size * per_million:.1f} MiB per million; floor, pyarrow's defaults"
          f" {plain.stat().st_size * per_million:.1f} MiB; JSON lines"
          f" {lines.stat().st_size * per_million:.1f} MiB")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--ingest", type=int, default=200_000)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; {dt.date.today()}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        bench_record(folder)
        backend_root = bench_ingest(folder, args.ingest)
        fleet_root = bench_report(folder, args.events)
        bench_bytes(folder, backend_root, fleet_root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
