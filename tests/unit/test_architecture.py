"""Arrows point one way (ARCHITECTURE.md, "Parts and arrows"; issue 11), read from the
source with `ast` so that imports inside functions count (tests/helpers/import_rules.py).

The rule: `kiosk`, `drivers` and `offline_cache` never import `ui`, Qt, `mock_backend` or
`kiosk_cli`; `drivers` and `offline_cache` import nothing of ours but themselves; `ui`
never imports `mock_backend` or `kiosk_cli`; `mock_backend` imports nothing of ours; only
`kiosk_cli`, the composition root, imports everything. No part has an import cycle
between its own modules.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.import_rules import PACKAGES, all_imports, cycles, modules, rule_violations

ROOT = Path(__file__).resolve().parents[2]


def test_every_part_imports_only_what_the_rule_allows():
    assert rule_violations(ROOT) == [], "\n".join(rule_violations(ROOT))


def test_the_walk_sees_every_part_and_the_imports_inside_functions():
    # Guards against a vacuous pass: a renamed folder or a walker that finds nothing.
    for package in PACKAGES:
        assert modules(ROOT, (package,)), f"no modules found in {package}/"
    arrows = {(found.importer, found.target) for found in all_imports(ROOT)}
    assert ("kiosk_cli.run", "ui.app") in arrows  # function-local, on purpose
    assert ("kiosk_cli.backend", "mock_backend") in arrows


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_between_the_modules_of_a_part(package):
    found = cycles(ROOT, package)
    assert found == [], "\n".join(found)


# -- the checker, shown failing on planted imports -----------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of our packages to plant imports in."""
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return tmp_path


def plant(tree: Path, module: str, code: str) -> int:
    """Append `code` to a module of the copy; returns the line of its last line."""
    path = tree / module
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n\n" + code
    path.write_text(text, encoding="utf-8")
    return len(text.rstrip("\n").splitlines())


PLANTED = [
    ("kiosk/session.py", "def planted():\n    import ui\n", "kiosk.session -> ui (import)"),
    (
        "kiosk/text.py",
        "def planted():\n    from PySide6.QtCore import QObject\n",
        "kiosk.text -> PySide6.QtCore (from)",
    ),
    (
        "kiosk/rating.py",
        "def planted():\n    from ..ui import app\n",
        "kiosk.rating -> ui (from)",
    ),
    (
        "kiosk/outbox.py",
        'def planted():\n    run([executable, "-m", "kiosk_cli", "sync", "--once"])\n',
        "kiosk.outbox -> kiosk_cli (python -m)",
    ),
    (
        "drivers/identity.py",
        "def planted():\n    from kiosk import config\n",
        "drivers.identity -> kiosk (from)",
    ),
    (
        "offline_cache/sealing.py",
        'def planted():\n    return importlib.import_module("drivers.identity")\n',
        "offline_cache.sealing -> drivers.identity (import_module)",
    ),
    (
        "mock_backend/tracking.py",
        "if TYPE_CHECKING:\n    from kiosk.text import Text\n",
        "mock_backend.tracking -> kiosk.text (from)",
    ),
    (
        "ui/bridge.py",
        "class Planted:\n    def method(self):\n        from kiosk_cli.main import main\n",
        "ui.bridge -> kiosk_cli.main (from)",
    ),
]


@pytest.mark.parametrize(("module", "code", "arrow"), PLANTED, ids=[p[2] for p in PLANTED])
def test_a_planted_forbidden_import_is_reported_with_its_file_line_and_arrow(
    tree, module, code, arrow
):
    assert rule_violations(tree) == []
    line = plant(tree, module, code)
    reported = rule_violations(tree)
    assert len(reported) == 1, reported
    assert reported[0].startswith(f"{module}:{line}: {arrow} breaks the rule: "), reported


def test_the_composition_root_may_import_everything(tree):
    plant(tree, "kiosk_cli/doctor.py", "def planted():\n    import mock_backend, ui, PySide6\n")
    assert rule_violations(tree) == []


def test_a_planted_cycle_hidden_in_a_function_is_reported(tree):
    # kiosk/flow.py imports kiosk.text at the top; this closes the circle.
    line = plant(tree, "kiosk/text.py", "def planted():\n    from kiosk import flow\n")
    reported = cycles(tree, "kiosk")
    assert len(reported) == 1, reported
    assert reported[0].startswith("cycle kiosk.flow -> kiosk.text -> kiosk.flow ("), reported
    assert f"kiosk/text.py:{line}" in reported[0]


def test_a_type_only_import_is_no_cycle_but_still_an_arrow(tree):
    plant(tree, "kiosk/text.py", "if TYPE_CHECKING:\n    from kiosk.flow import FlowRun\n")
    assert cycles(tree, "kiosk") == []
    plant(tree, "drivers/identity.py", "if TYPE_CHECKING:\n    from kiosk.flow import FlowRun\n")
    assert [line.split(": ")[1] for line in rule_violations(tree)] == [
        "drivers.identity -> kiosk.flow (from) breaks the rule"
    ]
