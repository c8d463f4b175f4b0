"""The wrapping button: its measurements are kept until something they depend on changes."""

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
