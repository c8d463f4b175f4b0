from kiosk.config import KioskConfig


def test_defaults_boot_without_any_file(tmp_path):
    config = KioskConfig.load(tmp_path)
    assert config.backend_url.startswith("http://127.0.0.1")
    assert config.store_path == tmp_path / "kiosk.db"


def test_file_values_apply_and_unknown_keys_are_ignored(tmp_path):
    (tmp_path / "kiosk.toml").write_text('kiosk_number = "0042"\nmystery = 1\n')
    assert KioskConfig.load(tmp_path).kiosk_number == "0042"


def test_a_corrupt_file_falls_back_to_defaults(tmp_path, caplog):
    (tmp_path / "kiosk.toml").write_text("kiosk_number = [unclosed")
    config = KioskConfig.load(tmp_path)
    assert config.kiosk_number == "0001"
    assert "running on defaults" in caplog.text
