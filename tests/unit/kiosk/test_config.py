import logging
import os
from pathlib import Path

import pytest

from kiosk.config import DEMO_IDENTITY, ConfigProblem, KioskConfig
from kiosk.config_docs import DOCS_PATH, REGENERATE_DOCS, describe_settings

TOKEN = "t0ken-for-kiosk-0042-abcdef"


def enrolment(**changes: str | None) -> str:
    """kiosk.toml lines of an enrolled kiosk; a change of None leaves that key out."""
    values = {"kiosk_id": '"kiosk-0042"', "kiosk_number": '"0042"', "backend_token": f'"{TOKEN}"'}
    values.update(changes)
    return "".join(f"{key} = {value}\n" for key, value in values.items() if value is not None)


ENROLMENT = enrolment()


def load_toml(tmp_path: Path, text: str, **overrides) -> KioskConfig:
    (tmp_path / "kiosk.toml").write_text(text, encoding="utf-8")
    return KioskConfig.load(tmp_path, **overrides)


def only_problem(config: KioskConfig) -> ConfigProblem:
    assert len(config.problems) == 1, config.problems
    return config.problems[0]


# -- defaults, file values -----------------------------------------------------------------


def test_defaults_boot_without_any_file(tmp_path):
    config = KioskConfig.load(tmp_path)
    assert config.backend_url.startswith("http://127.0.0.1")
    assert config.store_path == tmp_path / "kiosk.db"
    assert config.key_path == tmp_path / "queue.key"
    assert config.receipt_pdf_dir == tmp_path / "receipts"
    assert (config.sync_interval_s, config.max_unsent_rows, config.language) == (60.0, 10_000, "zh")
    assert config.problems == ()
    assert not config.enrolled
    assert "kiosk_id, kiosk_number and backend_token are not set" in config.enrolment_problem
    assert "kiosk run --demo" in config.enrolment_problem


def test_file_values_apply_and_an_unknown_key_is_a_problem(tmp_path):
    config = load_toml(tmp_path, ENROLMENT + "mystery = 1\nidle_timout_s = 60\n")
    assert config.kiosk_number == "0042"
    assert config.enrolled and config.enrolment_problem == ""
    assert [p.key for p in config.problems] == ["mystery", "idle_timout_s"]
    assert str(config.problems[1]) == (
        "kiosk.toml: idle_timout_s = 60: expected a known setting "
        "(did you mean idle_timeout_s?); ignored"
    )
    assert "did you mean" not in str(config.problems[0])
    assert config.idle_timeout_s == 90.0


def test_a_corrupt_file_means_defaults_and_not_enrolled(tmp_path, caplog):
    config = load_toml(tmp_path, enrolment(kiosk_number="[unclosed"))
    problem = only_problem(config)
    assert problem.key == "kiosk.toml"
    assert str(problem).startswith("kiosk.toml: cannot be read (")
    assert "not enrolled" in str(problem)
    assert config.kiosk_number == "" and config.kiosk_id == "" and config.backend_token == ""
    assert not config.enrolled  # never the demo identity: two kiosks would collide
    assert "kiosk.toml cannot be read" in config.enrolment_problem
    assert "cannot be read" in caplog.text


@pytest.mark.parametrize(
    "contents",
    [
        pytest.param(b'kiosk_id = "caf\xe9"\n', id="bad-utf8"),
        pytest.param(b"idle_timeout_s = = 3\n", id="bad-toml"),
    ],
)
def test_an_unreadable_file_is_one_problem(tmp_path, contents):
    (tmp_path / "kiosk.toml").write_bytes(contents)
    config = KioskConfig.load(tmp_path)
    assert only_problem(config).key == "kiosk.toml"
    assert not config.enrolled


def test_a_file_that_cannot_be_opened_is_one_problem(tmp_path):
    (tmp_path / "kiosk.toml").mkdir()  # as root too, unlike chmod 000
    config = KioskConfig.load(tmp_path)
    assert only_problem(config).key == "kiosk.toml"
    assert config.idle_timeout_s == 90.0


# -- wrong values run on their defaults ----------------------------------------------------


def test_a_string_for_a_number_is_a_problem_not_a_crash(tmp_path, caplog):
    config = load_toml(tmp_path, 'idle_timeout_s = "x"\n')
    assert config.idle_timeout_s == 90.0
    assert str(only_problem(config)) == (
        'kiosk.toml: idle_timeout_s = "x": expected a number of seconds from 30 to 3600; '
        "using the default 90"
    )
    assert any(
        r.levelno == logging.WARNING and "idle_timeout_s" in r.message for r in caplog.records
    )


def test_negative_max_unsent_rows_runs_on_the_default(tmp_path):
    config = load_toml(tmp_path, "max_unsent_rows = -1\n")
    assert config.max_unsent_rows == 10_000
    problem = only_problem(config)
    assert (problem.key, problem.value) == ("max_unsent_rows", -1)
    assert "a whole number of rows from 1 to 1000000" in problem.expected


def test_min_free_disk_mb_lots_runs_on_the_default(tmp_path):
    config = load_toml(tmp_path, 'min_free_disk_mb = "lots"\n')
    assert config.min_free_disk_mb == 200 and isinstance(config.min_free_disk_mb, int)
    assert only_problem(config).key == "min_free_disk_mb"


@pytest.mark.parametrize("number", ['"abc"', '"0000"', '"42"', "42", '"00042"', '" 0042"'])
def test_a_bad_kiosk_number_leaves_the_kiosk_not_enrolled(tmp_path, number):
    config = load_toml(tmp_path, enrolment(kiosk_number=number))
    assert config.kiosk_number == ""
    assert only_problem(config).key == "kiosk_number"
    assert not config.enrolled
    assert f"kiosk_number = {number}" in config.enrolment_problem
    assert "exactly 4 digits" in config.enrolment_problem


def test_a_bad_kiosk_id_leaves_the_kiosk_not_enrolled(tmp_path):
    config = load_toml(tmp_path, enrolment(kiosk_id='"-kiosk 42"'))
    assert only_problem(config).key == "kiosk_id" and not config.enrolled


def test_language_must_be_one_of_the_choices(tmp_path):
    config = load_toml(tmp_path, 'language = "fr"\n')
    assert config.language == "zh"
    assert 'one of "zh", "yue", "en"' in str(only_problem(config))


def test_urls_must_be_http_or_https(tmp_path):
    config = load_toml(
        tmp_path, 'backend_url = "ftp://backend"\npublic_status_url = "track.example.cn"\n'
    )
    assert [p.key for p in config.problems] == ["backend_url", "public_status_url"]
    assert config.backend_url == "http://127.0.0.1:8765"
    ok = load_toml(tmp_path, 'backend_url = "https://kiosk-api.example.gov.cn:8443/"\n')
    assert ok.problems == () and ok.backend_url.startswith("https://")


def test_bool_is_not_a_number_but_whole_floats_and_ints_convert(tmp_path):
    config = load_toml(
        tmp_path, "max_unsent_rows = true\nretention_days = 3\nmin_free_disk_mb = 500.0\n"
    )
    assert [p.key for p in config.problems] == ["max_unsent_rows"]
    assert config.max_unsent_rows == 10_000
    assert config.retention_days == 3.0 and isinstance(config.retention_days, float)
    assert config.min_free_disk_mb == 500 and isinstance(config.min_free_disk_mb, int)
    fractional = load_toml(tmp_path, "min_free_disk_mb = 1.5\n")
    assert only_problem(fractional).key == "min_free_disk_mb"


def test_nan_and_infinity_are_out_of_bounds(tmp_path):
    config = load_toml(tmp_path, "sync_timeout_s = nan\nidle_timeout_s = inf\n")
    assert [p.key for p in config.problems] == ["sync_timeout_s", "idle_timeout_s"]
    assert (config.sync_timeout_s, config.idle_timeout_s) == (10.0, 90.0)


def test_retry_cap_below_base_puts_both_on_their_defaults(tmp_path):
    config = load_toml(tmp_path, "retry_base_s = 120\nretry_cap_s = 60\n")
    assert (config.retry_base_s, config.retry_cap_s) == (5.0, 900.0)
    problem = only_problem(config)
    assert problem.key == "retry_cap_s"
    assert str(problem) == (
        "kiosk.toml: retry_cap_s = 60: expected at least retry_base_s (120); "
        "using the defaults retry_base_s = 5 and retry_cap_s = 900"
    )


# -- secrets and the token file --------------------------------------------------------------


def test_a_secret_is_masked_in_problems_and_repr(tmp_path, caplog):
    config = load_toml(tmp_path, 'backend_token = "short-secret"\nbackend_tokn = "sekrit-typo"\n')
    assert [p.key for p in config.problems] == ["backend_token", "backend_tokn"]
    text = " ".join(str(p) for p in config.problems) + repr(config.problems) + caplog.text
    assert "short-secret" not in text and "sekrit-typo" not in text
    assert "backend_token = ***: expected 16 to 512 printable ASCII" in str(config.problems[0])
    assert "did you mean backend_token?" in str(config.problems[1])
    enrolled = load_toml(tmp_path, ENROLMENT)
    assert TOKEN not in repr(enrolled) and "backend_token=***" in repr(enrolled)
    assert TOKEN not in enrolled.enrolment_problem


def write_token(path: Path, text: str, mode: int) -> Path:
    path.write_text(text)
    os.chmod(path, mode)
    return path


def test_the_token_can_come_from_a_private_file(tmp_path):
    write_token(tmp_path / "token", f"  {TOKEN}\n", 0o600)
    config = load_toml(tmp_path, enrolment(backend_token=None, backend_token_file='"token"'))
    assert config.problems == ()
    assert config.backend_token == TOKEN and config.enrolled


def test_a_token_file_others_can_read_is_a_problem(tmp_path):
    path = write_token(tmp_path / "token", TOKEN, 0o644)
    config = load_toml(tmp_path, enrolment(backend_token=None, backend_token_file=f'"{path}"'))
    problem = only_problem(config)
    assert problem.key == "backend_token_file"
    assert "mode 0644" in problem.expected and "chmod 600" in problem.expected
    assert config.backend_token == "" and not config.enrolled
    assert "backend_token_file" in config.enrolment_problem
    assert TOKEN not in str(problem)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        pytest.param(lambda d: None, "a readable file", id="missing"),
        pytest.param(lambda d: write_token(d / "token", "short", 0o600), "16 to 512", id="short"),
        pytest.param(lambda d: (d / "token").mkdir(), "regular file", id="directory"),
    ],
)
def test_an_unusable_token_file_is_a_problem(tmp_path, setup, expected):
    setup(tmp_path)
    config = load_toml(
        tmp_path,
        enrolment(backend_token=None, backend_token_file='"token"'),
    )
    assert expected in only_problem(config).expected
    assert not config.enrolled


def test_a_token_and_a_token_file_together_is_a_problem(tmp_path):
    write_token(tmp_path / "token", TOKEN, 0o600)
    config = load_toml(tmp_path, enrolment(backend_token_file='"token"'))
    assert only_problem(config).key == "backend_token_file"
    assert not config.enrolled


# -- settings given in code -----------------------------------------------------------------


def test_overrides_are_checked_and_a_bad_one_raises_naming_the_key(tmp_path):
    config = KioskConfig.load(tmp_path, backend_url="http://127.0.0.1:9", retention_days=365)
    assert config.backend_url == "http://127.0.0.1:9" and config.retention_days == 365.0
    with pytest.raises(TypeError, match="idle_timeout_s"):
        KioskConfig.load(tmp_path, idle_timeout_s="x")
    with pytest.raises(ValueError, match="max_unsent_rows"):
        KioskConfig.load(tmp_path, max_unsent_rows=-1)
    with pytest.raises(TypeError, match="max_unsent_rows"):
        KioskConfig.load(tmp_path, max_unsent_rows=True)
    with pytest.raises(TypeError, match="did you mean sync_interval_s"):
        KioskConfig.load(tmp_path, sync_intervall_s=5)
    with pytest.raises(ValueError, match="retry_cap_s"):
        KioskConfig.load(tmp_path, retry_cap_s=2.0)  # below the default base of 5
    with pytest.raises(ValueError, match=r"backend_token = \*\*\*") as raised:
        KioskConfig.load(tmp_path, backend_token="too short")
    assert "too short" not in str(raised.value)


def test_the_fast_timings_of_the_e2e_tests_are_allowed(tmp_path):
    config = KioskConfig.load(tmp_path, retry_base_s=0.2, retry_cap_s=1.0, sync_interval_s=1.0)
    assert (config.retry_base_s, config.retry_cap_s, config.sync_interval_s) == (0.2, 1.0, 1.0)


def test_demo_identity_overrides_enrol_even_over_a_broken_file(tmp_path):
    config = load_toml(tmp_path, "kiosk_number = [unclosed", **DEMO_IDENTITY)
    assert config.enrolled
    assert (config.kiosk_id, config.kiosk_number) == ("kiosk-0001", "0001")
    assert config.backend_token == "dev-token-kiosk-0001"
    assert only_problem(config).key == "kiosk.toml"  # the file is still reported


def test_replace_is_checked_and_leaves_the_original_alone(tmp_path):
    config = load_toml(tmp_path, enrolment(kiosk_number='"abc"'))
    fixed = config.replace(kiosk_number="0043", printer_name="receipts-80mm")
    assert fixed.enrolled and fixed.kiosk_number == "0043"
    assert fixed.receipt_pdf_dir is None
    assert fixed.problems == config.problems  # still true of the file
    assert not config.enrolled and config.kiosk_number == ""
    assert config.replace(data_dir=tmp_path / "other").store_path == tmp_path / "other/kiosk.db"
    with pytest.raises(ValueError, match="kiosk_number"):
        config.replace(kiosk_number="abc")
    with pytest.raises(AttributeError):
        config.kiosk_number = "0044"
    assert KioskConfig(tmp_path, **DEMO_IDENTITY) == KioskConfig.load(tmp_path / "none").replace(
        data_dir=tmp_path, **DEMO_IDENTITY
    )


# -- the generated reference -----------------------------------------------------------------


def test_docs_configuration_md_is_generated_from_the_declarations():
    text = describe_settings()
    for key in ("kiosk_number", "backend_token_file", "idle_timeout_s", "printer_name"):
        assert f"| `{key}` |" in text
    docs = Path(__file__).parents[3] / "docs" / "configuration.md"
    assert docs.resolve() == DOCS_PATH  # where --write-docs writes
    current = docs.read_text(encoding="utf-8") if docs.exists() else ""
    assert current == text, f"docs/configuration.md is out of date: run {REGENERATE_DOCS}"


def test_receipt_printer_settings_are_checked_and_named(tmp_path):
    (tmp_path / "kiosk.toml").write_text(
        'receipt_printer = "escpos"\nescpos_url = "tcp://printer:99999"\npaper_width_mm = 57\n',
        encoding="utf-8",
    )
    config = KioskConfig.load(tmp_path)
    shown = "\n".join(str(problem) for problem in config.problems)
    assert 'escpos_url = "tcp://printer:99999": expected tcp://HOST[:PORT]' in shown
    assert "paper_width_mm = 57: expected one of 58, 80" in shown
    # A thermal printer with no address: said, and the kiosk prints as it would unset.
    assert 'receipt_printer = "escpos": expected escpos_url set as well' in shown
    assert (config.receipt_mode, config.paper_width_mm) == ("pdf", 80)
    with pytest.raises(ValueError, match="escpos_url set as well"):
        KioskConfig(tmp_path, receipt_printer="escpos")


@pytest.mark.parametrize(
    ("settings", "mode", "pdf"),
    [
        ({}, "pdf", True),
        ({"printer_name": "office-a4"}, "cups", False),
        ({"receipt_printer": "cups"}, "cups", False),
        ({"receipt_printer": "escpos", "escpos_url": "/dev/usb/lp0"}, "escpos", False),
        ({"receipt_printer": "none", "printer_name": "office-a4"}, "none", False),
    ],
)
def test_where_receipts_print(tmp_path, settings, mode, pdf):
    config = KioskConfig(tmp_path, **settings)
    assert config.receipt_mode == mode
    assert config.receipt_pdf_dir == (tmp_path / "receipts" if pdf else None)
