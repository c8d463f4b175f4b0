import logging
import os
import socket

from kiosk.service_notify import ServiceNotifier


def test_without_systemd_it_does_nothing():
    notifier = ServiceNotifier({})
    assert not notifier.enabled
    assert notifier.watchdog_interval_s is None
    assert notifier.notify("READY=1") is False


def test_watchdog_interval_is_half_the_timeout_and_junk_is_no_watchdog():
    assert ServiceNotifier({"WATCHDOG_USEC": "30000000"}).watchdog_interval_s == 15.0
    assert ServiceNotifier({"WATCHDOG_USEC": "0"}).watchdog_interval_s is None
    assert ServiceNotifier({"WATCHDOG_USEC": "soon"}).watchdog_interval_s is None


def test_states_reach_an_abstract_socket():
    name = f"village-kiosk-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind("\0" + name)
        listener.settimeout(5)
        notifier = ServiceNotifier({"NOTIFY_SOCKET": "@" + name})
        try:
            assert notifier.notify("READY=1")
            assert listener.recv(100) == b"READY=1"
        finally:
            notifier.close()


def test_a_vanished_socket_is_reported_once_and_never_raises(tmp_path, caplog):
    notifier = ServiceNotifier({"NOTIFY_SOCKET": str(tmp_path / "gone.sock")})
    with caplog.at_level(logging.WARNING, logger="kiosk.service_notify"):
        assert notifier.notify("WATCHDOG=1") is False
        assert notifier.notify("WATCHDOG=1") is False
    notifier.close()
    assert len(caplog.records) == 1
