"""`kiosk screenshots`: render every screen of the flow to PNG, offscreen.

Drives the real window through the real core (a throwaway store, no card service),
so the pictures show exactly what a villager sees.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from drivers import id_number as idn
from drivers.identity import Identity
from drivers.pcsc.service import CardIdentified
from kiosk.config import KioskConfig
from kiosk.core import KioskCore
from kiosk.events import CardProblem, ReaderStatusChanged
from kiosk.messages import READER_STATE, card_problem
from ui.app import make_application
from ui.background import wait_for_background_work

SIZE = (1920, 1080)  # 21.5" at 102 DPI, the theme's reference screen


def sample_identity() -> Identity:
    number = idn.with_check_character("44010219480315242")
    return Identity(
        name="陈秀英",
        id_number=number,
        sex=idn.sex(number),
        birth_date=idn.birth_date(number),
        card_number="A12345678",
    )


def render_all(out_dir: Path, languages: tuple[str, ...] = ("zh", "en")) -> list[Path]:
    from ui.main_window import KioskWindow

    app = make_application()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as data_dir:
        core = KioskCore(KioskConfig.load(Path(data_dir)))
        for language in languages:
            window = KioskWindow(core)
            window.language = language
            window.resize(*SIZE)
            window.show()

            def shot(name: str, window: KioskWindow = window, language: str = language) -> None:
                for _ in range(3):
                    app.processEvents()
                path = out_dir / f"{name}-{language}.png"
                window.grab().save(str(path))
                written.append(path)

            core._emit(ReaderStatusChanged("ready", READER_STATE["ready"], "Virtual PCD 00 00"))
            window.show_attract()
            shot("01-attract")
            core._on_card_event(
                CardIdentified(
                    "Virtual PCD 00 00", sample_identity(), time.monotonic(), time.monotonic(), 9
                )
            )
            app.processEvents()
            shot("02-identity")
            window.step.answered.emit(True)
            shot("03-declaration")
            window.step.answered.emit(True)
            for digit in "13812345678":
                window.step.keypad._press(digit)
            shot("04-phone")
            window.step.answered.emit(window.step.keypad.digits)
            shot("05-review")
            window.step.submit_requested.emit()
            wait_for_background_work()
            for _ in range(5):
                app.processEvents()
            shot("06-receipt")
            core.end_session("finished")
            problem = card_problem("bad_card_data")
            window._on_event(CardProblem("bad_card_data", problem, "BadCardData: ID check digit"))
            shot("07-bad-card")
            window._on_event(
                ReaderStatusChanged("no_reader", READER_STATE["no_reader"], "pcscd lists no reader")
            )
            shot("08-no-reader")
            window.show_staff()
            window.staff.show_counts(core.queue.counts())
            window.staff.show_progress(0, 1)  # the one receipt above, backend unreachable
            window.staff.show_sync_result(0, 1, 0)
            shot("09-staff")
            window.close()
            window.deleteLater()
        core.sync.stop()
    return written
