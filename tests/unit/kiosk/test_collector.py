"""kiosk/collector.py: the garbage collector paused while the kiosk starts, and what start
made frozen when it resumes."""

import gc

import pytest

from kiosk import collector


@pytest.fixture(autouse=True)
def collector_restored():
    """Each test leaves the collector on and nothing frozen, as pytest's process had it."""
    yield
    collector.resume_after_start()
    gc.unfreeze()
    gc.enable()


def test_paused_until_resumed_then_start_objects_are_frozen():
    frozen_before = gc.get_freeze_count()
    collector.pause_for_start()
    assert not gc.isenabled()
    made_at_start = [[n] for n in range(1000)]  # containers the collector would track

    collector.resume_after_start()

    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(made_at_start)
    # Frozen objects are out of the collector's lists: a full collection no longer walks them.
    assert not any(thing is made_at_start for thing in gc.get_objects())


def test_resume_is_safe_twice_and_freezes_only_once():
    collector.pause_for_start()
    collector.resume_after_start()
    frozen = gc.get_freeze_count()
    made_later = [[n] for n in range(100)]

    collector.resume_after_start()  # e.g. cmd_run's finally after run_window's timer

    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
    assert any(thing is made_later for thing in gc.get_objects())


def test_a_caller_that_had_the_collector_off_keeps_it_off():
    frozen_before = gc.get_freeze_count()
    gc.disable()
    collector.pause_for_start()
    collector.resume_after_start()
    assert not gc.isenabled()
    assert gc.get_freeze_count() == frozen_before
