"""验码: what the verifier shows for a swiped card. Nothing of the card is kept after."""

from __future__ import annotations

import datetime as dt

from drivers.identity import Identity
from kiosk import events, messages


def verdict(identity: Identity, today: dt.date) -> events.CardVerified:
    """Valid unless the card itself says it has ended (its expiry or 有效期限 is past)."""
    last_days = [identity.card_expiry, identity.valid_until]
    dates = [day for day in last_days if isinstance(day, dt.date)]
    ended = min(dates) if dates else None
    if ended is not None and ended < today:
        message = messages.VERIFY_EXPIRED.format(date=ended.isoformat())
        return events.CardVerified(False, message, identity.masked_name(), "card expired")
    return events.CardVerified(True, messages.VERIFY_VALID, identity.masked_name(), "card valid")
