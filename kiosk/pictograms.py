"""The pictograms bundled with the kiosk: one SVG file a name in `pictogram_svg/`.

Drawn for this project (48x48, strokes in `currentColor` so the screen draws them in the
theme's text colour) and free to use under the project's licence. The catalog names a
pictogram for each service; an unknown name is refused when the catalog loads, so a typo
never leaves a tile without its picture. Those who read poorly find a service by its
picture beside the words (MIIT elder guidance: icons with text, never icons alone).
"""

from __future__ import annotations

from pathlib import Path

PICTOGRAM_DIR = Path(__file__).with_name("pictogram_svg")
PICTOGRAM_NAMES = frozenset(path.stem for path in PICTOGRAM_DIR.glob("*.svg"))

# What the verifier and the error screens show beside their words (colour is never the
# only cue).
RESULT_PICTOGRAMS = {"pass": "pass", "manual": "manual", "deny": "deny", "unknown": "unknown"}
PROBLEM_PICTOGRAM = "problem"


def pictogram_svg(name: str) -> bytes:
    """The SVG of a bundled pictogram; KeyError for a name not in the set."""
    if name not in PICTOGRAM_NAMES:
        raise KeyError(f"no pictogram '{name}' (bundled: {', '.join(sorted(PICTOGRAM_NAMES))})")
    return (PICTOGRAM_DIR / f"{name}.svg").read_bytes()
