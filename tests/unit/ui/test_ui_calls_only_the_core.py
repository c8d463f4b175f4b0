"""`ui/` calls the core's own methods (and its staff console), never the parts behind it:
the window cannot write settings around the audit log or read the queue on the GUI
thread by accident. Checked on the source with `ast`."""

import ast
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[3] / "ui"
# KioskCore's parts; `core.staff` (the staff console) is the way to reach what staff may do.
PARTS = {
    "queue",
    "store",
    "sync",
    "settings",
    "audit",
    "pin",
    "config",
    "catalog",
    "catalogs",
    "cards",
    "backend",
    "verifier",
}


def reaches_past_the_core(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not (isinstance(node, ast.Attribute) and node.attr in PARTS):
            continue
        owner = node.value
        owner_name = (
            owner.id
            if isinstance(owner, ast.Name)
            else owner.attr
            if isinstance(owner, ast.Attribute)
            else ""
        )
        if owner_name == "core":
            found.append(f"{filename}:{node.lineno}: core.{node.attr}")
    return found


def test_ui_touches_no_part_of_the_core():
    found = []
    for path in sorted(UI.rglob("*.py")):
        found += reaches_past_the_core(path.read_text(encoding="utf-8"), str(path))
    assert found == [], "ui/ reaches past KioskCore:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "planted",
    ["self.core.settings.text_size = 'large'", "core.queue.counts()", "w.core.sync.trigger()"],
)
def test_the_check_catches_a_planted_reach(planted):
    assert reaches_past_the_core(f"def f(self, core, w):\n    {planted}\n", "planted.py")
