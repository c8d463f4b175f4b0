"""The home screen: the villager greeted by masked name and the services staff chose."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.catalog import ServiceModel
from kiosk.session import Session
from kiosk.text import Text
from ui import physical
from ui.pictograms import icon_for
from ui.screens.base import Screen, discard_item, tiles
from ui.theme import Theme
from ui.tile_layout import column_count
from ui.widgets import big_button, label

T_PROMPT = Text("请选择要办理的业务。", "Please choose a service.", "請揀要辦嘅業務。")
T_PAGE = Text("第 {p} 页 / 共 {n} 页", "Page {p} of {n}")
T_PREVIOUS = Text("◀ 上一页", "◀ Previous")
T_MORE = Text("下一页 ▶", "More ▶")
MAX_COLUMNS = 4
TILE_MIN_MM = 95  # a service name and its line of explanation, in two to four lines
PICTOGRAM_MM = 14


def pages_of(count: int, slots: int) -> list[tuple[int, int]]:
    """(first, end) of the services on each page when `slots` tiles fit on a screen and
    `count` services must be shown: all on one page if they fit, else the page-turn
    tiles take a slot each (下一页 on the first page, both between, 上一页 on the last)."""
    if count <= slots:
        return [(0, count)]
    slots = max(slots, 3)  # at least one service between the two page-turn tiles
    pages, first = [], 0
    while first < count:
        room = slots - (1 if first == 0 else 2)
        if count - first <= room + (1 if first else 0):  # the last page needs no 下一页
            room = count - first
        pages.append((first, first + room))
        first += room
    return pages


class HomeScreen(Screen):
    """The service menu after the card is read: staff's services, in staff's order, all on
    one page where they fit; where not, 上一页 / 下一页 are tiles of the same size.

    Signals:
        service_chosen(str)
        page_turned(Text): what to say after a page turn.
    """

    service_chosen = Signal(str)
    page_turned = Signal(object)

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "homeScreen")
        self._layout = QVBoxLayout(self.scrolling_page())
        self.margins(self._layout)
        heading = QHBoxLayout()
        physical.spacing(heading, theme)
        self.greeting = label("", "title", name="homeGreeting")
        self.prompt = label("", name="homePrompt")
        heading.addWidget(self.greeting)
        heading.addWidget(self.prompt, 1)
        self.tile_area = QWidget()
        self.tile_area.setObjectName("serviceTiles")
        self.grid = tiles([], theme, MAX_COLUMNS, TILE_MIN_MM, into=self.tile_area)
        self.grid.uniform_rows = True  # 下一页 as large as every service tile
        self.previous_page = big_button("", "menu_previous")
        self.next_page = big_button("", "menu_next")
        self.page_label = self.next_page  # the page count is written on 下一页
        for button in (self.previous_page, self.next_page):
            button.setParent(self.tile_area)
            button.hide()
        self.previous_page.clicked.connect(lambda: self._turn(-1))
        self.next_page.clicked.connect(lambda: self._turn(1))
        self._layout.addLayout(heading)
        self._layout.addWidget(self.tile_area, 1, Qt.AlignmentFlag.AlignTop)
        self._services: list[ServiceModel] = []
        self._tiles: list[QPushButton] = []
        self._menu: tuple = ()  # (service ids, language, theme) the tiles were built for
        self._pages: list[tuple[int, int]] = [(0, 0)]
        self._page = 0
        self._language = "zh"

    def render(self, session: Session, services: list[ServiceModel], language: str) -> None:
        identity = session.identity
        name = identity.masked_name() if identity else ""
        self.greeting.setText(Text("您好,{n}", "Hello, {n}").format(n=name)(language))
        self.prompt.setText(T_PROMPT(language))
        self.speech = T_PROMPT
        self._services = services
        self._language = language
        self._page = 0
        menu = (tuple(services), language, self.theme)
        if menu != self._menu:  # the same menu for the next villager: the same tiles
            self._build_tiles(services, language)
            self._menu = menu
        self._show_page()

    def _build_tiles(self, services: list[ServiceModel], language: str) -> None:
        self._clear_grid()
        for tile in self._tiles:
            tile.deleteLater()
        self._tiles = []
        for service in services:
            tile = big_button(
                f"{service.title.text()(language)}\n{service.summary.text()(language)}",
                f"service_{service.id}",
            )
            tile.setProperty("pictogramName", service.pictogram)
            self._set_icon(tile)
            tile.setProperty("serviceId", service.id)
            tile.clicked.connect(lambda _=False, s=service.id: self.service_chosen.emit(s))
            tile.setParent(self.tile_area)
            tile.ensurePolished()  # measured before shown: with the style sheet's font
            tile.hide()
            self._tiles.append(tile)

    def _icon_size(self) -> QSize:
        side = self.theme.px(PICTOGRAM_MM)
        return QSize(side, side)

    def _set_icon(self, tile: QPushButton) -> None:
        size = self._icon_size()
        tile.setIcon(
            icon_for(tile.property("pictogramName"), self.theme.palette.on_secondary, size.width())
        )
        tile.setIconSize(size)

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        for tile in self._tiles:
            self._set_icon(tile)
        if self._tiles:
            self._show_page()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        if self._tiles:
            slots, columns = self._slots()
            if pages_of(len(self._tiles), slots) != self._pages or columns != self.grid.max_columns:
                self._show_page()

    def _slots(self) -> tuple[int, int]:
        """How many tiles fit on the screen at its current size, and in how many columns:
        the column count that fits the most (fewer, wider tiles wrap less and can fit
        more rows: one column of two-line tiles on a small screen at extra-large text)."""
        if not self._tiles:
            return 1, MAX_COLUMNS
        margins = self._layout.contentsMargins()
        width = self.width() - margins.left() - margins.right()
        heading = max(self.greeting.sizeHint().height(), self.prompt.heightForWidth(width // 2))
        height = self.height() - margins.top() - margins.bottom() - heading
        height -= self._layout.spacing()
        gap = self.grid.spacing()
        every = [*self._tiles, self.previous_page, self.next_page]
        min_column = max(self.theme.px(TILE_MIN_MM), *(t.minimumSizeHint().width() for t in every))
        best = (0, 1)
        for columns in range(1, column_count(width, gap, min_column, MAX_COLUMNS, len(every)) + 1):
            column_width = (width - (columns - 1) * gap) // columns
            row = max(tile.heightForWidth(column_width) for tile in every)
            best = max(best, (max(0, (height + gap) // (row + gap)) * columns, columns))
        return max(1, best[0]), best[1]

    def _turn(self, offset: int) -> None:
        self._page = max(0, min(self._page + offset, len(self._pages) - 1))
        self._show_page()
        self.page_turned.emit(self._page_text())

    def _page_text(self) -> Text:
        return T_PAGE.format(p=self._page + 1, n=len(self._pages))

    def _clear_grid(self) -> None:
        while self.grid.count():
            discard_item(self.grid.takeAt(0))

    def _show_page(self) -> None:
        first_shown = self._pages[min(self._page, len(self._pages) - 1)][0]
        slots, self.grid.max_columns = self._slots()
        self._pages = pages_of(len(self._tiles), slots)
        # Stay on the page holding the service that was first on screen.
        self._page = next(
            (i for i, (start, end) in enumerate(self._pages) if start <= first_shown < end), 0
        )
        first, end = self._pages[self._page]
        self._clear_grid()
        paging = len(self._pages) > 1
        shown = self._tiles[first:end]
        if paging and self._page > 0:
            shown.insert(0, self.previous_page)
        if paging and self._page < len(self._pages) - 1:
            shown.append(self.next_page)
        for widget in [*self._tiles, self.previous_page, self.next_page]:
            widget.setVisible(widget in shown)
        for widget in shown:
            self.grid.addWidget(widget)
        language = self._language
        self.previous_page.setText(T_PREVIOUS(language))
        self.next_page.setText(f"{T_MORE(language)}\n{self._page_text()(language)}")

    def menu_ids(self) -> list[str]:
        """Service ids in the order shown, across all pages (tests, staff preview)."""
        return [s.id for s in self._services]

    def wipe(self) -> None:
        """The greeting held the villager's name; the tiles hold only service names and are
        kept for the next villager."""
        self.greeting.clear()
