"""The wrapping button and the tile layout: their measurements are kept until something
they depend on changes."""

from ui.widgets import WrapButton


def test_a_caption_set_again_is_not_measured_again(qtbot, monkeypatch):
    """The nav bar's captions are set on every screen shown: the same caption must not
    throw away the button's sizes (each re-measure lays text out character by character)."""
    button = WrapButton("⌂ 回到首页")
    qtbot.addWidget(button)
    measured: list[str] = []
    real_size_for = WrapButton._size_for

    def counted(self, text):
        measured.append(text)
        return real_size_for(self, text)

    monkeypatch.setattr(WrapButton, "_size_for", counted)
    first = (button.heightForWidth(120), button.minimumSizeHint(), button.sizeHint())
    assert measured
    measured.clear()
    button.setText("⌂ 回到首页")
    button.setIconSize(button.iconSize())
    assert (button.heightForWidth(120), button.minimumSizeHint(), button.sizeHint()) == first
    assert measured == []
    button.setText("⌂ Home")
    button.heightForWidth(120)
    assert measured  # a new caption is measured afresh


def test_a_button_as_wide_as_its_caption_is_not_wrapped_and_a_narrower_one_is(qtbot):
    button = WrapButton("养老保险待遇资格认证")
    qtbot.addWidget(button)
    natural = button.sizeHint()
    assert button.displayed_text(natural.width()) == button.text()
    assert button.heightForWidth(natural.width()) == natural.height()
    assert button.heightForWidth(natural.width() * 2) == natural.height()
    narrow = natural.width() // 2
    assert "\n" in button.displayed_text(narrow)
    assert button.heightForWidth(narrow) > natural.height()


def test_a_new_column_rule_throws_away_the_tile_layouts_answers(qtbot):
    from PySide6.QtWidgets import QWidget

    from ui.tile_layout import TileLayout

    holder = QWidget()
    qtbot.addWidget(holder)
    layout = TileLayout(gap_px=4, min_column_px=40, max_columns=4, parent=holder)
    for number in range(4):
        layout.addWidget(WrapButton(f"tile {number}"))
    one_row = layout.heightForWidth(800)
    layout.max_columns = 1
    assert layout.max_columns == 1
    assert layout.heightForWidth(800) > 3 * one_row  # four rows now, not the kept answer
    layout.max_columns = 4
    assert layout.heightForWidth(800) == one_row
