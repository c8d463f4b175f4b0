"""Tiles in as many equal columns as the width allows: the reflowing grid of every screen.

A 1920-wide screen shows the nav bar in one row and the services three abreast; a
768-wide portrait screen shows the nav bar in two rows and the services one a row, the
same widgets, never cut (issue 13). Each row is as tall as its tallest tile needs at the
column's width (buttons wrap their text: `ui.widgets.WrapButton`).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QBoxLayout, QLayout, QLayoutItem, QWidget


def column_count(width: int, gap: int, min_column: int, max_columns: int, tiles: int) -> int:
    """How many equal columns of at least `min_column` fit in `width` (at least one)."""
    fitting = (width + gap) // (min_column + gap) if min_column + gap > 0 else max_columns
    return max(1, min(fitting, max_columns, tiles or 1))


_UNSET = object()


class _Rule:
    """A column rule: setting a new value changes every answer kept, as if a tile had
    changed. Only setting runs Python here: with no __get__, a read finds the value in
    the layout's __dict__ (__setattr__ ran on every attribute set while laying out)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __set__(self, layout: TileLayout, value: object) -> None:
        if layout.__dict__.get(self._name, _UNSET) != value:
            layout.__dict__[self._name] = value
            layout.invalidate()


class TileLayout(QLayout):
    """Equal columns, at most `max_columns`, each at least `min_column_px` wide and at
    least as wide as the widest tile's narrowest size (`natural_width=True`: its
    one-line size, for short captions such as the nav bar's)."""

    min_column_px = _Rule()
    max_columns = _Rule()
    natural_width = _Rule()
    uniform_rows = _Rule()

    def __init__(
        self,
        gap_px: int,
        min_column_px: int = 0,
        max_columns: int = 6,
        natural_width: bool = False,
        uniform_rows: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        # Until the layout is invalidated (a tile added, hidden or resized its hint): layouts
        # ask these many times a pass, and each answer asks every tile again.
        self._heights: dict[int, int] = {}  # heightForWidth
        self._min_width: int | None = None  # _tile_min_width
        self._placed: QRect | None = None  # the rect the tiles were last placed in
        self.setSpacing(gap_px)
        self.min_column_px = min_column_px
        self.max_columns = max_columns
        self.natural_width = natural_width
        self.uniform_rows = uniform_rows  # every row as tall as the tallest (a menu)
        self.setContentsMargins(0, 0, 0, 0)

    # -- QLayout --------------------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 (Qt name)
        self._items.append(item)
        self.invalidate()  # as Qt's own layouts do: the kept answers are about other tiles

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 (Qt name)
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 (Qt name)
        if not 0 <= index < len(self._items):
            return None
        item = self._items.pop(index)
        self.invalidate()
        return item

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 (Qt name)
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt name)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt name)
        if (height := self._heights.get(width)) is None:
            margins = self.contentsMargins()
            inner = width - margins.left() - margins.right()
            height = self._arrange(QRect(0, 0, inner, 0), place=False)
            height = self._heights[width] = height + margins.top() + margins.bottom()
        return height

    def invalidate(self) -> None:
        self._heights.clear()
        self._min_width = None
        self._placed = None
        super().invalidate()

    def _outer_width(self, inner: int) -> int:
        margins = self.contentsMargins()
        return inner + margins.left() + margins.right()

    def minimumSize(self) -> QSize:  # noqa: N802 (Qt name)
        # One tile at the narrowest width: the height of all the rows is heightForWidth's
        # answer at the width given (a minimum of every tile stacked in one column would
        # make a scroll area scroll a screen that fits).
        tile_width = self._tile_min_width()
        margins = self.contentsMargins()
        tallest = max((self._height_of(item, tile_width) for item in self._shown()), default=0)
        return QSize(self._outer_width(tile_width), tallest + margins.top() + margins.bottom())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        shown = self._shown()
        columns = min(len(shown), self.max_columns) or 1
        width = self._outer_width(columns * self._tile_min_width() + (columns - 1) * self.spacing())
        return QSize(width, self.heightForWidth(width))

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 (Qt name)
        super().setGeometry(rect)
        if rect != self._placed:  # the same rect, nothing invalidated: the tiles stand
            self._arrange(self.contentsRect(), place=True)
            self._placed = QRect(rect)

    # -- arranging ------------------------------------------------------------------------

    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _tile_min_width(self) -> int:
        if self._min_width is None:
            widths = [
                (item.sizeHint() if self.natural_width else item.minimumSize()).width()
                for item in self._shown()
            ]
            self._min_width = max([self.min_column_px, *widths])
        return self._min_width

    def columns_for(self, width: int) -> int:
        """How many columns fit in `width` (at least one)."""
        return column_count(
            width, self.spacing(), self._tile_min_width(), self.max_columns, len(self._shown())
        )

    def _arrange(self, rect: QRect, place: bool) -> int:
        shown = self._shown()
        if not shown:
            return 0
        columns = self.columns_for(rect.width())
        column_width = (rect.width() - (columns - 1) * self.spacing()) // columns
        y = rect.y()
        tallest = max(self._height_of(item, column_width) for item in shown)
        for start in range(0, len(shown), columns):
            row = shown[start : start + columns]
            height = (
                tallest
                if self.uniform_rows
                else max(self._height_of(item, column_width) for item in row)
            )
            if place:
                for index, item in enumerate(row):
                    x = rect.x() + index * (column_width + self.spacing())
                    item.setGeometry(QRect(QPoint(x, y), QSize(column_width, height)))
            y += height + self.spacing()
        return y - self.spacing() - rect.y()

    @staticmethod
    def _height_of(item: QLayoutItem, width: int) -> int:
        if item.hasHeightForWidth():
            return item.heightForWidth(width)
        return item.sizeHint().height()


class OrientedBox(QBoxLayout):
    """Its items side by side where the width holds them at their natural width (or at
    their narrowest, in a landscape rectangle), one above the other where not (the keypad
    beside its display, or under it)."""

    def __init__(self) -> None:
        super().__init__(QBoxLayout.Direction.LeftToRight)

    def minimumSize(self) -> QSize:  # noqa: N802 (Qt name)
        # As narrow as one above the other, as low as side by side: side by side's width
        # would force a page wider than a narrow screen instead of letting the box turn
        # (where it turns, its height for that width says how much more it needs).
        items = [self.itemAt(i) for i in range(self.count())]
        margins = self.contentsMargins()
        width = max((item.minimumSize().width() for item in items), default=0)
        height = max((item.minimumSize().height() for item in items), default=0)
        return QSize(
            width + margins.left() + margins.right(), height + margins.top() + margins.bottom()
        )

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 (Qt name)
        items = [self.itemAt(i) for i in range(self.count())]
        gaps = self.spacing() * (len(items) - 1)
        natural = sum(item.sizeHint().width() for item in items) + gaps
        narrowest = sum(item.minimumSize().width() for item in items) + gaps
        # A landscape rectangle lacks height: side by side even if captions must wrap.
        landscape = rect.width() > rect.height() and rect.width() >= narrowest
        wide = rect.width() >= natural or landscape
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if direction != self.direction():
            self.setDirection(direction)
        super().setGeometry(rect)
