"""After every way a session can end, no widget, core object or log line holds the
villager's name, ID number or phone number."""

import gc
import logging
import types

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from drivers.identity import mask_phone
from tests.helpers.kiosk_ui import choose_service, insert_card_event, make_window, tap
from ui.tour import make_identity

VILLAGER = make_identity("欧阳秀英", "44010219440315242")
PHONE = "13912340987"


def personal_strings() -> list[str]:
    return [
        VILLAGER.name,
        VILLAGER.masked_name(),
        VILLAGER.id_number,
        VILLAGER.masked_id(),
        PHONE,
        mask_phone(PHONE),
        "139 1234 0987",
    ]


def everything_in_widgets(window) -> str:
    parts = []
    for widget in window.findChildren(QWidget):
        if isinstance(widget, QLabel | QAbstractButton):
            parts.append(widget.text())
        parts += [
            widget.toolTip(),
            widget.accessibleName(),
            widget.accessibleDescription(),
            widget.windowTitle(),
        ]
    parts.append(window.notice.text())
    return "\n".join(parts)


def walk_to_phone(qtbot, window, core) -> None:
    insert_card_event(core, VILLAGER)
    choose_service(qtbot, window, "pension_certification")
    tap(qtbot, window, "answer_yes")
    tap(qtbot, window, "answer_yes")
    for digit in PHONE:
        tap(qtbot, window, f"key_{digit}")
    tap(qtbot, window, "answer_next")  # the review shows name, masked ID, masked phone
    assert VILLAGER.name in everything_in_widgets(window)


def end_by_card_removal(qtbot, window, core):
    core.end_session("card_left")  # what the device thread does on SCARD_STATE_EMPTY


def end_by_finishing(qtbot, window, core):
    tap(qtbot, window, "submit")
    tap(qtbot, window, "receipt_done")
    tap(qtbot, window, "rating_5")
    tap(qtbot, window, "rating_submit")


def end_by_card_removal_at_the_receipt(qtbot, window, core):
    tap(qtbot, window, "submit")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.receipt, timeout=3000)
    core.end_session("card_left")


def end_by_idle_timeout(qtbot, window, core):
    window.idle_guard.warn()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.message, timeout=5000)


def end_by_saying_not_me(qtbot, window, core):
    for _ in range(3):
        tap(qtbot, window, "nav_back")
    tap(qtbot, window, "answer_no")


@pytest.mark.parametrize(
    "end",
    [
        end_by_card_removal,
        end_by_finishing,
        end_by_card_removal_at_the_receipt,
        end_by_idle_timeout,
        end_by_saying_not_me,
    ],
    ids=lambda f: f.__name__,
)
def test_no_personal_data_survives_the_end_of_a_session(qtbot, tmp_path, caplog, end):
    caplog.set_level(logging.DEBUG)
    core, window = make_window(qtbot, tmp_path, backend_url="http://127.0.0.1:9")
    window.idle_countdown_s = 1
    walk_to_phone(qtbot, window, core)
    session = core.session
    end(qtbot, window, core)
    qtbot.waitUntil(lambda: core.session is None, timeout=5000)
    qtbot.wait(50)  # let deferred deletes of old widgets run

    shown = everything_in_widgets(window)
    for secret in personal_strings():
        assert secret not in shown, f"{secret!r} still in a widget"
    assert session.identity is None and session.answers == {} and session.ended
    assert core.run is None
    speech = " ".join(text for _, text, _, _ in window.speaker.voice.utterances)
    logs = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (VILLAGER.name, VILLAGER.id_number, PHONE):
        assert secret not in speech and secret not in logs
    gc.collect()
    # Nothing of the kiosk still refers to the Identity (only this module and its frames).
    holders = [
        r
        for r in gc.get_referrers(VILLAGER)
        if r is not globals() and not isinstance(r, types.FrameType)
    ]
    assert holders == [], [type(h).__name__ for h in holders]
