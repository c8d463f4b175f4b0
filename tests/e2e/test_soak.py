"""The soak test's short version (benchmarks/soak.py runs it for 10 minutes and more)."""

import json

from tests.helpers.soak import run_soak


def test_a_bad_day_loses_nothing_doubles_nothing_and_the_loop_lives(tmp_path):
    result = run_soak(tmp_path / "soak", duration_s=60, kiosks=2, seed=20261121)
    report = result.report()
    print(json.dumps(report, ensure_ascii=False, indent=1))
    assert report["problems"] == []
    # The bad day really happened:
    assert report["receipts_confirmed"] >= 50
    assert report["sigkills"] >= 2 and report["clock_jumps"] >= 2
    assert report["sync_once_runs"] >= 5
    served = report["faults_served"]
    assert served["pass"] > 0 and sum(served.values()) - served["pass"] > 0
    assert report["audit_actions_reported"].get("login_failed", 0) > 0
    assert report["audit_actions_reported"].get("staff_called", 0) > 0
    assert report["sync_loops_alive"]
