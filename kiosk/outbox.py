"""The offline queue and its sync engine, built from the configuration in one place.

The window, `kiosk sync --once`, `kiosk queue status`, doctor and `kiosk simulate` all get
the same limits, retry settings and key handling from here.
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.config import KioskConfig
from kiosk.sync import Progress, SyncEngine, SyncReport
from kiosk.usage_upload import USAGE_RECORD, USAGE_ROUTE
from offline_cache import QueueLimits, QueueUnavailable, SubmissionQueue, open_store


def open_queue(config: KioskConfig) -> SubmissionQueue:
    """Open (checking, repairing, migrating) the store and its queue. Raises
    StoreUnavailable when the data directory cannot be written."""
    store = open_store(config.store_path)
    return SubmissionQueue(
        store,
        config.key_path,
        QueueLimits(config.max_unsent_rows, config.min_free_disk_mb * 2**20),
        record_kinds=[USAGE_RECORD],
    )


def heartbeat_path(config: KioskConfig):
    return config.data_dir / "sync.heartbeat"


def sync_engine(
    config: KioskConfig,
    queue: SubmissionQueue,
    *,
    on_finished: Callable[[SyncReport], None] | None = None,
    on_progress: Progress | None = None,
    on_problem: Callable[[str], None] | None = None,
    heartbeat: bool = False,
) -> SyncEngine:
    return SyncEngine(
        queue,
        config.backend_url,
        config.kiosk_id,
        config.backend_token,
        timeout_s=config.sync_timeout_s,
        retry_base_s=config.retry_base_s,
        retry_cap_s=config.retry_cap_s,
        interval_s=config.sync_interval_s,
        retention_days=config.retention_days,
        on_finished=on_finished,
        on_progress=on_progress,
        on_problem=on_problem,
        heartbeat_path=heartbeat_path(config) if heartbeat else None,
        routes={USAGE_RECORD: USAGE_ROUTE},
    )


def check_can_accept(config: KioskConfig, queue: SubmissionQueue, sync: SyncEngine) -> None:
    """Refuse what the kiosk could not deliver exactly once: no enrolled identity, no
    usable key, no epoch for tracking numbers (asked of the backend once here)."""
    if not config.enrolled:
        raise QueueUnavailable(f"kiosk not enrolled: {config.enrolment_problem}")
    if queue.epoch is None:
        sync.fetch_epoch()
    if queue.key_problem is not None:
        queue.reload_key()
