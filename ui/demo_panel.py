"""A visible way to insert and remove simulated cards (`kiosk run --demo`), for demos and
staff training.

Social security cards play the card's side of the vpcd socket, like `kiosk card insert`.
ID cards are laid on the simulated SAM reader `kiosk run --demo` starts (its holder
process reads a control file, like `kiosk card insert --kind resident-id`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel

from drivers.id_number import with_check_character
from drivers.simulated import sam_holder
from drivers.simulated.sam_card import sam_card
from drivers.simulated.ssc_card import EmulatedSocialSecurityCard, SocialSecurityCardData
from drivers.simulated.vpcd_link import VpcdLink
from ui.widgets import big_button

log = logging.getLogger(__name__)

# Fictitious cardholders for demonstrations (valid check characters, made-up people).
DEMO_CARDHOLDERS = (
    ("陈秀英", with_check_character("44010219480315242")),
    ("王䶮", with_check_character("44528119520708131")),
)
# (button caption, card kind, name, ID or permit number) for the simulated ID-card reader.
DEMO_ID_CARDS = (
    ("放 陈秀英 的身份证", "resident-id", "陈秀英", with_check_character("44010219480315242")),
    ("放 港澳居民居住证", "hkmt", "陈大文", with_check_character("81000019500315123")),
    ("放 外国人永居证", "foreign", "SMITH, JOHN", "CAN110045052015"),
)


class DemoCardPanel(QFrame):
    """Signals:
    status_changed: a line for the demo panel (emitted from its worker threads).
    """

    status_changed = Signal(str)

    def __init__(self, reader_index: int = 0, id_card_control: Path | None = None) -> None:
        super().__init__()
        self.setObjectName("demoPanel")
        self._reader_index = reader_index
        self._id_card_control = id_card_control
        self._link: VpcdLink | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-card")
        grid = QGridLayout(self)
        grid.addWidget(QLabel("演示 社保卡:"), 0, 0)
        column = 1
        for name, id_number in DEMO_CARDHOLDERS:
            button = big_button(f"插入 {name} 的卡", f"demo_insert_{id_number[-4:]}")
            button.clicked.connect(lambda _=False, n=name, i=id_number: self.insert(n, i))
            grid.addWidget(button, 0, column)
            column += 1
        remove = big_button("拔出卡 Remove card", "demo_remove")
        remove.clicked.connect(self.remove)
        grid.addWidget(remove, 0, column)
        if id_card_control is not None:
            grid.addWidget(QLabel("演示 身份证:"), 1, 0)
            for column, (caption, kind, name, number) in enumerate(DEMO_ID_CARDS, 1):
                button = big_button(caption, f"demo_place_{kind}")
                button.clicked.connect(
                    lambda _=False, k=kind, n=name, i=number: self.place_id_card(k, n, i)
                )
                grid.addWidget(button, 1, column)
            lift = big_button("拿走身份证 Lift ID card", "demo_lift")
            lift.clicked.connect(self.lift_id_card)
            grid.addWidget(lift, 1, len(DEMO_ID_CARDS) + 1)
        self.status = QLabel("")
        self.status.setWordWrap(True)  # a long status must not squeeze the buttons
        grid.addWidget(self.status, 2, 0, 1, grid.columnCount())
        self.status_changed.connect(self.status.setText)  # queued: safe from worker threads

    # -- social security card (vpcd) ----------------------------------------------------------

    def insert(self, name: str, id_number: str) -> None:
        def work() -> None:
            self._remove_now()
            link = VpcdLink(
                EmulatedSocialSecurityCard(SocialSecurityCardData(name, id_number)),
                self._reader_index,
            )
            try:
                link.insert()
            except OSError as error:
                self._report(f"无法插入模拟卡(pcscd/vpcd 未运行?): {error}")
                return
            self._link = link
            self._report("已插入模拟卡 Simulated card inserted")

        self._in_background(work)

    def remove(self) -> None:
        def work() -> None:
            self._remove_now()
            self._report("已拔出模拟卡 Simulated card removed")

        self._in_background(work)

    def _remove_now(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            link.remove()

    # -- ID card (the simulated SAM reader) ---------------------------------------------------

    def place_id_card(self, kind: str, name: str, number: str) -> None:
        control = self._id_card_control
        if control is None:
            return

        def work() -> None:
            try:
                sam_holder.place_card(control, sam_card(kind, name, number))
            except (OSError, ValueError) as error:
                self._report(f"无法放置模拟身份证: {error}")
                return
            self._report("已放置模拟身份证 Simulated ID card placed")

        self._in_background(work)

    def lift_id_card(self) -> None:
        control = self._id_card_control
        if control is None:
            return

        def work() -> None:
            try:
                sam_holder.lift_card(control)
            except OSError as error:
                self._report(f"无法拿走模拟身份证: {error}")
                return
            self._report("已拿走模拟身份证 Simulated ID card lifted")

        self._in_background(work)

    def _in_background(self, work: Callable[[], None]) -> None:
        # vpcd's socket and the control file may block briefly: never on the GUI thread.
        # One worker, so taps are carried out in order and never race each other.
        self._worker.submit(self._guarded, work)

    def _guarded(self, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception as error:  # a demo tap must say what failed, not vanish
            log.exception("demo card action failed")
            self._report(f"模拟卡操作失败 Demo card action failed: {error}")

    def _report(self, text: str) -> None:
        self.status_changed.emit(text)
