"""`kiosk doctor`: a checklist for maintainers, each failed line with its fix."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

import requests

from drivers.errors import CardError, NoCard
from drivers.pcsc.context import PcscContext
from drivers.pcsc.service import read_first_card
from drivers.ssc_profile import SocialSecurityCardProfile
from kiosk.config import KioskConfig


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_pcsc() -> list[Check]:
    try:
        context = PcscContext()
    except CardError as error:
        return [
            Check(
                "pcscd running",
                False,
                str(error),
                "start it as root: pcscd --foreground &  (Debian package: pcscd)",
            ),
        ]
    try:
        readers = context.list_readers()
    except CardError as error:
        readers, detail = [], str(error)
    else:
        detail = ", ".join(readers)
    finally:
        context.release()
    checks = [Check("pcscd running", True, "answers on its socket")]
    if not readers:
        checks.append(
            Check(
                "card reader",
                False,
                detail or "pcscd lists no reader",
                "plug the reader in (USB); for demos install vsmartcard-vpcd",
            )
        )
        return checks
    checks.append(Check("card reader", True, detail))
    try:
        reader, identity, apdus = read_first_card(SocialSecurityCardProfile())
    except NoCard:
        checks.append(Check("card readable", True, "no card inserted (insert one to test it)"))
    except CardError as error:
        checks.append(
            Check(
                "card readable",
                False,
                f"{error.kind}: {error}",
                "try another card; if every card fails, replace the reader",
            )
        )
    else:
        checks.append(
            Check("card readable", True, f"{reader}: {identity.masked_id()} in {apdus} APDUs")
        )
    return checks


def check_backend(config: KioskConfig) -> Check:
    try:
        response = requests.get(config.backend_url.rstrip("/") + "/healthz", timeout=3)
        ok = response.ok and response.headers.get("content-type", "").startswith("application/json")
        detail = f"{config.backend_url}: HTTP {response.status_code}"
    except requests.RequestException as error:
        ok, detail = False, f"{config.backend_url}: {type(error).__name__}"
    return Check(
        "backend reachable",
        ok,
        detail,
        ""
        if ok
        else "check the network cable/4G, then backend_url in kiosk.toml; "
        "submissions wait safely in the queue meanwhile",
    )


def check_disk(config: KioskConfig) -> Check:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    free_mb = shutil.disk_usage(config.data_dir).free // 2**20
    ok = free_mb >= config.min_free_disk_mb
    return Check(
        "free disk",
        ok,
        f"{free_mb} MiB free in {config.data_dir}",
        ""
        if ok
        else f"free space: the kiosk refuses new submissions below {config.min_free_disk_mb} MiB",
    )


def check_fonts() -> Check:
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    ok = bool(out.strip())
    families = sorted({line.split(",")[0] for line in out.splitlines() if line.strip()})
    return Check(
        "Chinese fonts",
        ok,
        ", ".join(families[:3]) or "none found",
        "" if ok else "apt-get install fonts-noto-cjk",
    )


def check_voices() -> Check:
    binary = shutil.which("espeak-ng")
    if binary is None:
        return Check(
            "voices (cmn, yue)",
            False,
            "espeak-ng not installed",
            "apt-get install espeak-ng; the kiosk runs silently meanwhile",
        )
    out = subprocess.run([binary, "--voices"], capture_output=True, text=True, timeout=10).stdout
    languages = {line.split()[1] for line in out.splitlines()[1:] if len(line.split()) > 1}
    missing = [voice for voice in ("cmn", "yue") if voice not in languages]
    return Check(
        "voices (cmn, yue)",
        not missing,
        "missing " + ", ".join(missing) if missing else "cmn and yue present",
        "apt-get install espeak-ng-data" if missing else "",
    )


def run_checks(config: KioskConfig) -> list[Check]:
    return [*check_pcsc(), check_backend(config), check_disk(config), check_fonts(), check_voices()]
