"""The core runs with PySide6 made unimportable (brief: arrows point one way)."""

import subprocess
import sys
import textwrap


def test_core_packages_import_and_work_with_pyside6_blocked(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys

        class BlockQt:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("PySide6", "shiboken6"):
                    raise ImportError("PySide6 is blocked in this test")
                return None

        sys.meta_path.insert(0, BlockQt())

        import drivers, kiosk, offline_cache
        import drivers.pcsc.service, kiosk.core, kiosk.sync, kiosk_cli.main
        from drivers.channel import CardChannel
        from drivers.simulated.ssc_card import EmulatedSocialSecurityCard, SocialSecurityCardData
        from drivers.ssc_profile import SocialSecurityCardProfile
        from drivers.id_number import with_check_character
        from kiosk.config import KioskConfig
        from kiosk.core import KioskCore
        from kiosk.flow import FlowRun
        from kiosk.session import Session
        from kiosk.submission import enqueue_submission

        number = with_check_character("44528119520708131")
        card = EmulatedSocialSecurityCard(SocialSecurityCardData("王䶮", number))
        identity = SocialSecurityCardProfile().read_identity(CardChannel(card.process))
        from offline_cache import declare_first_store
        from pathlib import Path
        declare_first_store(Path(r"{tmp_path}"))
        core = KioskCore(KioskConfig.load(r"{tmp_path}"))
        service = next(s for s in core.menu() if s.id == "pension_certification")
        run = FlowRun(service, Session(identity=identity, reader="r0"))
        for answer in (True, True, "13812345678"):
            run.answer(answer)
        receipt = enqueue_submission(run, core.queue, "0001", "http://127.0.0.1/track")
        assert core.queue.counts().pending == 1
        assert not [m for m in sys.modules if m.startswith(("PySide6", "shiboken6"))]
        print("core-ok", receipt.tracking_number)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "core-ok 0001" in result.stdout


def test_a_kiosk_with_bad_values_and_no_identity_boots_and_says_why(tmp_path):
    """Landed code: idle_timeout_s = "x" crashed boot; a broken kiosk.toml silently became
    kiosk-0001 with the dev token (two kiosks, one number space)."""
    import pytest

    from kiosk.config import KioskConfig
    from kiosk.core import KioskCore
    from offline_cache import QueueFull

    (tmp_path / "kiosk.toml").write_text(
        'idle_timeout_s = "x"\nmax_unsent_rows = -1\nkiosk_number = "abc"\n'
    )
    core = KioskCore(KioskConfig.load(tmp_path))
    assert core.config.idle_timeout_s == 90 and core.config.max_unsent_rows == 10_000
    details = " | ".join(problem.detail for problem in core.problems())
    assert 'idle_timeout_s = "x"' in details and "max_unsent_rows = -1" in details
    assert "not enrolled" in details and "kiosk_number" in details
    with pytest.raises(QueueFull, match="not enrolled"):
        core.rate("pension_certification", None, 5, [])
    assert core.queue.counts().pending == 0
