"""Done-when of the usage logs (issue 15), end to end through the `kiosk` command, the
real core, store, sync loop and backend:

- 200 simulated sessions with known names, ID numbers, phone numbers and addresses: no
  export (jsonl, csv, parquet), no part of the backend's copy and no report holds any of
  them, nor any 18-character string passing the ID check digit, nor any 11-digit mobile
  number;
- the report built from those sessions renders (its charts are real images) and its
  funnel figures equal the simulation's ground truth exactly, for this kiosk's own log
  and for the backend's fleet dataset.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import requests

from drivers import id_number as idn
from tests.helpers.backend import AUTH
from tests.helpers.enrolment import write_enrolled_toml

SURNAMES = "欧阳司马诸葛王李张"
STREETS = ("幸福路", "和平街", "建设大道", "人民路")
DIGIT_RUN = re.compile(r"[0-9Xx]{18,}")
MOBILE = re.compile(r"1[3-9][0-9]{9}")


def people(count: int, rng: random.Random) -> list[tuple[str, str, str, str]]:
    found = []
    for n in range(count):
        born = f"{rng.randint(1930, 1965)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        number = idn.with_check_character(f"445281{born}{rng.randint(0, 999):03d}")
        name = f"{rng.choice(SURNAMES)}测{n}号"
        phone = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"
        address = f"广东省揭阳市{rng.choice(STREETS)}{rng.randint(1, 999)}号{n}室"
        found.append((name, number, phone, address))
    return found


def personal_data_in(text: str, secrets: set[str]) -> list[str]:
    """Everything in `text` that is, or looks like, a villager's personal data."""
    found = [secret for secret in secrets if secret in text]
    for run in DIGIT_RUN.findall(text):
        found += [run[i : i + 18] for i in range(len(run) - 17) if idn.is_valid(run[i : i + 18])]
    for run in re.findall(r"[0-9]{11,}", text):
        found += MOBILE.findall(run)
    return found


def test_the_scanner_finds_what_it_looks_for():
    number = idn.with_check_character("44528119520708131")
    assert number in personal_data_in(f'{{"x": "{number}"}}', set())
    assert personal_data_in("tel:13812345678;", set()) == ["13812345678"]
    assert personal_data_in("no,013812345678,", set()) == ["13812345678"]
    assert personal_data_in("欧阳测1号 lives here", {"欧阳测1号"}) == ["欧阳测1号"]
    assert personal_data_in("2026-11-21T10:00:00.000,480,86400000", set()) == []


def kiosk(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk_cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """One kiosk's 200 simulated sessions, exported every way, with the backend's copy."""
    from tests.helpers.backend import BackendProcess

    root = tmp_path_factory.mktemp("usage")
    backend = BackendProcess(root / "backend.db")
    backend.start()
    try:
        data = root / "kiosk"
        write_enrolled_toml(data, f'backend_url = "{backend.url}"\n')
        crowd = people(40, random.Random(15))
        csv = root / "people.csv"
        csv.write_text(
            "name,id_number,phone,address\n" + "".join(",".join(p) + "\n" for p in crowd),
            encoding="utf-8",
        )
        run = kiosk(
            data, "simulate", "--sessions", "200", "--identities", str(csv),
            "--abandon-rate", "0.35", "--seed", "15", "--drain-s", "60",
        )  # fmt: skip
        summary = json.loads(run.stdout)
        exports = {}
        for fmt in ("jsonl", "csv", "parquet"):
            exports[fmt] = root / f"export.{fmt}"
            kiosk(data, "logs", "export", "--format", fmt, "--out", str(exports[fmt]))
        answer = requests.get(
            backend.url + "/api/v1/usage-events/export?since=2000-01-01&until=2100-12-31",
            headers=AUTH,
            timeout=30,
        )
        assert answer.status_code == 200
        (root / "backend-export.parquet").write_bytes(answer.content)
        kiosk(data, "logs", "report", "--out", str(root / "report-local"))
        dataset = root / "usage-events"
        kiosk(data, "logs", "report", "--out", str(root / "report-fleet"), "--input", str(dataset))
    finally:
        backend.stop()
    return {"root": root, "summary": summary, "crowd": crowd, "exports": exports}


def texts(fleet) -> dict[str, str]:
    """Every output as text: the exports, the backend's copy (its export, its Parquet
    files decoded and raw, its SQLite rows) and the reports."""
    root = fleet["root"]
    found = {
        "jsonl": fleet["exports"]["jsonl"].read_text(encoding="utf-8"),
        "csv": fleet["exports"]["csv"].read_text(encoding="utf-8"),
    }
    parquets = [fleet["exports"]["parquet"], root / "backend-export.parquet"]
    parquets += sorted((root / "usage-events").rglob("*.parquet"))
    for path in parquets:
        rows = pq.read_table(path).to_pylist()
        found[f"{path.name} rows"] = json.dumps(rows, ensure_ascii=False, default=str)
        found[f"{path} bytes"] = path.read_bytes().decode("latin-1")
    with sqlite3.connect(root / "backend.db") as conn:
        found["backend usage_events"] = "\n".join(
            body for (body,) in conn.execute("SELECT body FROM usage_events")
        )
    for report in ("report-local", "report-fleet"):
        for page in sorted((root / report).iterdir()):
            found[f"{report}/{page.name}"] = page.read_text(encoding="utf-8")
    return found


def test_no_personal_data_in_any_export_the_backend_or_the_report(fleet):
    summary = fleet["summary"]
    assert summary["sessions"] == 200 and summary["submitted"] > 0
    secrets = {value for person in fleet["crowd"] for value in person}
    outputs = texts(fleet)
    assert len(json.loads(outputs["backend-export.parquet rows"])) > 1000  # really there
    assert len(outputs["jsonl"].splitlines()) > 1000
    for where, text in outputs.items():
        assert personal_data_in(text, secrets) == [], where


class Funnels(HTMLParser):
    """The funnel figures as the report page shows them (its data-* attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.services: dict[str, dict] = {}
        self._current: dict | None = None
        self.svgs = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "data-service" in attrs:
            self._current = {
                "started": int(attrs["data-started"]),
                "not_eligible": int(attrs["data-not-eligible"]),
                "completed": int(attrs["data-completed"]),
                "steps": {},
            }
            self.services[attrs["data-service"]] = self._current
        elif tag == "tr" and "data-step" in attrs and self._current is not None:
            self._current["steps"][attrs["data-step"]] = {
                "reached": int(attrs["data-reached"]),
                "gave_up": int(attrs["data-gave-up"]),
            }
        elif tag == "svg":
            self.svgs += 1


def truth_funnels(summary: dict) -> dict:
    return {
        service: {
            "started": truth["started"],
            "not_eligible": truth["not_eligible"],
            "completed": truth["completed"],
            "steps": {
                step: {"reached": t["reached"], "gave_up": t["gave_up"]}
                for step, t in truth["steps"].items()
            },
        }
        for service, truth in summary["usage_truth"].items()
    }


@pytest.mark.parametrize("report", ["report-local", "report-fleet"])
def test_the_report_s_funnel_equals_the_simulation_s_ground_truth(fleet, report):
    truth = truth_funnels(fleet["summary"])
    assert sum(t["started"] for t in truth.values()) > 100
    assert sum(s["gave_up"] for t in truth.values() for s in t["steps"].values()) > 30
    page = Funnels()
    page.feed((fleet["root"] / report / "index.html").read_text(encoding="utf-8"))
    assert page.services == truth
    figures = json.loads((fleet["root"] / report / "report.json").read_text(encoding="utf-8"))
    for service in figures["services"]:
        steps = {s["step"]: s for s in service["steps"]}
        expected = fleet["summary"]["usage_truth"][service["service"]]["steps"]
        for step, counts in expected.items():
            assert steps[step]["help"] == counts["help"]
            assert steps[step]["idle_timeouts"] == counts["idle_timeouts"]
            assert steps[step]["voice_repeats"] == counts["voice_repeats"]


def test_the_report_opens_offline_and_its_charts_are_real_images(fleet, qapp):
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    text = (fleet["root"] / "report-fleet" / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)  # nothing to fetch
    assert "<script" not in text
    svgs = re.findall(r"<svg.*?</svg>", text, flags=re.S)
    assert len(svgs) >= 2 * len(fleet["summary"]["usage_truth"]) + 3
    drawn = 0
    for svg in svgs:
        rects = ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}rect")  # well-formed XML
        widest = max((float(r.get("width")) for r in rects), default=0.0)
        renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
        assert renderer.isValid()
        size = renderer.defaultSize()
        image = QImage(size, QImage.Format.Format_ARGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        blue = sum(
            1
            for x in range(0, size.width(), 2)
            for y in range(0, size.height(), 2)
            if image.pixelColor(x, y).blue() > 150 and image.pixelColor(x, y).red() < 60
        )
        red = sum(
            1
            for x in range(0, size.width(), 2)
            for y in range(0, size.height(), 2)
            if image.pixelColor(x, y).red() > 150 and image.pixelColor(x, y).green() < 60
        )
        if widest >= 2:  # a chart of all zeros (a service nobody was let into) draws none
            assert blue + red > 20, svg[:200]  # the bars were really painted
            drawn += 1
    assert drawn >= len(svgs) // 2
