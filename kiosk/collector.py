"""Python's cyclic garbage collector, paused while the kiosk starts.

Starting imports some 400 modules and builds the window: about 100,000 objects that live
as long as the process. With the collector on, making them sets off some 145 collections
that find almost nothing (about 700 objects of garbage in all) and take 30 to 50 ms of a
0.45 s start (benchmarks/ui.py). So `kiosk run` pauses the collector before its heavy
imports (Qt, the core, the screens; not while the demo waits for its backend) and resumes
it once the window is up, first moving what start made into the permanent
generation (gc.freeze()): later full collections, during a villager's taps, then walk only
what the sessions make. The price: a reference cycle among frozen objects is never
collected (reference counting still frees the rest), so the few start-up cycles that were
already garbage, and any start-time object later dropped inside a cycle, stay for the
process's life. That is bounded by what start made, once; nothing made later is frozen.
"""

from __future__ import annotations

import gc

_paused_by_start = False


def pause_for_start() -> None:
    """Stop automatic collections until `resume_after_start`."""
    global _paused_by_start
    if gc.isenabled():
        gc.disable()
        _paused_by_start = True


def resume_after_start() -> None:
    """Freeze what start made and turn the collector back on, if `pause_for_start` turned
    it off (a caller that had the collector off for its own reasons keeps it off). Safe to
    call more than once: a start that failed before the window calls it as well."""
    global _paused_by_start
    if not _paused_by_start:
        return
    _paused_by_start = False
    gc.freeze()
    gc.enable()
