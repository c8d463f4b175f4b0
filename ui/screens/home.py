"""The home screen: the villager greeted by masked name and the services staff chose."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QVBoxLayout,
)

from kiosk.catalog import (
    ServiceModel,
)
from kiosk.session import Session
from kiosk.text import Text
from ui.screens.base import (
    MENU_PAGE_SIZE,
    Screen,
    clear_layout,
    grid_of_buttons,
)
from ui.theme import Theme
from ui.widgets import big_button, label


class HomeScreen(Screen):
    """The service menu after the card is read: staff's services, in staff's order.

    Signals: service_chosen(str).
    """

    service_chosen = Signal(str)

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "homeScreen")
        layout = QVBoxLayout(self)
        self.margins(layout)
        self.greeting = label("", "title", name="homeGreeting")
        self.prompt = label("")
        self.grid_holder = QVBoxLayout()
        pages = QHBoxLayout()
        pages.setSpacing(theme.gap_px)
        self.previous_page = big_button("", "menu_previous")
        self.next_page = big_button("", "menu_next")
        self.page_label = label("", wrap=False, name="menuPage")
        self.previous_page.clicked.connect(lambda: self._turn(-1))
        self.next_page.clicked.connect(lambda: self._turn(1))
        pages.addWidget(self.previous_page)
        pages.addStretch(1)
        pages.addWidget(self.page_label)
        pages.addStretch(1)
        pages.addWidget(self.next_page)
        layout.addWidget(self.greeting)
        layout.addWidget(self.prompt)
        layout.addLayout(self.grid_holder, 1)
        layout.addLayout(pages)
        self._services: list[ServiceModel] = []
        self._page = 0
        self._language = "zh"

    def render(self, session: Session, services: list[ServiceModel], language: str) -> None:
        identity = session.identity
        name = identity.masked_name() if identity else ""
        self.greeting.setText(Text("您好,{n}", "Hello, {n}").format(n=name)(language))
        prompt = Text("请选择要办理的业务。", "Please choose a service.", "請揀要辦嘅業務。")
        self.prompt.setText(prompt(language))
        self._services = services
        self._page = 0
        self._language = language
        self.speech = prompt
        self._show_page()

    def _turn(self, offset: int) -> None:
        self._page += offset
        self._show_page()

    def _show_page(self) -> None:
        language = self._language
        clear_layout(self.grid_holder)
        pages = max(1, -(-len(self._services) // MENU_PAGE_SIZE))
        self._page = max(0, min(self._page, pages - 1))
        start = self._page * MENU_PAGE_SIZE
        buttons = []
        for service in self._services[start : start + MENU_PAGE_SIZE]:
            button = big_button(
                f"{service.title.text()(language)}\n{service.summary.text()(language)}",
                f"service_{service.id}",
            )
            button.setProperty("serviceId", service.id)
            button.clicked.connect(lambda _=False, s=service.id: self.service_chosen.emit(s))
            buttons.append(button)
        self.grid_holder.addLayout(grid_of_buttons(buttons, 2, self.theme.gap_px))
        self.grid_holder.addStretch(1)
        self.previous_page.setText("◀ " + Text("上一页", "Previous")(language))
        self.next_page.setText(Text("下一页", "More")(language) + " ▶")
        self.page_label.setText(
            Text("第 {p} 页 / 共 {n} 页", "Page {p} of {n}").format(p=self._page + 1, n=pages)(
                language
            )
        )
        for widget in (self.previous_page, self.next_page, self.page_label):
            widget.setVisible(pages > 1)
        self.previous_page.setEnabled(self._page > 0)
        self.next_page.setEnabled(self._page < pages - 1)

    def menu_ids(self) -> list[str]:
        """Service ids in the order shown, across all pages (tests, staff preview)."""
        return [s.id for s in self._services]

    def wipe(self) -> None:
        self.greeting.clear()
        clear_layout(self.grid_holder)
