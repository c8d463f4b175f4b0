"""What the villager is told for each reader state and card fault: short, plain, and
what to do next. Staff see the technical detail beside it."""

from __future__ import annotations

from kiosk.text import Text

READER_STATE = {
    "pcsc_unavailable": Text(
        "读卡服务未运行,暂时不能读卡。请找工作人员。",
        "The card service is not running. Please ask a staff member.",
    ),
    "no_reader": Text(
        "未连接读卡器,暂时不能读卡。请找工作人员。",
        "No card reader is connected. Please ask a staff member.",
    ),
    "ready": Text("请插入社保卡", "Please insert your social security card"),
    # The SAM ID-card reader's states (drivers/events.py).
    "reader_busy": Text(
        "读卡器被占用,暂时不能读卡。请找工作人员。",
        "The card reader is in use by another program. Please ask a staff member.",
    ),
    "reader_not_responding": Text(
        "读卡器没有响应,暂时不能读卡。请找工作人员。",
        "The card reader is not answering. Please ask a staff member.",
    ),
    "sam_error": Text(
        "身份证读卡模块故障,暂时不能读身份证。请找工作人员。",
        "The ID-card module has a fault. Please ask a staff member.",
    ),
}


READY_FOR = {  # which cards the kiosk can take now (kiosk/card_desk.py reader names)
    ("social_security",): READER_STATE["ready"],
    ("id_card",): Text("请将身份证放在读卡区", "Please place your ID card on the reader"),
    ("social_security", "id_card"): Text(
        "请插入社保卡,或将身份证放在读卡区",
        "Please insert your social security card, or place your ID card on the reader",
    ),
}


def ready_for(readers: tuple[str, ...]) -> Text:
    """The ready prompt for the readers that work now (a reader we do not know: generic)."""
    return READY_FOR.get(readers, READY_FOR[("social_security", "id_card")])


def reader_state(state: str) -> Text:
    """A reader state the core does not know yet still gets a plain message."""
    return READER_STATE.get(state, READER_STATE["no_reader"])


CARD_READING = Text("正在读卡,请不要拔卡……", "Reading your card, please leave it in…")

CARD_PROBLEM = {
    "unsupported_card": Text(
        "这张卡不能在本机使用。请插入社会保障卡。",
        "This card cannot be used here. Please insert a social security card.",
    ),
    "bad_card_data": Text(
        "卡内信息有误,无法办理。请带上这张卡到窗口办理。",
        "The information on this card is not valid. Please take it to the service counter.",
    ),
    "card_removed": Text(
        "卡拔出太快了。请重新插卡,等听到提示再拔。",
        "The card was taken out too early. Please insert it again and wait.",
    ),
    "card_not_responding": Text(
        "卡没有响应。请拔出卡,再重新插入。",
        "The card is not answering. Please take it out and insert it again.",
    ),
    "no_card": Text(
        "卡拔出太快了。请重新插卡。",
        "The card was taken out too early. Please insert it again.",
    ),
}
GENERIC_CARD_PROBLEM = Text(
    "读卡失败。请拔出卡,再重新插入。", "Could not read the card. Please take it out and try again."
)
SECOND_CARD_WAITING = Text(
    "已有一张卡在办理。取回那张卡后,本机会接着读这张卡。",
    "Another card is in use. Take that card back and this one will be read next.",
)


def card_problem(kind: str) -> Text:
    return CARD_PROBLEM.get(kind, GENERIC_CARD_PROBLEM)


NEEDS_SOCIAL_SECURITY_CARD = Text(
    "这项业务要用社保卡本身办理。请取回身份证,插入社保卡后再选这项业务。",
    "This service needs the social security card itself. Please take your ID card and "
    "insert your social security card.",
)

QUEUE_FULL_VILLAGER = Text(
    "本机暂时不能受理新的业务,您的信息没有提交。请到窗口办理,工作人员会帮您。",
    "This terminal cannot take new applications right now; nothing was submitted. "
    "Please go to the service counter.",
)
QUEUE_FULL_STAFF = Text(
    "新业务已暂停受理(离线队列已满、磁盘空间不足,或本机未就绪)。详情见下。",
    "New submissions are refused (offline queue full, disk nearly full, or the kiosk is "
    "not ready). Details below.",
)

# Problems with the kiosk itself, for staff (the detail names the fix).
CONFIG_PROBLEM = Text(
    "配置文件 kiosk.toml 有错误的值,该项已改用默认值。",
    "A wrong value in kiosk.toml; that setting runs on its default.",
)
NOT_ENROLLED = Text(
    "本机尚未登记(终端编号、令牌),不能受理业务。",
    "This kiosk is not enrolled (id, number, token): it cannot take submissions.",
)
STORE_REPAIRED = Text(
    "本机数据库已损坏并已修复:损坏的文件已另存,请查看丢失情况。",
    "The kiosk's store was damaged and repaired; the damaged file was kept. See what was lost.",
)
KEY_PROBLEM = Text(
    "加密密钥缺失或不符:新业务已暂停,未上报的业务已保留。请恢复密钥。",
    "The queue key is missing or wrong: new submissions are refused, waiting ones are kept. "
    "Restore the key.",
)
NO_EPOCH = Text(
    "本机需要先与平台联网一次,才能编排办件编号。",
    "This kiosk must reach the platform once before it can number receipts.",
)
SYNC_PROBLEM = Text(
    "上报程序出现问题,已自动重试。",
    "The sync loop hit a problem; it retries by itself.",
)
CATALOG_DAMAGED = Text(
    "业务目录文件损坏,已改用内置目录。", "Catalog damaged; using the built-in one."
)

# The receipt printer (drivers/printer/errors.py kinds). The villager keeps the receipt on
# screen and is told how to keep the number anyway; staff are told what to fix.
_SCAN = ("请用手机扫码保存回执。", "Scan the code with a phone to keep your receipt.")
PRINTER_VILLAGER = {
    "paper_out": Text(
        "打印机没纸了,已通知工作人员。" + _SCAN[0], "The printer is out of paper. " + _SCAN[1]
    ),
    "cover_open": Text(
        "打印机盖没关好,已通知工作人员。" + _SCAN[0], "The printer's cover is open. " + _SCAN[1]
    ),
    "printer_offline": Text(
        "打印机暂时不能用,已通知工作人员。" + _SCAN[0], "The printer is not working. " + _SCAN[1]
    ),
    "printer_unavailable": Text("本机不能打印回执。" + _SCAN[0], "No printer here. " + _SCAN[1]),
}
PRINTER_STAFF = {
    "paper_out": Text("回执打印机缺纸,请换纸。", "Receipt printer: out of paper. Load a roll."),
    "cover_open": Text("回执打印机盖没关,请关好。", "Receipt printer: the cover is open."),
    "printer_offline": Text("回执打印机连不上。", "Receipt printer: offline or unreachable."),
    "printer_unavailable": Text(
        "本机不能打印回执(未设置或缺少组件)。",
        "Receipts cannot print (not set up, or a part missing).",
    ),
}


def printer_problem(kind: str) -> tuple[Text, Text]:
    """(for the villager, for staff); a kind we do not know reads as "offline"."""
    kind = kind if kind in PRINTER_VILLAGER else "printer_offline"
    return PRINTER_VILLAGER[kind], PRINTER_STAFF[kind]


# Verifier mode (验码一体机): a word and a symbol, never colour alone. The list names its
# own check and labels for pass / manual / deny; these are used until a list is held.
VERIFY_LABELS = {
    "pass": Text("通过", "Pass", "通過"),
    "manual": Text("请人工核验", "Check by hand", "請人工核驗"),
    "deny": Text("禁止通行", "No entry", "禁止通行"),
    "unknown": Text("无法核验 请人工核验", "Cannot verify, check by hand", "無法核驗 請人工核驗"),
}
VERIFY_TITLE = Text("验码", "Status check", "驗碼")
VERIFY_CLOCK_STAFF = Text(
    "验码:本机时钟不准,结果一律显示“无法核验”。请校准时间。",
    "Verifier: this kiosk's clock is wrong, every answer is “cannot verify”. Set the time.",
)
VERIFY_LIST_STAFF = Text(
    "验码:离线名单不可用,结果显示“无法核验”。",
    "Verifier: no usable offline list; answers are “cannot verify” while offline.",
)
VERIFY_RECORD_STAFF = Text("验码:核验记录未能保存。", "Verifier: a check could not be recorded.")

BACKGROUND_FAILED = Text(
    "后台操作失败(详情见日志)。", "A background operation failed (details in the log)."
)
ATTRACT_HINT = Text(
    "然后按屏幕提示办理。需要帮助请按“呼叫工作人员”。",
    "Then follow the steps on the screen. Press “Call staff” for help.",
    "然後跟住螢幕提示辦理。需要幫手請撳「呼叫工作人員」。",
)


def attract_hint(reader_state: str) -> Text | None:
    """The start screen's second line, only while a reader is ready (whichever cards)."""
    return ATTRACT_HINT if reader_state == "ready" else None
