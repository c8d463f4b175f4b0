"""Stop PySide6 keeping the source text of every module the kiosk imports.

PySide6 (6.4 and later, PYSIDE-2029) hooks `import` to learn which modules use it, for its
optional `from __feature__ import ...` switches. It finds out with `inspect.getsource`, which
reads the whole file through `linecache` and leaves it there for the life of the process:
every module imported after PySide6, ours and every library's, stays in memory as a list
of source lines. In the kiosk that is 80 to 360 files (as the import order goes) and up to
13 MB of RSS that nothing reads.

The kiosk uses no `__feature__` switch, but the hook keeps its answer: we ask the same
question ("does the file mention PySide6?") by reading the file's bytes once, without
caching them. Anything that is not a `.py` file on disk goes to PySide6's own check. If a
PySide6 release moves the hook, nothing is patched and the kiosk only keeps the sources.
"""

from __future__ import annotations

import linecache
import logging
import sys
from collections.abc import Callable
from types import ModuleType

log = logging.getLogger(__name__)

PATCHED = "_kiosk_reads_without_caching"


def stop_keeping_module_sources() -> bool:
    """Replace PySide6's import-hook check with one that caches nothing, and drop the
    source lines it has cached so far. Returns whether the hook was found (idempotent)."""
    import PySide6  # noqa: F401  (installs the hook we replace)

    feature = sys.modules.get("shibokensupport.feature")
    upstream = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(upstream):
        log.info("PySide6's import hook was not found; module sources stay cached")
        return False
    if not getattr(upstream, PATCHED, False):
        feature._mod_uses_pyside = _uncached_check(upstream)
    _forget_file_sources()
    return True


def _uncached_check(upstream: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    def mod_uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return upstream(module)  # extension modules, bytecode only: PySide6's own way
        try:
            with open(path, "rb") as source:
                return b"PySide6" in source.read()
        except OSError:
            # Not a file on disk (a module in a zip, another loader): PySide6 asks the
            # loader, through linecache; rare enough to keep what it caches.
            return upstream(module)

    setattr(mod_uses_pyside, PATCHED, True)
    return mod_uses_pyside


def _forget_file_sources() -> None:
    # Only entries read from a file on disk (they come back on demand, for a traceback);
    # source registered without a file (mtime None) or lazily (a 1-tuple) is kept.
    for filename, entry in list(linecache.cache.items()):
        if len(entry) == 4 and entry[1] is not None:
            linecache.cache.pop(filename, None)
