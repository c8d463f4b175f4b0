"""Issue 13's settings where a maintainer types them: `kiosk screenshots --screen`,
`screen_dpi` in kiosk.toml, and what `kiosk doctor` says about the screen in use."""

import argparse
import json

import pytest

from kiosk.config import KioskConfig
from kiosk.display_facts import DISPLAY_FILE
from kiosk.doctor import check_display
from kiosk_cli.run import parse_screen


def test_screen_is_width_x_height_with_an_optional_dpi():
    assert parse_screen("1366x768@85") == (1366, 768, 85.0)
    assert parse_screen("1080X1920") == (1080, 1920, None)
    for wrong in ("1366", "1366x", "axb", "1366x768@", "1366x768@abc", "100x100", "1366x768@1000"):
        with pytest.raises(argparse.ArgumentTypeError, match="WxH|out of range"):
            parse_screen(wrong)


def test_a_wrong_screen_dpi_in_kiosk_toml_runs_on_the_default_and_says_so(tmp_path):
    """As every setting: a wrong value is a problem staff see, not a crash."""
    (tmp_path / "kiosk.toml").write_text("screen_dpi = 1000.0\n")
    config = KioskConfig.load(tmp_path)
    assert config.screen_dpi == 0.0  # automatic: from the screen
    assert [str(problem) for problem in config.problems] == [
        "kiosk.toml: screen_dpi = 1000: expected 0 (automatic) or 60 to 320; using the default 0"
    ]
    (tmp_path / "kiosk.toml").write_text("screen_dpi = 96.0\n")
    assert KioskConfig.load(tmp_path).screen_dpi == 96.0


def test_doctor_says_which_dpi_the_running_window_uses(tmp_path):
    config = KioskConfig.load(tmp_path)
    before = check_display(config)
    assert before.ok and "has not run" in before.detail
    facts = {"width_px": 1366, "height_px": 768, "dpi": 85.0, "source": "screen (EDID)",
             "reported_mm": [409, 230], "relayout_ms": 80.0}  # fmt: skip
    (tmp_path / DISPLAY_FILE).write_text(json.dumps(facts))
    shown = check_display(config)
    assert shown.ok and "1366x768 at 85 DPI from screen (EDID)" in shown.detail
    (tmp_path / DISPLAY_FILE).write_text(json.dumps({"dpi": "x"}))
    assert not check_display(config).ok
