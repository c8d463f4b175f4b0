"""The services this kiosk offers. (Issue #5 moves them into a validated catalog file.)"""

from __future__ import annotations

from kiosk.flow import CONFIRM, IDENTITY_CONFIRM, PHONE, REVIEW, Service, Step, validate_mobile
from kiosk.text import Text

PENSION_CERTIFICATION = Service(
    id="pension_qualification_certification",
    title=Text("养老保险待遇资格认证", "Pension qualification certification"),
    steps=(
        Step(
            id="identity",
            kind=IDENTITY_CONFIRM,
            title=Text("核对身份", "Check your identity"),
            prompt=Text("请核对您的姓名和身份证号。", "Please check your name and ID number."),
            decline_message=Text(
                "本业务须由养老金领取人本人办理。请让本人插卡,或找工作人员帮忙。",
                "The pensioner must do this in person. Please ask them to insert their own "
                "card, or ask a staff member.",
            ),
        ),
        Step(
            id="declaration",
            kind=CONFIRM,
            title=Text("本人承诺", "Declaration"),
            prompt=Text(
                "我是养老金领取人本人,目前健在,并如实申报。",
                "I am the pensioner, I am alive, and what I declare is true.",
            ),
            field="alive_declaration",
            summary_label=Text("本人承诺", "Declaration"),
            decline_message=Text(
                "没有本人承诺,不能完成认证。如有疑问,请找工作人员。",
                "Without the declaration the certification cannot be done. Please ask a "
                "staff member.",
            ),
        ),
        Step(
            id="phone",
            kind=PHONE,
            title=Text("联系电话", "Contact phone"),
            prompt=Text("请输入您的手机号码,方便通知您。", "Please enter your mobile number."),
            field="contact_phone",
            summary_label=Text("联系电话", "Contact phone"),
            validate=validate_mobile,
        ),
        Step(
            id="review",
            kind=REVIEW,
            title=Text("核对并提交", "Review and submit"),
            prompt=Text("请核对以下信息,无误后按“确认提交”。", "Please check, then press Submit."),
        ),
    ),
    next_steps=Text(
        "认证结果将在 3 个工作日内以短信通知您。本年度无需再次认证。",
        "You will get the result by SMS within 3 working days. No further certification "
        "is needed this year.",
    ),
)

SERVICES = {PENSION_CERTIFICATION.id: PENSION_CERTIFICATION}
