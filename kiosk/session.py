"""One villager's visit, from card in to card out."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from drivers.identity import Identity


@dataclass
class Session:
    identity: Identity | None
    reader: str
    started_at: float = field(default_factory=time.monotonic)
    answers: dict[str, object] = field(default_factory=dict)
    ended: bool = False

    def wipe(self) -> None:
        """Drop every reference to the villager's data (brief: vanish when the session ends)."""
        self.identity = None
        self.answers.clear()
        self.ended = True
