"""A kiosk process for crash tests: real core, real store, real sync, no window.

Usage: python -m tests.helpers.crash_kiosk DATA_DIR BACKEND_URL SUBMISSIONS [SYNC_ROUNDS]
Prints "receipt <tracking number>" the moment a receipt would be shown, then syncs.
KIOSK_CRASH_AT (kiosk/crash_drill.py) makes it SIGKILL itself at one protocol step.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from drivers.pcsc.service import CardIdentified
from kiosk.config import KioskConfig
from kiosk.core import KioskCore
from tests.helpers.cards import WANG_YAN
from tests.helpers.enrolment import enrolled
from tests.helpers.identities import identity_of


def main() -> int:
    data_dir, backend_url, submissions = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    config = KioskConfig.load(
        data_dir, **enrolled(data_dir, backend_url=backend_url, retention_days=365)
    )
    core = KioskCore(config)
    core.queue.recover_in_flight()
    print("ready", flush=True)
    for _ in range(submissions):
        now = time.monotonic()
        core.present_card(CardIdentified("Virtual PCD 00 00", identity_of(*WANG_YAN), now, now, 9))
        run = core.choose_service("pension_certification")
        for answer in (True, True, "13812345678"):
            run.answer(answer)
        receipt = core.submit(run)
        print("receipt", receipt.tracking_number, flush=True)
        core.end_session("finished")
        core.sync.sync_once()  # as the kiosk's sync thread does after each enqueue
    for _ in range(rounds):
        report = core.sync.sync_once(force=True)
        print("synced", report.sent, report.failed, flush=True)
    counts = core.queue.counts()
    print("unsent", counts.unsent, "sent", counts.sent, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
