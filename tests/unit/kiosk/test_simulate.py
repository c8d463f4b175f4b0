"""`kiosk simulate` through the real core, store, sync loop and backend."""

import json

import pytest

from kiosk.config import KioskConfig
from kiosk.core import KioskCore
from kiosk.simulate import Simulation, identities_from_csv, run_simulation
from tests.helpers.cards import CHEN_XIUYING, WANG_YAN
from tests.helpers.enrolment import enrolled


def test_sessions_from_a_csv_reach_the_backend_and_the_summary_has_no_personal_data(
    tmp_path, backend
):
    people = tmp_path / "people.csv"
    people.write_text(
        "name,id_number,phone\n"
        f"{WANG_YAN[0]},{WANG_YAN[1]},13812345678\n"
        f"{CHEN_XIUYING[0]},{CHEN_XIUYING[1]},13987654321\n",
        encoding="utf-8",
    )
    core = KioskCore(KioskConfig.load(tmp_path, **enrolled(tmp_path, backend_url=backend.url)))
    core.pin.set_pin("135790")
    simulation = Simulation(
        core,
        sessions=20,
        services=["pension_certification", "hotline_12345"],
        seed=5,
        staff=True,
        staff_pin="135790",
        identities=identities_from_csv(people),
        pause_s=0.01,
    )
    summary = run_simulation(core, simulation, drain_s=20)
    assert summary.sessions == 20
    assert len(summary.tracking_numbers) == summary.submitted + summary.ratings > 0
    assert summary.queue["sent"] == len(summary.tracking_numbers)
    assert summary.sync_loop_alive
    stored = sorted(row[1] for row in backend.rows())
    assert stored == sorted(summary.tracking_numbers)
    text = json.dumps(summary.as_json(), ensure_ascii=False)
    for secret in (*WANG_YAN, *CHEN_XIUYING, "13812345678", "13987654321"):
        assert secret not in text


def test_a_bad_identities_file_names_its_line_not_the_number(tmp_path):
    bad = tmp_path / "people.csv"
    bad.write_text("王伟,445281195207081311,138\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"people.csv:1: the ID number fails") as caught:
        identities_from_csv(bad)
    assert "445281195207081311" not in str(caught.value)
