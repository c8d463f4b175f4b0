"""The maintainers' usage report: figures from usage events, aggregated by DuckDB SQL.

Inputs are exports of one kiosk (`kiosk logs export`: JSON lines, CSV, Parquet), folders
of them, or the backend's fleet dataset (hive-partitioned Parquet); with none, this
kiosk's own usage.db. Every source is read into one view with the catalogue's columns
(a column a source lacks is NULL), then only the events the report needs are kept in a
table and every figure is one SQL query over it. kiosk/usage_report_html.py draws them.

Definitions (the simulation's ground truth uses the same ones):
- a service's funnel counts sessions: `started` chose it and were let in; a step is
  `reached` by the sessions that saw it (screen_shown with a position); `completed` had a
  service_completed; the others `gave up` at the last step they saw.
- time per step: a session's total time on that step (all its visits), median and p90.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from kiosk.usage_export import columns

SQL_TYPES = {
    "string": "VARCHAR",
    "int": "BIGINT",
    "bool": "BOOLEAN",
    "list<string>": "VARCHAR[]",
    "timestamp": "TIMESTAMP",
}
NEEDED = (
    "session_started",
    "card_read",
    "screen_shown",
    "service_chosen",
    "service_completed",
    "help_requested",
    "idle_timeout",
    "voice_repeat",
    "language_chosen",
)
# Only these columns are read: Parquet reads only what is asked for.
COLUMNS = (
    "kiosk_id", "session_id", "event", "started_local", "offset_ms", "service", "step",
    "position", "left_ms", "result", "latency_ms", "text_size", "high_contrast", "language",
)  # fmt: skip
SUFFIXES = {".parquet": "parquet", ".jsonl": "json", ".json": "json", ".csv": "csv"}


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def input_files(inputs: Iterable[Path]) -> dict[str, list[Path]]:
    """Files by reader (parquet, json, csv); folders are searched recursively."""
    found: dict[str, list[Path]] = {"parquet": [], "json": [], "csv": []}
    for path in inputs:
        candidates = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for candidate in candidates:
            reader = SUFFIXES.get(candidate.suffix.lower())
            if reader is not None and not candidate.name.startswith("."):
                found[reader].append(candidate)
            elif not path.is_dir():
                raise ValueError(f"{path}: not a .parquet, .jsonl or .csv file")
    return found


def _source_sql(reader: str, files: list[Path]) -> str:
    names = "[" + ", ".join(_quoted(str(f)) for f in files) + "]"
    if reader == "parquet":
        return f"read_parquet({names}, union_by_name = true, hive_partitioning = true)"
    # CSV holds a list as a JSON array: read as text, parsed in _select_columns.
    text_lists = reader == "csv"
    typed = ", ".join(
        f"{_quoted(name)}: "
        + _quoted("VARCHAR" if kind == "list<string>" and text_lists else SQL_TYPES[kind])
        for name, kind in columns()
    )
    if reader == "json":
        return f"read_json({names}, format = 'newline_delimited', columns = {{{typed}}})"
    return f"read_csv({names}, header = true, columns = {{{typed}}})"


def _select_columns(db: duckdb.DuckDBPyConnection, source: str) -> str:
    present = {row[0] for row in db.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    chosen = []
    for name, kind in columns():
        if name not in COLUMNS:
            continue
        sql_type = SQL_TYPES[kind]
        if name not in present:
            chosen.append(f"CAST(NULL AS {sql_type}) AS {name}")
        elif kind == "list<string>":
            chosen.append(
                f"CASE WHEN typeof({name}) = 'VARCHAR'"
                f" THEN from_json({name}::VARCHAR, '[\"VARCHAR\"]')"
                f" ELSE {name}::VARCHAR[] END AS {name}"
            )
        else:
            chosen.append(f"CAST({name} AS {sql_type}) AS {name}")
    return ", ".join(chosen)


def open_events(
    inputs: list[Path], local: pa.Table | None = None, threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with table `ev`: the events the report needs, from every input
    (or from `local`, this kiosk's rows as an Arrow table)."""
    db = duckdb.connect()
    if threads:
        db.execute(f"SET threads = {int(threads)}")
    sources = []
    if local is not None:
        db.register("local_rows", local)
        sources.append("local_rows")
    for reader, files in input_files(inputs).items():
        if files:
            sources.append(_source_sql(reader, files))
    if not sources:
        raise ValueError("no usage events to read")
    wanted = ", ".join(_quoted(name) for name in NEEDED)
    union = " UNION ALL ".join(
        f"SELECT {_select_columns(db, source)} FROM {source} WHERE event IN ({wanted})"
        for source in sources
    )
    db.execute(f"CREATE TABLE ev AS {union}")
    return db


def _rows(db: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = db.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


FUNNEL_SERVICES = """
SELECT service,
       count(DISTINCT session_id) FILTER (WHERE event = 'service_chosen' AND result = 'started')
           AS started,
       count(DISTINCT session_id) FILTER (WHERE event = 'service_chosen'
                                          AND result = 'not_eligible') AS not_eligible,
       count(DISTINCT session_id) FILTER (WHERE event = 'service_completed') AS completed
FROM ev WHERE service IS NOT NULL AND event IN ('service_chosen', 'service_completed')
GROUP BY service ORDER BY started DESC, service
"""
FUNNEL_STEPS = """
WITH shown AS (
    SELECT session_id, service, step, position, offset_ms,
           left_ms - offset_ms AS spent_ms
    FROM ev WHERE event = 'screen_shown' AND position IS NOT NULL
),
per_session AS (
    SELECT service, step, session_id, min(position) AS position, sum(spent_ms) AS spent_ms
    FROM shown GROUP BY ALL
),
completed AS (
    SELECT DISTINCT session_id, service FROM ev WHERE event = 'service_completed'
),
last_seen AS (
    SELECT session_id, service, arg_max(step, offset_ms) AS step
    FROM shown GROUP BY ALL
),
gave_up AS (
    SELECT l.service, l.step, count(*) AS gave_up
    FROM last_seen l ANTI JOIN completed c USING (session_id, service)
    GROUP BY ALL
),
asked AS (
    SELECT service, step,
           count(*) FILTER (WHERE event = 'help_requested') AS help,
           count(*) FILTER (WHERE event = 'idle_timeout') AS idle_timeouts,
           count(*) FILTER (WHERE event = 'voice_repeat') AS voice_repeats
    FROM ev WHERE event IN ('help_requested', 'idle_timeout', 'voice_repeat')
    GROUP BY ALL
)
SELECT p.service, p.step,
       round(avg(p.position), 2) AS position,
       count(*) AS reached,
       coalesce(any_value(g.gave_up), 0) AS gave_up,
       CAST(round(median(p.spent_ms)) AS BIGINT) AS median_ms,
       CAST(round(quantile_cont(p.spent_ms, 0.9)) AS BIGINT) AS p90_ms,
       coalesce(any_value(a.help), 0) AS help,
       coalesce(any_value(a.idle_timeouts), 0) AS idle_timeouts,
       coalesce(any_value(a.voice_repeats), 0) AS voice_repeats
FROM per_session p
LEFT JOIN gave_up g USING (service, step)
LEFT JOIN asked a USING (service, step)
GROUP BY p.service, p.step
ORDER BY p.service, position, p.step
"""
CARD_FAILURES = """
SELECT result AS cause, count(*) AS reads FROM ev
WHERE event = 'card_read' AND result <> 'ok' GROUP BY ALL ORDER BY reads DESC, cause
"""
CARD_TOTALS = """
SELECT count(*) AS reads, count(*) FILTER (WHERE result = 'ok') AS ok,
       CAST(round(median(latency_ms) FILTER (WHERE result = 'ok')) AS BIGINT)
           AS median_latency_ms
FROM ev WHERE event = 'card_read'
"""
BY_HOUR = """
SELECT hour(started_local) AS hour, count(*) AS sessions FROM ev
WHERE event = 'session_started' GROUP BY ALL ORDER BY hour
"""
BY_WEEKDAY = """
SELECT isodow(started_local) AS weekday, count(*) AS sessions FROM ev
WHERE event = 'session_started' GROUP BY ALL ORDER BY weekday
"""
SETTINGS = """
SELECT 'text_size' AS setting, text_size AS value, count(*) AS sessions FROM ev
WHERE event = 'session_started' GROUP BY ALL
UNION ALL
SELECT 'high_contrast', CAST(high_contrast AS VARCHAR), count(*) FROM ev
WHERE event = 'session_started' GROUP BY ALL
UNION ALL
SELECT 'language', language, count(*) FROM ev WHERE event = 'session_started' GROUP BY ALL
UNION ALL
SELECT 'language_chosen', language, count(*) FROM ev WHERE event = 'language_chosen'
GROUP BY ALL
ORDER BY setting, sessions DESC, value
"""
SUMMARY = """
SELECT count(*) FILTER (WHERE event = 'session_started') AS sessions,
       count(DISTINCT kiosk_id) AS kiosks,
       CAST(min(started_local) AS DATE) AS first_day,
       CAST(max(started_local) AS DATE) AS last_day
FROM ev
"""


def figures(db: duckdb.DuckDBPyConnection) -> dict:
    """Every figure of the report, as plain data (also written as report.json)."""
    steps = _rows(db, FUNNEL_STEPS)
    services = _rows(db, FUNNEL_SERVICES)
    for service in services:
        service["steps"] = [
            {k: v for k, v in step.items() if k != "service"}
            for step in steps
            if step["service"] == service["service"]
        ]
    summary = _rows(db, SUMMARY)[0]
    for key in ("first_day", "last_day"):
        summary[key] = summary[key].isoformat() if summary[key] is not None else None
    return {
        "summary": summary,
        "services": services,
        "card_reads": _rows(db, CARD_TOTALS)[0],
        "card_failures": _rows(db, CARD_FAILURES),
        "by_hour": _rows(db, BY_HOUR),
        "by_weekday": _rows(db, BY_WEEKDAY),
        "settings": _rows(db, SETTINGS),
    }


def report_figures(inputs: list[Path], local: pa.Table | None = None) -> dict:
    with open_events(inputs, local) as db:
        return figures(db)
