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
}

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
SECOND_CARD_IGNORED = Text(
    "正在为另一位办理业务,请稍候。", "Another card is in use. Please wait until it is finished."
)


def card_problem(kind: str) -> Text:
    return CARD_PROBLEM.get(kind, GENERIC_CARD_PROBLEM)


QUEUE_FULL_VILLAGER = Text(
    "本机暂时不能受理新的业务,您的信息没有提交。请到窗口办理,工作人员会帮您。",
    "This terminal cannot take new applications right now; nothing was submitted. "
    "Please go to the service counter.",
)
QUEUE_FULL_STAFF = Text(
    "离线队列已满或磁盘空间不足:新业务已暂停受理。请检查网络并立即同步。",
    "Offline queue full or disk nearly full: new submissions are refused. Check the "
    "network and sync now.",
)

# Verifier mode (验码一体机): a word and an icon, never colour alone.
VERIFY_VALID = Text("✔ 有效", "✔ VALID")
VERIFY_EXPIRED = Text("✖ 卡已过期({date})", "✖ EXPIRED ({date})")
