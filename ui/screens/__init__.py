"""The screens, one module each. A screen only displays and reports taps (signals);
`ui.main_window` routes, the core decides.

| module | screen |
|---|---|
| attract | the start screen (reader state, language, staff corner) |
| home | the service menu for the villager whose card is in |
| step | one step of a service, rendered by its kind |
| receipt | tracking number, QR code, next steps |
| result | a look-up's or an eligibility check's answer |
| rating | 好差评 |
| message | a short message and what to do |
| idle | the idle countdown |
| verifier | 验码: waiting and the big result |
| staff | the staff screen (PIN, queue, services, terminal, audit) |
| nav | the nav bar under every villager screen |
| base | the Screen base class and shared helpers |
"""

from ui.screens.attract import AttractScreen
from ui.screens.base import Screen, clear_layout
from ui.screens.home import HomeScreen
from ui.screens.idle import IdleScreen
from ui.screens.message import MessageScreen
from ui.screens.nav import NavBar
from ui.screens.rating import RatingScreen
from ui.screens.receipt import ReceiptScreen
from ui.screens.result import ResultScreen
from ui.screens.staff import StaffScreen
from ui.screens.step import StepScreen
from ui.screens.verifier import VerifierScreen

__all__ = [
    "AttractScreen",
    "HomeScreen",
    "IdleScreen",
    "MessageScreen",
    "NavBar",
    "RatingScreen",
    "ReceiptScreen",
    "ResultScreen",
    "Screen",
    "StaffScreen",
    "StepScreen",
    "VerifierScreen",
    "clear_layout",
]
