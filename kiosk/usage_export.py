"""`kiosk logs export`: this kiosk's usage events as JSON lines, CSV or Parquet.

One flat row per event: the base columns, then one column per catalogue field (empty
where the event has no such field), typed from the catalogue, so the same SQL reads an
export, a folder of them or the backend's fleet dataset.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from kiosk.usage_catalogue import BASE_COLUMNS, field_columns

FORMATS = ("jsonl", "csv", "parquet")
_ARROW = {
    "string": pa.string(),
    "int": pa.int64(),
    "bool": pa.bool_(),
    "list<string>": pa.list_(pa.string()),
    "timestamp": pa.timestamp("ms"),
}
_NARROW = {"seq": pa.int32(), "utc_offset_min": pa.int16()}


def columns() -> list[tuple[str, str]]:
    """(name, type) of every exported column, in order."""
    base = [(name, kind) for name, kind, _ in BASE_COLUMNS]
    return base + [(name, field.column_type) for name, field in field_columns().items()]


def arrow_schema() -> pa.Schema:
    return pa.schema([pa.field(name, _NARROW.get(name, _ARROW[kind])) for name, kind in columns()])


def export(rows: Iterable[dict], kiosk_id: str, out: Path, fmt: str) -> int:
    """Write `rows` (kiosk/usage_store.UsageStore.rows) to `out`; returns the count."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    names = [name for name, _ in columns()]
    count = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        table = rows_table(rows, kiosk_id)
        pq.write_table(table, out, compression="zstd")
        return table.num_rows
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle) if fmt == "csv" else None
        if writer is not None:
            writer.writerow(names)
        for row in rows:
            row = {**row, "kiosk_id": kiosk_id}
            if writer is not None:
                writer.writerow([_csv_value(row.get(name)) for name in names])
            else:
                record = {name: row.get(name) for name in names}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def rows_table(rows: Iterable[dict], kiosk_id: str) -> pa.Table:
    schema = arrow_schema()
    values: dict[str, list] = {name: [] for name in schema.names}
    for row in rows:
        row = {**row, "kiosk_id": kiosk_id}
        row["started_local"] = dt.datetime.fromisoformat(row["started_local"])
        for name, column in values.items():
            column.append(row.get(name))
    return pa.Table.from_pydict(values, schema=schema)


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value)  # a list column as a JSON array: DuckDB casts it back
    return value
