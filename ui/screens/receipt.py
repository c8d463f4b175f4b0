"""The receipt: tracking number, QR code, what happens next, delivery state."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QVBoxLayout,
)

from kiosk.journey import TRACKING_NUMBER
from kiosk.submission import Receipt
from kiosk.text import Text
from kiosk.tracking import group_digits
from ui import physical
from ui.screens.base import (
    T_DONE,
    Screen,
)
from ui.theme import Theme
from ui.widgets import NoticeLabel, QrCodeWidget, big_button, label

QR_MM = 45  # scans from a phone held at 20-30 cm


class ReceiptScreen(Screen):
    """Signals:
    done: the villager tapped 完成.
    print_requested: 打印回执.
    """

    done = Signal()
    print_requested = Signal()

    def __init__(self, theme: Theme) -> None:
        super().__init__(theme, "receiptScreen")
        layout = QHBoxLayout(self.scrolling_page())
        self.margins(layout)
        text_column = QVBoxLayout()
        self.heading = label("", "title", name="receiptHeading")
        self.service = label("")
        self.tracking = label("", "title", name="trackingNumber")
        self.next_steps = label("", name="nextSteps")
        self.sync_state = label("", "success", name="syncState")
        self.take_card = label("", "title")
        # Why 打印回执 did not print; hidden otherwise, so it takes no room from the rest.
        self.print_note = NoticeLabel("body", "printNote")
        buttons = QHBoxLayout()
        physical.spacing(buttons, theme)
        self.print_button = big_button("", "receipt_print")
        self.print_button.clicked.connect(self.print_requested)
        self.done_button = big_button("", "receipt_done", role="primary")
        self.done_button.clicked.connect(self.done)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.done_button)
        buttons.addStretch(1)
        # The receipt's text, top to bottom: all of it is cleared when the session ends.
        self._lines = (
            self.heading,
            self.service,
            self.tracking,
            self.next_steps,
            self.sync_state,
            self.take_card,
            self.print_note,
        )
        for widget in self._lines:
            text_column.addWidget(widget)
        text_column.addStretch(1)
        text_column.addLayout(buttons)
        layout.addLayout(text_column, 1)
        qr_column = QVBoxLayout()
        self.qr = QrCodeWidget(theme.px(QR_MM))
        self.qr.setObjectName("receiptQr")
        self.qr_caption = label("", "muted")
        self.qr_caption.setFixedWidth(theme.px(QR_MM))
        qr_column.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        qr_column.addWidget(self.qr_caption)
        qr_column.addStretch(1)
        layout.addLayout(qr_column)
        self.receipt: Receipt | None = None

    def render(self, receipt: Receipt, language: str, printable: bool = True) -> None:
        """`printable`: this kiosk has a printer (core.printing.available)."""
        self.receipt = receipt
        heading = Text("✔ 已提交", "✔ Submitted")
        if receipt.training:  # kiosk simulate --training: never mistaken for a real one
            heading = Text("✔ 已提交(培训,非正式办件)", "✔ Submitted (TRAINING, not real)")
        self.heading.setText(heading(language))
        self.service.setText(receipt.service_title(language))
        self.tracking.setText(TRACKING_NUMBER.format(n=receipt.grouped_tracking_number)(language))
        self.next_steps.setText(receipt.next_steps(language))
        take_card = Text("请取走您的社保卡。", "Please take your card.")
        self.take_card.setText(take_card(language))
        self.print_button.setText(Text("打印回执", "Print receipt")(language))
        self.print_button.setEnabled(True)
        self.print_button.setVisible(printable)
        self.show_print_problem(None, language)
        self.done_button.setText(T_DONE(language))
        self.qr.set_data(receipt.status_url)
        self.qr_caption.setText(
            Text("用手机扫码查询办理进度", "Scan with a phone to follow progress")(language)
        )
        spoken_number = group_digits(receipt.tracking_number, ",")
        self.speech = (
            heading
            + Text("办件编号:{n}。", "Tracking number: {n}.").format(n=spoken_number)
            + receipt.next_steps
            + take_card
        )
        self.show_sync_state("pending", language)

    def show_sync_state(self, state: str | None, language: str) -> None:
        if state == "sent":
            text = Text(
                "✔ 已上报到政务服务平台。", "✔ Delivered to the government service platform."
            )
        else:
            text = Text(
                "✔ 已安全保存在本机,联网后自动上报。",
                "✔ Saved safely on this terminal; it will be sent automatically.",
            )
        self.sync_state.setText(text(language))

    def show_print_result(self, message: Text, language: str) -> None:
        self.print_button.setEnabled(False)
        self.print_button.setText(message(language))

    def show_print_problem(self, message: Text | None, language: str) -> None:
        """Why the receipt did not print, under it (None: clear); the button offers to
        try again once staff have fixed the printer."""
        if message is None:
            self.print_note.clear()
            return
        self.print_note.setText(message(language))
        self.print_button.setText(Text("再次打印", "Print again")(language))
        self.print_button.setEnabled(True)

    def wipe(self) -> None:
        self.receipt = None
        for widget in (*self._lines, self.qr_caption):
            widget.clear()  # the print note hides as it empties
        self.qr.clear()
