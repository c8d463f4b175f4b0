"""`kiosk run --demo`'s panel: its buttons insert and remove simulated cards for real, a
social security card through pcscd + vpcd and ID cards on the simulated SAM reader."""

import pytest

from drivers.simulated import sam_holder
from kiosk.config import KioskConfig
from kiosk.core import KioskCore
from kiosk.voice import RecordingVoice
from tests.helpers.enrolment import enrolled
from tests.helpers.kiosk_ui import tap
from ui.demo_panel import DEMO_CARDHOLDERS, DEMO_ID_CARDS, DemoCardPanel
from ui.main_window import KioskWindow


@pytest.fixture
def id_reader(tmp_path):
    link, control = tmp_path / "sam-reader", tmp_path / "sam-reader.json"
    sam_holder.start_holder(link, control)
    yield link, control
    sam_holder.stop_holder(control)


@pytest.fixture
def demo_window(qtbot, tmp_path, pcscd, card_slots, id_reader, backend):
    link, control = id_reader
    data = tmp_path / "kiosk"
    settings = enrolled(data, backend_url=backend.url, id_card_port=str(link))
    config = KioskConfig.load(data, **settings)
    core = KioskCore(config)
    window = KioskWindow(
        core, voice=RecordingVoice(), demo_panel=DemoCardPanel(id_card_control=control)
    )
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    core.start()
    qtbot.waitUntil(
        lambda: core.reader_status is not None and "身份证" in core.reader_status.message.zh,
        timeout=5000,
    )
    yield window
    core.stop()
    card_slots.remove_all_and_wait()


@pytest.mark.pcsc
def test_each_id_card_button_starts_a_session_and_lift_ends_it(qtbot, demo_window):
    core = demo_window.core
    for _caption, kind, name, _number in DEMO_ID_CARDS:
        tap(qtbot, demo_window, f"demo_place_{kind}")
        qtbot.waitUntil(lambda: core.session is not None, timeout=5000)
        identity = core.session.identity
        assert name in (identity.name, identity.name_en)
        tap(qtbot, demo_window, "demo_lift")
        qtbot.waitUntil(lambda: core.session is None, timeout=5000)


@pytest.mark.pcsc
def test_the_social_security_card_buttons_insert_and_remove(qtbot, demo_window):
    core = demo_window.core
    name, number = DEMO_CARDHOLDERS[0]
    tap(qtbot, demo_window, f"demo_insert_{number[-4:]}")
    qtbot.waitUntil(lambda: core.session is not None, timeout=5000)
    assert core.session.identity.name == name
    tap(qtbot, demo_window, "demo_remove")
    qtbot.waitUntil(lambda: core.session is None, timeout=5000)
