"""A visible way to insert and remove a simulated card (`kiosk run --demo`), for demos and
staff training. It plays the card's side of the vpcd socket, like `kiosk card insert`."""

from __future__ import annotations

import threading

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel

from drivers.id_number import with_check_character
from drivers.simulated.ssc_card import EmulatedSocialSecurityCard, SocialSecurityCardData
from drivers.simulated.vpcd_link import VpcdLink
from ui.widgets import big_button

# Fictitious cardholders for demonstrations (valid check digits, made up people).
DEMO_CARDHOLDERS = (
    ("陈秀英", with_check_character("44010219480315242")),
    ("王䶮", with_check_character("44528119520708131")),
)


class DemoCardPanel(QFrame):
    """Signals:
    status_changed: a line for the demo panel (emitted from its worker threads).
    """

    status_changed = Signal(str)

    def __init__(self, reader_index: int = 0) -> None:
        super().__init__()
        self.setObjectName("demoPanel")
        self._reader_index = reader_index
        self._link: VpcdLink | None = None
        layout = QHBoxLayout(self)
        layout.addWidget(QLabel("演示 Demo:"))
        for name, id_number in DEMO_CARDHOLDERS:
            button = big_button(f"插入 {name} 的卡", f"demo_insert_{id_number[-4:]}")
            button.clicked.connect(lambda _=False, n=name, i=id_number: self.insert(n, i))
            layout.addWidget(button)
        remove = big_button("拔出卡 Remove card", "demo_remove")
        remove.clicked.connect(self.remove)
        layout.addWidget(remove)
        self.status = QLabel("")
        self.status.setWordWrap(True)  # a long status must not squeeze the buttons
        layout.addWidget(self.status, 1)
        self.status_changed.connect(self.status.setText)  # queued: safe from worker threads

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

        threading.Thread(target=work, name="demo-card", daemon=True).start()

    def remove(self) -> None:
        def work() -> None:
            self._remove_now()
            self._report("已拔出模拟卡 Simulated card removed")

        threading.Thread(target=work, name="demo-card", daemon=True).start()

    def _remove_now(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            link.remove()

    def _report(self, text: str) -> None:
        self.status_changed.emit(text)
