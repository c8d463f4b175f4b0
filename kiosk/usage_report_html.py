"""The usage report as one self-contained HTML page: inline CSS, charts as inline SVG
drawn here (no script, no CDN, no font download), readable offline by anyone.

Tables carry data-* attributes with the raw figures, so a test (or a maintainer's script)
can read them back from the page itself.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans",sans-serif;margin:2rem;color:#1a1a1a;
max-width:70rem}h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2.2rem;
border-bottom:2px solid #1a5fb4}h3{font-size:1.1rem}table{border-collapse:collapse;
margin:.6rem 0}td,th{border:1px solid #bbb;padding:.25rem .6rem;text-align:right}
td:first-child,th:first-child{text-align:left}.note{color:#555;max-width:50rem}
figure{margin:.5rem 0}figcaption{color:#555;font-size:.9rem}
"""
BAR = "#1a5fb4"
GAVE_UP = "#c01c28"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value / 1000:.1f} s"


def bar_chart(title: str, labels: list[str], values: list[float], *, highlight=None) -> str:
    """Horizontal bars, one per label, with the value written beside each."""
    row_h, label_w, bar_w = 22, 220, 360
    height = row_h * len(labels) + 10
    top = max(values, default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_w + bar_w + 80}"'
        f' height="{height}" viewBox="0 0 {label_w + bar_w + 80} {height}">',
        f"<title>{_e(title)}</title>",
    ]
    for row, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 5 + row * row_h
        width = bar_w * value / top
        colour = highlight[row] if highlight else BAR
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="13">'
            f"{_e(label)}</text>"
            f'<rect x="{label_w}" y="{y + 2}" width="{width:.1f}" height="{row_h - 6}"'
            f' fill="{colour}"/>'
            f'<text x="{label_w + width + 5:.1f}" y="{y + 15}" font-size="13">{value:g}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(title: str, labels: list[str], values: list[float]) -> str:
    """Vertical columns (hours of the day, weekdays)."""
    col_w, chart_h = 26, 160
    width = col_w * len(labels) + 40
    top = max(values, default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}"'
        f' height="{chart_h + 40}" viewBox="0 0 {width} {chart_h + 40}">',
        f"<title>{_e(title)}</title>",
        f'<line x1="20" y1="{chart_h + 10}" x2="{width - 10}" y2="{chart_h + 10}" stroke="#555"/>',
    ]
    for position, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = 20 + position * col_w
        h = chart_h * value / top
        parts.append(
            f'<rect x="{x + 3}" y="{chart_h + 10 - h:.1f}" width="{col_w - 6}" height="{h:.1f}"'
            f' fill="{BAR}"><title>{_e(label)}: {value:g}</title></rect>'
            f'<text x="{x + col_w / 2}" y="{chart_h + 26}" text-anchor="middle"'
            f' font-size="11">{_e(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _funnel(service: dict) -> str:
    steps = service["steps"]
    labels = ["started", *[s["step"] for s in steps], "completed"]
    values = [service["started"], *[s["reached"] for s in steps], service["completed"]]
    chart = bar_chart(f"Funnel of {service['service']}", labels, values)
    gave_up = bar_chart(
        f"Where villagers gave up in {service['service']}",
        [s["step"] for s in steps],
        [s["gave_up"] for s in steps],
        highlight=[GAVE_UP] * len(steps),
    )
    rows = "".join(
        f'<tr data-step="{_e(s["step"])}" data-reached="{s["reached"]}"'
        f' data-gave-up="{s["gave_up"]}"><td>{_e(s["step"])}</td><td>{s["reached"]}</td>'
        f"<td>{s['gave_up']}</td><td>{_ms(s['median_ms'])}</td><td>{_ms(s['p90_ms'])}</td>"
        f"<td>{s['help']}</td><td>{s['idle_timeouts']}</td><td>{s['voice_repeats']}</td></tr>"
        for s in steps
    )
    return (
        f'<section class="service" data-service="{_e(service["service"])}"'
        f' data-started="{service["started"]}" data-completed="{service["completed"]}"'
        f' data-not-eligible="{service["not_eligible"]}">'
        f"<h3>{_e(service['service'])}</h3>"
        f"<p>{service['started']} started, {service['completed']} completed,"
        f" {service['not_eligible']} turned away by the service's rules.</p>"
        f"<figure>{chart}<figcaption>How many sessions reached each step</figcaption></figure>"
        f"<figure>{gave_up}<figcaption>Last step seen by those who did not complete"
        "</figcaption></figure>"
        '<table class="funnel"><tr><th>step</th><th>reached</th><th>gave up here</th>'
        "<th>median time</th><th>p90 time</th><th>help requests</th><th>idle timeouts</th>"
        f"<th>voice repeats</th></tr>{rows}</table></section>"
    )


def _table(headers: list[str], rows: list[list[object]], name: str) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f'<table class="{name}"><tr>{head}</tr>{body}</table>'


def render(figures: dict) -> str:
    summary = figures["summary"]
    hours = {row["hour"]: row["sessions"] for row in figures["by_hour"]}
    days = {row["weekday"]: row["sessions"] for row in figures["by_weekday"]}
    failures = figures["card_failures"]
    reads = figures["card_reads"]
    settings = figures["settings"]
    sections = [
        f"<h1>Kiosk usage report</h1><p>{summary['sessions']} sessions on"
        f" {summary['kiosks']} kiosk(s), {summary['first_day']} to {summary['last_day']}.</p>"
        '<p class="note">De-identified usage events only: no names, ID, phone, card or'
        " tracking numbers, addresses or free text ever reach this report.</p>",
        "<h2>Where villagers give up: the funnel of each service</h2>",
        *[_funnel(service) for service in figures["services"]],
        "<h2>Card reads</h2>",
        f"<p>{reads['reads']} reads, {reads['ok']} read well"
        f" (median {reads['median_latency_ms'] or 0:g} ms).</p>",
        bar_chart(
            "Card-read failures by cause",
            [f["cause"] for f in failures],
            [f["reads"] for f in failures],
            highlight=[GAVE_UP] * len(failures),
        )
        if failures
        else "<p>No failed reads.</p>",
        _table(["cause", "reads"], [[f["cause"], f["reads"]] for f in failures], "card-failures"),
        "<h2>When the kiosk is used</h2>",
        "<figure>"
        + column_chart(
            "Sessions by hour of day",
            [str(h) for h in range(24)],
            [hours.get(h, 0) for h in range(24)],
        )
        + "<figcaption>Sessions by hour of the day (kiosk local time)</figcaption></figure>",
        "<figure>"
        + column_chart("Sessions by weekday", list(WEEKDAYS), [days.get(d, 0) for d in range(1, 8)])
        + "<figcaption>Sessions by weekday</figcaption></figure>",
        "<h2>Text size, contrast and language</h2>",
        bar_chart(
            "Settings in use",
            [f"{s['setting']}: {s['value']}" for s in settings],
            [s["sessions"] for s in settings],
        ),
        _table(
            ["setting", "value", "sessions"],
            [[s["setting"], s["value"], s["sessions"]] for s in settings],
            "settings",
        ),
    ]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Kiosk usage report</title>"
        f"<style>{CSS}</style></head><body>{''.join(sections)}</body></html>"
    )


def write_report(figures: dict, out: Path) -> Path:
    """index.html and report.json (the same figures) in `out`; returns the page."""
    out.mkdir(parents=True, exist_ok=True)
    page = out / "index.html"
    page.write_text(render(figures), encoding="utf-8")
    (out / "report.json").write_text(
        json.dumps(figures, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
    )
    return page
