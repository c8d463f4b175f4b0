"""The kiosk's SQLite store: submissions queue, schema migrations, sealed personal data.

Imports nothing else of ours and never Qt.
"""

from offline_cache.database import SCHEMA_VERSION, open_database
from offline_cache.queue import (
    QueueCounts,
    QueuedSubmission,
    QueueFull,
    QueueLimits,
    SubmissionQueue,
)
from offline_cache.sealing import PayloadSealer, SealingError

__all__ = [
    "SCHEMA_VERSION",
    "PayloadSealer",
    "QueueCounts",
    "QueuedSubmission",
    "QueueFull",
    "QueueLimits",
    "SealingError",
    "SubmissionQueue",
    "open_database",
]
