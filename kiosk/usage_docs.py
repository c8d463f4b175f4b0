"""docs/usage-events.md, generated from the catalogue (kiosk/usage_catalogue.py).

`python -m kiosk.usage_docs --write` writes it; tests/unit/kiosk/test_usage_catalogue.py
fails when the file in the repository is out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.usage_catalogue import BASE_COLUMNS, CATALOGUE_VERSION, EVENTS

DOCS_PATH = Path(__file__).resolve().parent.parent / "docs" / "usage-events.md"
REGENERATE = "python -m kiosk.usage_docs --write"

DUCKDB_QUERY = """\
-- Where villagers give up, per service and step, over the whole fleet
WITH shown AS (
    SELECT kiosk_id, session_id, service, step, offset_ms
    FROM read_parquet('usage-events/*/*/*.parquet', hive_partitioning = true,
                      union_by_name = true)
    WHERE event = 'screen_shown' AND position IS NOT NULL
      AND date BETWEEN DATE '2026-11-01' AND DATE '2026-11-30'
),
completed AS (
    SELECT DISTINCT kiosk_id, session_id, service
    FROM read_parquet('usage-events/*/*/*.parquet', hive_partitioning = true,
                      union_by_name = true)
    WHERE event = 'service_completed'
)
SELECT service, last_step AS step, count(*) AS gave_up
FROM (SELECT kiosk_id, session_id, service, arg_max(step, offset_ms) AS last_step
      FROM shown GROUP BY ALL) AS last_seen
ANTI JOIN completed USING (kiosk_id, session_id, service)
GROUP BY ALL ORDER BY gave_up DESC;"""

SPARK_QUERY = """\
from pyspark.sql import SparkSession, functions as F

spark = SparkSession.builder.appName("kiosk-usage").getOrCreate()
events = (
    spark.read.option("mergeSchema", "true")
    .parquet("s3://province/usage-events/")
    .where(F.col("date").between("2026-11-01", "2026-11-30"))
)  # partitions pruned
steps = (
    events.where((F.col("event") == "screen_shown") & F.col("position").isNotNull())
    .withColumn("spent_ms", F.col("left_ms") - F.col("offset_ms"))
    .groupBy("kiosk_id", "session_id", "service", "step")
    .agg(F.sum("spent_ms").alias("spent_ms"))
)
(
    steps.groupBy("service", "step")
    .agg(
        F.countDistinct("kiosk_id", "session_id").alias("reached"),
        F.percentile_approx("spent_ms", 0.5).alias("median_ms"),
        F.percentile_approx("spent_ms", 0.9).alias("p90_ms"),
    )
    .orderBy("service", "step")
    .show(200, truncate=False)
)"""


def describe_events() -> str:
    lines = [
        "# Usage events",
        "",
        f"<!-- Generated from kiosk/usage_catalogue.py by `{REGENERATE}`; do not edit. -->",
        "",
        "De-identified events for maintainers: where villagers give up, which screen makes "
        "them ask for help, which settings they need. The kiosk records only the events "
        "below, with only their fields; the recorder (`kiosk/usage.py`) refuses anything "
        "else. Every value is an enum, a bounded number, a flag, an id of the active catalog "
        "or a tap target cut at its first digit: never a name, an ID, phone, card or "
        "tracking number, an address or free text. Age band and sex only when staff switch "
        "on `usage_demographics` (off by default).",
        "",
        "Time: only the session start reads the wall clock (`started_local`, kiosk local "
        "time, with `utc_offset_min`); every event's `offset_ms` counts monotonic "
        "milliseconds from it, so durations hold when the clock is wrong (ODK's audit log). "
        "An interval (`screen_shown`) is entered at `offset_ms` and left at `left_ms`.",
        "",
        "Where they go: `<data dir>/usage.db` (kept `usage_retention_days`), then in batches "
        "of up to 500 through the outbox to `POST /api/v1/usage-events`; the backend keeps "
        "every kiosk's events as Parquet, `usage-events/date=YYYY-MM-DD/kiosk=ID/"
        "part-N.parquet` (compacted), exported by `GET /api/v1/usage-events/export?since="
        "&until=[&kiosk=]`. `kiosk logs export` and `kiosk logs report` read them.",
        "",
        f"Catalogue version {CATALOGUE_VERSION}.",
        "",
        "## Columns of every row",
        "",
        "| column | type | meaning |",
        "|---|---|---|",
    ]
    lines += [f"| `{name}` | {kind} | {text} |" for name, kind, text in BASE_COLUMNS]
    lines += [
        "",
        "The backend's dataset adds the partition columns `date` and `kiosk`. A field below "
        "is a column of its own (empty in rows of other events).",
        "",
        "## Events",
        "",
    ]
    for event in EVENTS:
        lines += [
            f"### {event.id} `{event.name}` (since {event.since})",
            "",
            event.description,
            "",
        ]
        if event.fields:
            lines += ["| field | type | allowed | meaning |", "|---|---|---|---|"]
            for field in event.fields:
                optional = " (optional)" if field.optional else ""
                lines.append(
                    f"| `{field.name}` | {field.column_type}{optional} | {field.allowed()} |"
                    f" {field.description} |"
                )
            lines.append("")
    lines += [
        "## Reading the fleet's files",
        "",
        "DuckDB, on one machine (months of a province's events):",
        "",
        "```sql",
        DUCKDB_QUERY,
        "```",
        "",
        "Spark, when the fleet outgrows one machine (Trino and ClickHouse read the same "
        "hive-partitioned files):",
        "",
        "```python",
        SPARK_QUERY,
        "```",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write {DOCS_PATH}")
    args = parser.parse_args(argv)
    text = describe_events()
    if args.write:
        DOCS_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {DOCS_PATH}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
