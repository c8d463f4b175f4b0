"""Shared fixtures: real pcscd + vpcd, emulated cards, the real backend over HTTP."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

import pytest

from drivers.simulated.sam_reader import SamReaderEmulator
from tests.helpers.backend import BackendProcess
from tests.helpers.cards import CardSlots
from tests.helpers.pcscd import PcscdController


@pytest.fixture(scope="session")
def pcscd_control(tmp_path_factory):
    controller = PcscdController(tmp_path_factory.mktemp("pcscd") / "no-readers.conf")
    yield controller
    controller.stop()


@pytest.fixture
def pcscd(pcscd_control):
    """A running pcscd with the vpcd slots listening (started here when not already up)."""
    try:
        pcscd_control.ensure_running()
    except (OSError, RuntimeError, TimeoutError) as error:
        pytest.fail(
            f"pcscd with vsmartcard-vpcd is needed and could not start: {error} "
            "(as root: apt-get install pcscd vsmartcard-vpcd)"
        )
    return pcscd_control


@pytest.fixture
def card_slots(pcscd):
    slots = CardSlots()
    slots.remove_all_and_wait()  # start from empty readers whatever the last test did
    yield slots
    slots.remove_all_and_wait()


@pytest.fixture
def backend(tmp_path):
    server = BackendProcess(tmp_path / "backend.db")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sam_reader(tmp_path):
    """An emulated SAM ID-card reader on a real pseudo-terminal, plugged in and empty."""
    reader = SamReaderEmulator(tmp_path / "ttySAM").start()
    yield reader
    reader.unplug()
