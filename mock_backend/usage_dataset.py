"""Every kiosk's usage events as one date-partitioned Parquet dataset (hive layout).

    <root>/date=2026-11-21/kiosk=kiosk-0001/part-<first row>.parquet

Events arrive in SQLite (the store keeps each (kiosk, session, seq) once) and are moved
here in bulk: when enough have piled up, and before every export. One part per touched
partition per move; a partition with more than MAX_PARTS parts is compacted into one,
so a fleet's day is a handful of files per kiosk, not thousands of tiny ones. A part is
named after its first stored row, so a move repeated after a crash rewrites the same file
rather than adding a copy. DuckDB reads the dataset here (the export); Spark, Trino or
ClickHouse read the same files when a province's fleet outgrows one machine.

Columns: kiosk_id, session_id, seq, event, started_local (timestamp, kiosk local time),
utc_offset_min, offset_ms, then one column per event field (typed as it arrives; a
field absent from a part is simply not there: read with union_by_name / mergeSchema).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import threading
from collections import defaultdict
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.json as pj
import pyarrow.parquet as pq

MAX_PARTS = 4
BASE_SCHEMA = pa.schema(
    [
        ("kiosk_id", pa.string()),
        ("session_id", pa.string()),
        ("seq", pa.int32()),
        ("event", pa.string()),
        ("started_local", pa.timestamp("ms")),
        ("utc_offset_min", pa.int16()),
        ("offset_ms", pa.int64()),
    ]
)
# A field named like a column (or a partition) is not kept: the kiosk never sends one.
RESERVED = {*BASE_SCHEMA.names, "date", "kiosk"}


def event_table(rows: list[dict]) -> pa.Table:
    """Wire events (fields nested under "fields") as one flat, typed table."""
    count = len(rows)
    extra: dict[str, list] = {}
    for position, row in enumerate(rows):
        for name, value in row.get("fields", {}).items():
            column = extra.get(name)
            if column is None:
                column = extra[name] = [None] * count
            column[position] = value
    arrays = []
    for field in BASE_SCHEMA:
        values = [row.get(field.name) for row in rows]
        if field.name == "started_local":  # ISO text: Arrow parses it, no datetime objects
            arrays.append(pa.array(values, pa.string()).cast(field.type))
        else:
            arrays.append(pa.array(values, field.type))
    fields = list(BASE_SCHEMA)
    for name in sorted(set(extra) - RESERVED):
        try:
            array = pa.array(extra[name])
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: keep them as text
            array = pa.array([None if v is None else json.dumps(v) for v in extra[name]])
        if pa.types.is_null(array.type):
            continue
        arrays.append(array)
        fields.append(pa.field(name, array.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def table_from_json(bodies: list[str], kiosk_id: str) -> pa.Table:
    """Stored event bodies (JSON text) as one flat table, parsed by Arrow in C++; events
    whose fields do not agree on a type take the slower path (event_table)."""
    try:
        parsed = pj.read_json(
            io.BytesIO("\n".join(bodies).encode("utf-8")),
            read_options=pj.ReadOptions(block_size=1 << 30),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return event_table([{**json.loads(b), "kiosk_id": kiosk_id} for b in bodies])
    arrays, fields = [], []
    for field in BASE_SCHEMA:
        if field.name == "kiosk_id":
            arrays.append(pa.array([kiosk_id] * parsed.num_rows, field.type))
        else:
            column = parsed.column(field.name)
            if field.name == "started_local" and pa.types.is_string(column.type):
                column = column.cast(pa.timestamp("ms"))
            arrays.append(column.cast(field.type))
        fields.append(field)
    if "fields" in parsed.column_names and pa.types.is_struct(parsed.schema.field("fields").type):
        nested = parsed.select(["fields"]).flatten()
        for name in sorted(nested.column_names):
            column = nested.column(name)
            if pa.types.is_null(column.type) or name.removeprefix("fields.") in RESERVED:
                continue
            arrays.append(column)
            fields.append(pa.field(name.removeprefix("fields."), column.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


class UsageDataset:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # one move or compaction at a time

    def partition(self, day: str, kiosk_id: str) -> Path:
        return self.root / f"date={day}" / f"kiosk={kiosk_id}"

    def files(self) -> list[Path]:
        return sorted(self.root.glob("date=*/kiosk=*/part-*.parquet"))

    def add(self, rows: list[tuple[int, str, str, str]]) -> None:
        """(stored row number, day, kiosk id, the event as JSON) for each event to move."""
        by_partition: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        for number, day, kiosk_id, body in rows:
            by_partition[(day, kiosk_id)].append((number, body))
        with self._lock:
            for (day, kiosk_id), items in by_partition.items():
                items.sort(key=lambda item: item[0])
                table = table_from_json([body for _, body in items], kiosk_id)
                folder = self.partition(day, kiosk_id)
                folder.mkdir(parents=True, exist_ok=True)
                _write_atomically(table, folder / f"part-{items[0][0]}.parquet")
                self._compact(folder)

    def _compact(self, folder: Path) -> None:
        parts = sorted(folder.glob("part-*.parquet"), key=_part_number)
        if len(parts) <= MAX_PARTS:
            return
        tables = [pq.read_table(part) for part in parts]
        merged = pa.concat_tables(tables, promote_options="permissive")
        merged = merged.sort_by([("started_local", "ascending"), ("session_id", "ascending")])
        _write_atomically(merged, parts[0])  # replaces the first; then the rest go
        for part in parts[1:]:
            part.unlink()

    def export(self, since: dt.date, until: dt.date, kiosk_id: str | None, out: Path) -> int:
        """Rows of days since..until (and one kiosk) into one Parquet file; their count."""
        with self._lock:
            if not self.files():
                pq.write_table(BASE_SCHEMA.empty_table(), out)
                return 0
            where = f"date BETWEEN DATE '{since.isoformat()}' AND DATE '{until.isoformat()}'"
            if kiosk_id is not None:
                where += " AND kiosk = $kiosk"
            glob = str(self.root / "*" / "*" / "*.parquet")
            try:
                return self._export_with_duckdb(glob, where, kiosk_id, out)
            except duckdb.Error:  # a field sent with two types: read it as text
                return self._export_as_text(since, until, kiosk_id, out)

    def _export_with_duckdb(self, glob: str, where: str, kiosk_id: str | None, out: Path) -> int:
        with duckdb.connect() as db:
            source = (
                f"read_parquet('{_quoted(glob)}', hive_partitioning = true, union_by_name = true)"
            )
            parameters = {"kiosk": kiosk_id} if kiosk_id is not None else {}
            count = db.execute(
                f"SELECT count(*) FROM {source} WHERE {where}", parameters
            ).fetchone()[0]
            db.execute(
                f"COPY (SELECT * EXCLUDE (date, kiosk), date, kiosk FROM {source}"
                f" WHERE {where} ORDER BY started_local, session_id, seq)"
                f" TO '{_quoted(str(out))}' (FORMAT parquet, COMPRESSION zstd)",
                parameters,
            )
        return int(count)

    def _export_as_text(
        self, since: dt.date, until: dt.date, kiosk_id: str | None, out: Path
    ) -> int:
        tables = []
        for part in self.files():
            day, kiosk = part.parent.parent.name[5:], part.parent.name[6:]
            if since.isoformat() <= day <= until.isoformat() and kiosk_id in (None, kiosk):
                table = pq.read_table(part)
                table = table.append_column("date", pa.array([day] * table.num_rows))
                tables.append(table.append_column("kiosk", pa.array([kiosk] * table.num_rows)))
        types: dict[str, set] = defaultdict(set)
        for table in tables:
            for field in table.schema:
                types[field.name].add(field.type)
        mixed = {name for name, seen in types.items() if len(seen) > 1}
        tables = [_as_text(table, mixed) for table in tables]
        merged = (
            pa.concat_tables(tables, promote_options="permissive")
            if tables
            else BASE_SCHEMA.empty_table()
        )
        pq.write_table(merged, out, compression="zstd")
        return merged.num_rows


def _part_number(path: Path) -> int:
    return int(path.stem.removeprefix("part-"))


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def _write_atomically(table: pa.Table, path: Path) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, temporary, compression="zstd")
    os.replace(temporary, path)


class UsageIngest:
    """Stores arriving events (once each) and moves them to the dataset in bulk."""

    def __init__(self, store, dataset: UsageDataset, move_at: int = 20_000) -> None:
        self.store = store
        self.dataset = dataset
        self.move_at = move_at
        self._waiting = store.count_usage_events_to_move()
        self._moving = threading.Lock()

    def add(self, kiosk_id: str, events: list[dict]) -> int:
        new = self.store.add_usage_events(kiosk_id, events)
        self._waiting += new
        if self._waiting >= self.move_at and self._moving.acquire(blocking=False):
            try:
                self._move()
            finally:
                self._moving.release()
        return new

    def move_all(self) -> None:
        with self._moving:
            self._move()

    def _move(self) -> None:
        while rows := self.store.usage_events_to_move(200_000):
            self.dataset.add(rows)
            self.store.mark_usage_events_moved(rows[-1][0])
        self._waiting = 0


def _as_text(table: pa.Table, names: set[str]) -> pa.Table:
    for name in names & set(table.column_names):
        values = [None if v is None else json.dumps(v) for v in table.column(name).to_pylist()]
        position = table.column_names.index(name)
        table = table.set_column(position, name, pa.array(values, pa.string()))
    return table
