"""Keeping a kiosk that runs for months small (benchmarks/ui.py measures it).

glibc gives each thread that allocates its own malloc arena; with the device, sync, claim,
watchdog and background threads that alone held ~15 MB of freed memory in RSS. Two arenas
are plenty for one villager at a time. After each session, freed heap pages go back to the
system, which also makes the villager's data unreachable in memory sooner.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc mallopt parameter


def _libc():
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


_LIBC = _libc()


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Call before threads start. False where glibc's mallopt is not available."""
    if _LIBC is None or not hasattr(_LIBC, "mallopt"):
        return False
    return bool(_LIBC.mallopt(M_ARENA_MAX, arenas))


def release_free_memory() -> None:
    """Return freed heap pages to the system (glibc malloc_trim); a no-op elsewhere."""
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)
