"""What is wrong with this kiosk itself, for the staff screen and doctor: each with its fix."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk import messages
from kiosk.catalog_keeper import CatalogKeeper
from kiosk.config import KioskConfig
from kiosk.sync import SyncEngine
from kiosk.text import Text
from offline_cache import SubmissionQueue


@dataclass(frozen=True)
class Problem:
    message: Text  # for staff, short
    detail: str  # what exactly, and the fix


def kiosk_problems(
    config: KioskConfig, queue: SubmissionQueue, sync: SyncEngine, catalogs: CatalogKeeper
) -> list[Problem]:
    """Configuration, enrolment, the store, the key, the sync loop, the catalog."""
    found = [Problem(messages.CONFIG_PROBLEM, str(problem)) for problem in config.problems]
    if not config.enrolled:
        found.append(Problem(messages.NOT_ENROLLED, config.enrolment_problem))
    if queue.store.repair is not None:
        found.append(Problem(messages.STORE_REPAIRED, queue.store.repair.summary))
    if queue.key_problem is not None:
        found.append(Problem(messages.KEY_PROBLEM, str(queue.key_problem)))
    elif queue.epoch is None:
        found.append(Problem(messages.NO_EPOCH, queue.refusal() or ""))
    if sync.problem:
        found.append(Problem(messages.SYNC_PROBLEM, sync.problem))
    if catalogs.problem:
        found.append(Problem(messages.CATALOG_DAMAGED, catalogs.problem))
    return found
