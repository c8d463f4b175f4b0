"""The background worker: one long-lived thread, one store connection for all its work."""

from offline_cache import open_store
from ui.background import run_in_background, wait_for_background_work


def test_work_on_the_worker_reuses_one_store_connection(qtbot, tmp_path):
    """Found by benchmarks/ui.py: Qt's worker thread got a fresh Python thread state on
    every operation, so threading.local gave a new SQLite connection each time (~400 KB
    and a file descriptor per villager session, never freed)."""
    store = open_store(tmp_path / "kiosk.db")
    seen = []
    for _ in range(20):  # one at a time, as villagers' taps come
        run_in_background(lambda: id(store.connection()), seen.append, None)
        assert wait_for_background_work()
    qtbot.waitUntil(lambda: len(seen) == 20, timeout=2000)
    assert len(set(seen)) == 1
    assert len(store._by_thread) <= 2  # the worker's, and none per operation
