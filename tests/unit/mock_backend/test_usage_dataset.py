"""The backend keeps every kiosk's usage events as a hive-partitioned Parquet dataset,
compacted, and exports it by day range and kiosk."""

import io

import duckdb
import pyarrow.parquet as pq

from kiosk.usage_docs import DUCKDB_QUERY
from mock_backend import DEMO_KIOSK, KioskRegistration, create_app
from mock_backend.usage_dataset import MAX_PARTS
from tests.unit.mock_backend.asgi import AUTH, request, usage_event

OTHER = KioskRegistration("kiosk-0002", "0002", "token-kiosk-0002-0123456789")


def post(app, events, headers=AUTH):
    answer = request(app, "POST", "/api/v1/usage-events", json_body={"events": events},
                     headers=headers)  # fmt: skip
    assert answer.status == 200, answer.text
    return answer.json()


def export(app, query):
    answer = request(app, "GET", f"/api/v1/usage-events/export?{query}", headers=AUTH)
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"] == "application/vnd.apache.parquet"
    return pq.read_table(io.BytesIO(answer.body))


def day_events(day, session, count, start=0):
    return [
        {**usage_event(start + i), "session_id": session, "started_local": f"{day}T09:00:00.000"}
        for i in range(count)
    ]


def test_events_land_in_date_and_kiosk_partitions_compacted(tmp_path):
    app = create_app(tmp_path / "b.db", kiosks=[DEMO_KIOSK, OTHER], usage_move_at=10)
    for round_ in range(12):  # 12 moves into the same partition
        post(app, day_events("2026-11-21", "a" * 22, 10, start=round_ * 10))
    post(app, day_events("2026-11-22", "b" * 22, 5))
    post(app, day_events("2026-11-22", "c" * 22, 5), {"Authorization": f"Bearer {OTHER.token}"})
    app.state.usage.move_all()
    root = tmp_path / "usage-events"
    parts = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.parquet"))
    assert {p.rsplit("/", 1)[0] for p in parts} == {
        "date=2026-11-21/kiosk=kiosk-0001",
        "date=2026-11-22/kiosk=kiosk-0001",
        "date=2026-11-22/kiosk=kiosk-0002",
    }
    first_day = [p for p in parts if p.startswith("date=2026-11-21")]
    assert 1 <= len(first_day) <= MAX_PARTS  # 12 moves, not 12 files
    table = pq.read_table(root / "date=2026-11-21")
    assert table.num_rows == 120
    assert sorted(table.column("seq").to_pylist()) == list(range(120))


def test_export_by_days_and_kiosk_and_each_event_once(tmp_path):
    app = create_app(tmp_path / "b.db", kiosks=[DEMO_KIOSK, OTHER])
    events = day_events("2026-11-20", "a" * 22, 3) + day_events("2026-11-21", "b" * 22, 4)
    assert post(app, events)["new"] == 7
    assert post(app, events)["new"] == 0  # a resent batch is kept once
    post(app, day_events("2026-11-21", "c" * 22, 2), {"Authorization": f"Bearer {OTHER.token}"})
    assert export(app, "since=2026-11-20&until=2026-11-21").num_rows == 9
    one_day = export(app, "since=2026-11-21&until=2026-11-21")
    assert one_day.num_rows == 6
    assert {str(d) for d in one_day.column("date").to_pylist()} == {"2026-11-21"}
    theirs = export(app, "since=2026-11-01&until=2026-11-30&kiosk=kiosk-0002")
    assert set(theirs.column("kiosk_id").to_pylist()) == {"kiosk-0002"}
    assert theirs.num_rows == 2
    assert export(app, "since=2026-12-01&until=2026-11-01").num_rows == 0
    assert export(app, "since=2026-11-01&until=2026-11-30&kiosk=nobody").num_rows == 0


def test_an_empty_dataset_exports_an_empty_file():
    app = create_app()
    assert export(app, "since=2026-11-01&until=2026-11-30").num_rows == 0


def test_the_documented_duckdb_query_runs_over_the_dataset(tmp_path, monkeypatch):
    app = create_app(tmp_path / "b.db")
    shown = [
        usage_event(0, service="pension_certification", step="identity", position=1,
                    left_ms=9000),
        usage_event(1, service="pension_certification", step="phone", position=2,
                    left_ms=30000),
    ]  # fmt: skip
    for event, entered in zip(shown, (0, 9000), strict=True):
        event["event"], event["offset_ms"] = "screen_shown", entered
    post(app, shown)
    app.state.usage.move_all()
    monkeypatch.chdir(tmp_path)
    with duckdb.connect() as db:
        rows = db.execute(DUCKDB_QUERY).fetchall()
    assert rows == [("pension_certification", "phone", 1)]


def test_a_field_named_like_a_column_is_not_kept(tmp_path):
    app = create_app(tmp_path / "b.db")
    event = usage_event(0, kiosk="x", target="nav_back")
    event["fields"]["seq"] = 99
    post(app, [event])
    table = export(app, "since=2026-11-01&until=2026-11-30")
    assert table.column("seq").to_pylist() == [0]
    assert table.column("kiosk").to_pylist() == ["kiosk-0001"]
    assert table.column("target").to_pylist() == ["nav_back"]
