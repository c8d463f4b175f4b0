"""A guided tour of every screen and every step kind, on the real window and core.

`kiosk screenshots` photographs each stop; the accessibility tests measure each stop
(touch targets, spacing, text size, translations). Sessions start through the core's
device-thread entry point with made-up cardholders, so no card reader is needed.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator

from PySide6.QtWidgets import QApplication

from drivers import id_number as idn
from drivers.identity import Identity
from drivers.pcsc.service import CardIdentified
from kiosk.catalog import DateStep
from kiosk.events import CardProblem, CardVerified, ReaderStatusChanged
from kiosk.flow import offered_dates
from kiosk.messages import READER_STATE, VERIFY_LABELS, VERIFY_TITLE, card_problem
from kiosk.staff import PinCheck
from kiosk.tracking import tracking_number_maker
from ui.background import wait_for_background_work

READER = "Virtual PCD 00 00"


def make_identity(name: str, id_stem: str) -> Identity:
    number = idn.with_check_character(id_stem)
    return Identity(
        name=name,
        id_number=number,
        sex=idn.sex(number),
        birth_date=idn.birth_date(number),
        card_number="A12345678",
    )


# Made-up people with valid check digits: 82 years old, and 45.
ELDER = make_identity("陈秀英", "44010219440315242")
YOUNGER = make_identity("李国强", "44528119810708131")


def settle(app: QApplication, rounds: int = 4) -> None:
    for _ in range(rounds):
        app.processEvents()
    wait_for_background_work()
    for _ in range(rounds):
        app.processEvents()


def start_session(window, identity: Identity) -> None:
    window.core.present_card(
        CardIdentified(READER, identity, time.monotonic(), time.monotonic(), 9)
    )


def walk_service(
    window, app: QApplication, service_id: str, answers: dict[str, object]
) -> Iterator[str]:
    """Choose a service on the home screen and answer each step; yields step names."""
    window.home.service_chosen.emit(service_id)
    settle(app)
    run = window.core.run
    while run is not None and window.stack.currentWidget() is window.step:
        step = run.current
        yield f"{service_id}-{step.id}"
        if run.at_review:
            window.step.submit_requested.emit()
            settle(app)
            return
        kind = step.kind
        if kind in ("keypad",):
            window.step.keypad.set_digits(str(answers[step.id]))
            settle(app)
            yield f"{service_id}-{step.id}-filled"
            window.step.answered.emit(window.step.keypad.digits)
        elif kind == "info":
            window.step.answered.emit(None)
        elif kind in ("identity_confirm", "confirm"):
            window.step.answered.emit(True)
        else:
            window.step.answered.emit(answers[step.id])
        settle(app)


def tour(window, app: QApplication, today: dt.date | None = None) -> Iterator[str]:
    """Drive `window` through every screen; yields a name at each stop."""
    core = window.core
    today = today or dt.date.today()
    window.route(ReaderStatusChanged("ready", READER_STATE["ready"], READER))
    window.show_attract()
    settle(app)
    yield "attract"

    start_session(window, ELDER)
    settle(app)
    yield "home"
    if window.home.next_page.isVisible():
        window.home.next_page.click()
        settle(app)
        yield "home-page-2"
        window.home.previous_page.click()
        settle(app)

    yield from walk_service(window, app, "pension_certification", {"phone": "13812345678"})
    yield "receipt"
    window.receipt.done.emit()
    settle(app)
    yield "rating"
    window.rating.level_buttons[2].click()
    settle(app)
    yield "rating-reasons"
    window.rating.skipped.emit()
    settle(app)
    yield "thanks"

    start_session(window, ELDER)
    settle(app)
    yield from walk_service(
        window,
        app,
        "senior_allowance",
        {"residence": True, "payment": "card_account", "phone": "13812345678"},
    )
    window.show_rating()
    window.rating.skipped.emit()
    settle(app)

    start_session(window, ELDER)
    settle(app)
    yield from walk_service(
        window,
        app,
        "residence_certificate",
        {"kind": "residence", "purpose": ["bank"], "copies": "one", "phone": "13812345678"},
    )
    window.show_rating()
    window.rating.skipped.emit()
    settle(app)

    start_session(window, ELDER)
    settle(app)
    service = core.service("assisted_service_booking")
    date_step = next(s for s in service.steps if isinstance(s, DateStep))
    first_day = offered_dates(date_step, today)[0].isoformat()
    yield from walk_service(
        window,
        app,
        "assisted_service_booking",
        {
            "matter": "pension",
            "day": first_day,
            "slot": "morning",
            "home_visit": False,
            "phone": "13812345678",
        },
    )
    window.show_rating()
    window.rating.skipped.emit()
    settle(app)

    start_session(window, ELDER)
    settle(app)
    yield from walk_service(window, app, "benefit_eligibility_check", {})
    yield "result-policies"
    window.result.done.emit()
    window.rating.skipped.emit()
    settle(app)

    start_session(window, ELDER)
    settle(app)
    window.home.service_chosen.emit("residents_pension_contribution")
    settle(app)
    yield "not-eligible"
    window.message.acknowledged.emit()
    settle(app)
    core.end_session("card_left")
    settle(app)

    start_session(window, YOUNGER)
    settle(app)
    yield from walk_service(
        window, app, "residents_pension_contribution", {"amount": "600", "phone": "13812345678"}
    )
    window.show_rating()
    window.rating.skipped.emit()
    settle(app)

    start_session(window, YOUNGER)
    settle(app)
    number = tracking_number_maker("0001")(1, 1)
    yield from walk_service(window, app, "progress_query", {"tracking": number})
    yield "result-status"
    window.result.done.emit()
    window.rating.skipped.emit()
    settle(app)

    start_session(window, YOUNGER)
    settle(app)
    window.idle_guard.warn()
    settle(app)
    yield "idle"
    window.idle_guard.resume()
    core.end_session("card_left")
    settle(app)

    problem = card_problem("bad_card_data")
    window.route(CardProblem("bad_card_data", problem, "BadCardData: ID check digit"))
    settle(app)
    yield "bad-card"
    window.route(ReaderStatusChanged("no_reader", READER_STATE["no_reader"], "no reader"))
    settle(app)
    yield "no-reader"
    window.route(ReaderStatusChanged("ready", READER_STATE["ready"], READER))

    window.show_staff()
    settle(app)
    yield "staff-pin"
    window.staff_controller.pin_checked(PinCheck(ok=True))  # PIN entry itself is tested with taps
    settle(app)
    for key in ("queue", "services", "terminal", "verifier", "audit"):
        window.staff.show_section(key)
        settle(app)
        yield f"staff-{key}"
    window.staff_controller.close()

    core.staff.change_setting("terminal_mode", "verifier")
    window.show_attract()
    settle(app)
    yield "verifier-waiting"
    answers = (("pass", "online", None), ("manual", "online", None))
    answers += (("deny", "offline", 5400.0), ("unknown", "none", 200000.0))
    for result, source, age in answers:
        label, name = VERIFY_LABELS[result], ELDER.masked_name()
        window.route(CardVerified(result, label, VERIFY_TITLE, name, source, age, 7, ""))
        settle(app)
        yield f"verifier-{result}"
    core.staff.change_setting("terminal_mode", "service")
    window.show_attract()
    settle(app)


def run_tour(window, app: QApplication, at_each_stop: Callable[[str], None]) -> list[str]:
    stops = []
    for name in tour(window, app):
        stops.append(name)
        at_each_stop(name)
    return stops
