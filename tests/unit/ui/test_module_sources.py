"""PySide6's import hook must not keep the source of every module imported after it (found
by benchmarks/ui.py: 363 files, 13 MB of the kiosk's RSS, were source lines nobody read)."""

import linecache
import subprocess
import sys
import textwrap
import uuid
import zipfile
from pathlib import Path

import pytest

import ui  # noqa: F401  (installs the check under test)
from ui.module_sources import stop_keeping_module_sources

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def fresh_modules(tmp_path, monkeypatch):
    """Two modules never imported before (PySide6 checks a name once: new names for each
    test): one that mentions PySide6, one that does not. Returns (directory, names)."""
    tag = uuid.uuid4().hex[:12]
    qt, plain = f"uses_qt_{tag}", f"plain_{tag}"
    (tmp_path / f"{qt}.py").write_text("import PySide6\nNAME = 'qt'\n")
    (tmp_path / f"{plain}.py").write_text("NAME = 'plain'\n" + "# filler\n" * 2000)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path, qt, plain
    for name in (qt, plain):
        sys.modules.pop(name, None)


def test_a_module_imported_after_pyside6_leaves_no_source_lines_behind(fresh_modules):
    directory, qt, plain = fresh_modules
    __import__(plain)  # the import statement, which the hook sees
    __import__(qt)
    assert str(directory / f"{plain}.py") not in linecache.cache
    assert str(directory / f"{qt}.py") not in linecache.cache


def test_pyside6_still_learns_which_modules_use_it(fresh_modules):
    feature = sys.modules["shibokensupport.feature"]
    _, qt, plain = fresh_modules
    __import__(plain)
    __import__(qt)
    # 0: may switch PySide6 features; -1: ignored by them (PySide6's own encoding).
    assert feature.pyside_feature_dict[qt] == 0
    assert feature.pyside_feature_dict[plain] == -1


def test_a_module_in_a_zip_gets_pyside6s_own_answer(tmp_path, monkeypatch):
    tag = uuid.uuid4().hex[:12]
    archive = tmp_path / "modules.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(f"zipped_qt_{tag}.py", "import PySide6\n")
        bundle.writestr(f"zipped_plain_{tag}.py", "NAME = 1\n")
    monkeypatch.syspath_prepend(str(archive))
    feature = sys.modules["shibokensupport.feature"]
    try:
        __import__(f"zipped_qt_{tag}")
        __import__(f"zipped_plain_{tag}")
        assert feature.pyside_feature_dict[f"zipped_qt_{tag}"] == 0
        assert feature.pyside_feature_dict[f"zipped_plain_{tag}"] == -1
    finally:
        for name in (f"zipped_qt_{tag}", f"zipped_plain_{tag}"):
            sys.modules.pop(name, None)


def test_source_registered_without_a_file_is_kept(fresh_modules):
    directory, _, plain = fresh_modules
    source = ["x = 1\n"]
    linecache.cache["<kiosk console>"] = (len(source[0]), None, source, "<kiosk console>")
    linecache.getlines(str(directory / f"{plain}.py"))  # a traceback read this one
    try:
        assert stop_keeping_module_sources()
        assert linecache.cache["<kiosk console>"][2] == source
        assert str(directory / f"{plain}.py") not in linecache.cache
    finally:
        linecache.cache.pop("<kiosk console>", None)


def test_the_kiosk_process_keeps_no_module_sources():
    # The order `kiosk run` imports in: the core first, then the window (a fresh process,
    # as the hook sees every import once).
    script = textwrap.dedent(
        """
        import linecache
        import kiosk.core
        import ui.main_window
        import ui.app
        print(sum(len(entry) == 4 for entry in linecache.cache.values()))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "0", result.stderr
