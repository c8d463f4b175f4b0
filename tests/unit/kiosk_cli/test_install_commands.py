"""The commands the Debian package leans on: `kiosk --version` (from pyproject.toml),
`kiosk migrate` (postinst, before the kiosk starts) and `KIOSK_CONFIG` (kiosk.toml in
/etc/village-kiosk)."""

import sqlite3
import tomllib
from pathlib import Path

import pytest

from kiosk.config import KioskConfig
from kiosk_cli.main import main
from offline_cache.database import MIGRATIONS, SCHEMA_VERSION

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


def test_version_is_pyprojects(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    version = tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    assert capsys.readouterr().out.strip() == f"village-kiosk {version}"


def test_migrate_leaves_a_new_kiosk_without_a_store(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "migrate"]) == 0
    assert "no store yet" in capsys.readouterr().out
    assert not (tmp_path / "kiosk.db").exists()  # the epoch is the first start's to make


def test_migrate_upgrades_an_old_store_keeping_its_rows(tmp_path, capsys):
    path = tmp_path / "kiosk.db"
    with sqlite3.connect(path) as conn:
        MIGRATIONS[0](conn)
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO submissions VALUES (1, 'k', '000126112100017', 's', 't', X'00')")
    conn.close()
    assert main(["--data-dir", str(tmp_path), "migrate"]) == 0
    assert f"schema {SCHEMA_VERSION} (migrated from schema 1)" in capsys.readouterr().out
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT tracking_number FROM submissions").fetchall() == [
            ("000126112100017",)
        ]
    conn.close()
    assert main(["--data-dir", str(tmp_path), "migrate"]) == 0
    assert "already current" in capsys.readouterr().out


def test_migrate_refuses_a_store_from_newer_software(tmp_path, capsys):
    """A downgrade: postinst must fail here, not start a kiosk that cannot open its store."""
    path = tmp_path / "kiosk.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    assert main(["--data-dir", str(tmp_path), "migrate"]) == 4
    assert "newer than this kiosk" in capsys.readouterr().err


def test_kiosk_config_names_kiosk_toml_outside_the_data_dir(tmp_path, monkeypatch):
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "kiosk.toml").write_text('kiosk_id = "kiosk-0042"\nidle_timeout_s = 120\n')
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "kiosk.toml").write_text("idle_timeout_s = 30\n")
    monkeypatch.setenv("KIOSK_CONFIG", str(etc / "kiosk.toml"))
    config = KioskConfig.load(tmp_path / "data")
    assert (config.kiosk_id, config.idle_timeout_s) == ("kiosk-0042", 120)
    assert config.toml_path == etc / "kiosk.toml"
    assert str(etc / "kiosk.toml") in config.enrolment_problem  # the fix names the file
    monkeypatch.delenv("KIOSK_CONFIG")
    assert KioskConfig.load(tmp_path / "data").idle_timeout_s == 30
