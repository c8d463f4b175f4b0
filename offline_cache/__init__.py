"""The kiosk's SQLite store: submissions queue, schema migrations, sealed personal data.

Imports nothing else of ours and never Qt.
"""

from offline_cache.database import (
    SCHEMA_VERSION,
    Store,
    StoreDamaged,
    StoreError,
    StoreInUse,
    StoreUnavailable,
    open_store,
    store_held_alone,
)
from offline_cache.keys import BackupError, KeyProblem
from offline_cache.queue import (
    QueueCounts,
    QueuedSubmission,
    QueueFull,
    QueueLimits,
    QueueUnavailable,
    SubmissionQueue,
    declare_first_store,
)
from offline_cache.salvage import RepairReport
from offline_cache.sealing import PayloadSealer, SealingError

__all__ = [
    "SCHEMA_VERSION",
    "BackupError",
    "KeyProblem",
    "PayloadSealer",
    "QueueCounts",
    "QueueFull",
    "QueueLimits",
    "QueueUnavailable",
    "QueuedSubmission",
    "RepairReport",
    "SealingError",
    "Store",
    "StoreDamaged",
    "StoreError",
    "StoreInUse",
    "StoreUnavailable",
    "SubmissionQueue",
    "declare_first_store",
    "open_store",
    "store_held_alone",
]
