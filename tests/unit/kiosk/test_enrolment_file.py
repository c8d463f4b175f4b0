"""What `kiosk enrol` writes to kiosk.toml reads back exactly, whatever the backend sent."""

from __future__ import annotations

import socket

import pytest

from kiosk.config import KioskConfig
from kiosk.enrolment import Enrolment, EnrolmentError, _ask, _write, enrol


def test_a_quote_or_backslash_in_a_url_keeps_kiosk_toml_readable(tmp_path):
    (tmp_path / "kiosk.toml").write_text("min_free_disk_mb = 321\n", encoding="utf-8")
    config = KioskConfig.load(tmp_path)
    page = 'http://village.example/s?q="a"\\b'
    token = "a-secret-token-of-32-characters"
    token_file = tmp_path / "backend.token"
    enrolment = Enrolment("kiosk-7", "0007", token, page, config.toml_path, token_file)
    _write(config, 'http://backend.example/"x"', enrolment)
    again = KioskConfig.load(tmp_path)
    assert not again.problems, again.problems
    assert again.public_status_url == page
    assert again.backend_url == 'http://backend.example/"x"'
    assert (again.kiosk_id, again.kiosk_number) == ("kiosk-7", "0007")
    assert again.min_free_disk_mb == 321  # the rest of the file kept


def test_a_backend_that_takes_the_request_and_never_answers_is_not_called_unreachable():
    """The request went out: the code may be spent, so the message cannot say it is
    still good."""
    with socket.socket() as silent:  # listens, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(EnrolmentError) as refused:
            _ask(url, "K7F2-9QXD-4411", timeout_s=0.5)
    message = str(refused.value)
    assert "did not answer" in message and "new code" in message
    assert "still good" not in message


def test_a_kiosk_toml_it_cannot_write_is_named_before_the_code_is_spent(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "no-such-dir" / "kiosk.toml"))
    config = KioskConfig.load(tmp_path / "data")
    with socket.socket() as backend:  # would take the request: it must not be sent
        backend.bind(("127.0.0.1", 0))
        backend.listen()
        url = f"http://127.0.0.1:{backend.getsockname()[1]}"
        with pytest.raises(EnrolmentError, match="cannot write in"):
            enrol(config, url, "K7F2-9QXD-4411")
        backend.setblocking(False)
        with pytest.raises(BlockingIOError):
            backend.accept()  # nothing connected
