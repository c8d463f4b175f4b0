"""The usage log wired to the core: its file, its uploader, what it may name, and the
core events it turns into usage events (sessions, card reads, verifier checks, sync
rounds). The window adds screens, taps, voice and idle (ui/), the core choices,
completions, submissions, ratings and help requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk import events
from kiosk.usage import SCREENS, UsageLog
from kiosk.usage_store import UsageStore
from kiosk.usage_upload import outbox_uploader

if TYPE_CHECKING:
    from kiosk.catalog import CatalogModel
    from kiosk.core import KioskCore

USAGE_FILE = "usage.db"


def usage_for_core(core: KioskCore) -> UsageLog:
    config = core.config
    store = UsageStore(
        config.data_dir / USAGE_FILE,
        config.usage_retention_days,
        outbox_uploader(core.queue, core.sync.trigger),
    )

    def context() -> tuple[str, str, int] | None:
        run = core.run
        return (run.service.id, run.current.id, run.step_number) if run is not None else None

    usage = UsageLog(
        store,
        vocabulary=Vocabulary(core),
        context=context,
        demographics=lambda: bool(core.settings.value("usage_demographics")),
    )
    core.add_listener(CoreEventRecorder(core, usage))
    return usage


class Vocabulary:
    """The ids a catalog_id field may hold: the active catalog's services and steps and
    the screen names; rebuilt when the catalog changes."""

    def __init__(self, core: KioskCore) -> None:
        self._core = core
        self._catalog: CatalogModel | None = None
        self._ids: frozenset[str] = frozenset()

    def __call__(self) -> frozenset[str]:
        catalog = self._core.catalog
        if catalog is not self._catalog:
            ids = set(SCREENS) | {"materials"}
            for service in catalog.services:
                ids.add(service.id)
                ids.update(step.id for step in service.steps)
            self._catalog, self._ids = catalog, frozenset(ids)
        return self._ids


class CoreEventRecorder:
    """A core listener (device, sync or GUI thread): records and returns at once."""

    def __init__(self, core: KioskCore, usage: UsageLog) -> None:
        self._core = core
        self._usage = usage

    def __call__(self, event: events.CoreEvent) -> None:
        usage = self._usage
        if isinstance(event, events.SessionStarted):
            identity = event.session.identity
            display = self._core.display.preferences()
            card_kind = identity.card_kind if identity is not None else "social_security"
            extra = usage.demographics(identity.birth_date, identity.sex) if identity else {}
            usage.session_started(
                mode=self._core.terminal_mode,
                language=display.speech_language,
                text_size=display.text_size,
                high_contrast=display.high_contrast,
                card_kind=card_kind,
                **extra,
            )
            latency_ms = max(0, int((event.identified_at - event.card_event_at) * 1000))
            usage.record("card_read", result="ok", latency_ms=latency_ms, card_kind=card_kind)
        elif isinstance(event, events.SessionEnded):
            usage.session_ended(event.reason)
        elif isinstance(event, events.CardProblem):
            usage.card_problem(event.kind)
        elif isinstance(event, events.CardVerified):
            usage.verifier_check(event.result, event.source)  # never the card or the HMAC
        elif isinstance(event, events.SyncFinished) and (
            event.sent or event.failed or event.quarantined
        ):
            usage.record(
                "sync_round",
                sent=event.sent,
                failed=event.failed,
                quarantined=event.quarantined,
                unsent=event.unsent,
            )
