"""`kiosk doctor`: a checklist for maintainers, each failed line with its fix."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass

import requests

from drivers.errors import CardError, CardNotResponding, NoCard, NoReader, ReaderBusy
from drivers.pcsc.context import PcscContext
from drivers.pcsc.service import read_first_card_within
from drivers.sam import probe_reader
from drivers.sam.protocol import ANSWER_TIMEOUT_S
from drivers.ssc_profile import SocialSecurityCardProfile
from kiosk.backend_client import BackendClient
from kiosk.config import KioskConfig
from kiosk.display_facts import read_display_facts
from kiosk.outbox import heartbeat_path
from kiosk.receipt_printing import printer_check
from kiosk.status_list import (
    StatusListError,
    decode_lookup_key,
    decode_public_key,
    lookup_key_id,
    parse_status_list,
)
from kiosk.status_list_keeper import LIST_FILE
from offline_cache import SCHEMA_VERSION, KeyProblem, Store
from offline_cache.keys import fingerprint, read_key


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_pcsc(card_read_timeout_s: float = 3.0) -> list[Check]:
    try:
        context = PcscContext()
    except CardError as error:
        return [
            Check(
                "pcscd running",
                False,
                str(error),
                error.fix,
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
                NoReader.fix,
            )
        )
        return checks
    checks.append(Check("card reader", True, detail))
    try:
        reader, identity, apdus = read_first_card_within(
            SocialSecurityCardProfile(), card_read_timeout_s
        )
    except NoCard:
        checks.append(Check("card readable", True, "no card inserted (insert one to test it)"))
    except CardError as error:
        checks.append(
            Check(
                "card readable",
                False,
                f"{error.kind}: {error}",
                error.fix,
            )
        )
    else:
        checks.append(
            Check("card readable", True, f"{reader}: {identity.masked_id()} in {apdus} APDUs")
        )
    return checks


ID_CARD_READER = "ID-card reader"
ID_CARD_SAM = "ID-card SAM"


def check_id_card_reader(config: KioskConfig, timeout_s: float = ANSWER_TIMEOUT_S) -> list[Check]:
    """The SAM reader on `id_card_port` (issue 12): the port is there and can be opened,
    then the SAM answers its status command and names itself (its id masked)."""
    port = str(config.id_card_port)
    if not port:
        return [Check(ID_CARD_READER, True, "not configured (id_card_port)")]
    try:
        probe = probe_reader(port, config.id_card_baud, timeout_s)
    except ReaderBusy as error:
        # A running kiosk holds the port (exclusively, as it should): that is health.
        running = _kiosk_running(config)
        return [
            Check(
                ID_CARD_READER,
                running,
                f"{port}: in use by the running kiosk (stop it to probe the SAM)"
                if running
                else f"{port}: {error}",
                "" if running else error.fix,
            )
        ]
    except NoReader as error:
        return [
            Check(
                ID_CARD_READER,
                False,
                str(error),
                # NoReader.fix speaks of PC/SC readers and vpcd; this is the serial one.
                f"plug the ID-card reader in (USB) and check id_card_port = {port} in "
                "kiosk.toml (ls -l /dev/serial/by-id/); demo: kiosk card insert --kind "
                "resident-id … prints the simulated reader's port",
            )
        ]
    except CardError as error:  # the port opened, the SAM did not answer properly
        fix = error.fix
        if isinstance(error, CardNotResponding):  # silent or garbled: often the wrong speed
            fix += f" Check that id_card_baud ({config.id_card_baud}) is the reader's speed."
        return [
            Check(ID_CARD_READER, True, f"{port}: present at {config.id_card_baud} baud"),
            Check(ID_CARD_SAM, False, f"{error.kind}: {error}", fix),
        ]
    return [
        Check(ID_CARD_READER, True, f"{port}: present at {config.id_card_baud} baud"),
        Check(ID_CARD_SAM, True, f"answers its status command; SAM id {probe.sam_id_masked}"),
    ]


def _kiosk_running(config: KioskConfig) -> bool:
    """The kiosk's sync loop heartbeat names the kiosk's pid (see check_sync_loop)."""
    try:
        pid = int(json.loads(heartbeat_path(config).read_text(encoding="utf-8"))["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return _process_alive(pid)


def check_backend(config: KioskConfig) -> Check:
    try:
        with BackendClient.from_config(config) as client:
            response = client.get("/healthz", timeout=3)
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


def check_configuration(config: KioskConfig) -> list[Check]:
    checks = [
        Check(
            "configuration",
            not config.problems,
            "; ".join(str(p) for p in config.problems) or "kiosk.toml: every value valid",
            "correct the values named in kiosk.toml (kiosk doctor names each); the kiosk "
            "runs on the defaults meanwhile",
        )
    ]
    checks.append(
        Check(
            "enrolment",
            config.enrolled,
            f"kiosk {config.kiosk_id} number {config.kiosk_number}"
            if config.enrolled
            else config.enrolment_problem,
            ""
            if config.enrolled
            else "enrol the kiosk: kiosk_id, kiosk_number and "
            "backend_token (or backend_token_file) in kiosk.toml",
        )
    )
    return checks


def check_store_and_key(config: KioskConfig) -> list[Check]:
    """Read-only: doctor never creates, repairs or re-keys the store (the running kiosk
    may have it open); it says what the kiosk will do and what staff must."""
    path = config.store_path
    if not path.exists():
        return [Check("store", True, f"{path} not created yet (the kiosk creates it)")]
    store = Store(path)
    try:
        problem = store.quick_check()
        if problem != "ok":
            return [
                Check(
                    "store",
                    False,
                    f"{path}: {problem}",
                    "restart the kiosk: it sets the damaged file aside in damaged/ and "
                    "salvages every readable row into a fresh store",
                )
            ]
        version = store.read_one("PRAGMA user_version")[0]
        tables = set(store.table_names())
        recorded = store.meta("key_fingerprint") if "store_meta" in tables else None
        waiting = store.read_one("SELECT COUNT(*) FROM outbox WHERE state != 'sent'")[0]
        quarantined = store.read_one("SELECT COUNT(*) FROM outbox WHERE state = 'quarantined'")[0]
    except sqlite3.DatabaseError as error:
        return [Check("store", False, f"{path}: {error}", "restart the kiosk to repair it")]
    finally:
        store.close()
    checks = [
        Check(
            "store",
            version <= SCHEMA_VERSION,
            f"schema {version}, integrity ok, {waiting} row(s) not yet sent, "
            f"{quarantined} quarantined",
            "" if version <= SCHEMA_VERSION else "upgrade the kiosk software",
        )
    ]
    try:
        key = read_key(config.key_path)
    except KeyProblem as problem:
        ok = recorded is None or waiting == 0
        checks.append(
            Check(
                "queue key",
                ok,
                f"{problem}" + ("" if ok else f"; {waiting} row(s) need the key {recorded}"),
                ""
                if ok
                else "restore the key: kiosk keys restore BACKUP (or put the "
                "original queue.key back); never delete the store to get going again",
            )
        )
        return checks
    actual = fingerprint(key)
    ok = recorded in (None, actual) or waiting == 0
    mode = os.stat(config.key_path).st_mode & 0o777
    checks.append(
        Check(
            "queue key",
            ok and mode & 0o077 == 0,
            f"fingerprint {actual}"
            + ("" if ok else f", but the store expects {recorded}")
            + ("" if mode & 0o077 == 0 else f"; mode {mode:o} lets others read it"),
            ""
            if ok and mode & 0o077 == 0
            else "put back the key with fingerprint "
            f"{recorded} (kiosk keys restore BACKUP); chmod 600 {config.key_path}",
        )
    )
    return checks


def check_sync_loop(config: KioskConfig) -> Check:
    """The running kiosk's sync loop writes a heartbeat every few seconds."""
    path = heartbeat_path(config)
    try:
        beat = json.loads(path.read_text(encoding="utf-8"))
        pid = int(beat["pid"])
        at = dt.datetime.fromisoformat(beat["at"])
    except FileNotFoundError:
        return Check("sync loop", True, "no kiosk has run here yet")
    except (OSError, ValueError, KeyError, TypeError) as error:
        return Check("sync loop", False, f"{path} unreadable: {error}", "restart the kiosk")
    if not _process_alive(pid):
        return Check("sync loop", True, f"kiosk not running (last heartbeat {beat['at']})")
    age = (dt.datetime.now(dt.UTC) - at).total_seconds()
    stale_after = 3 * config.sync_timeout_s + 60
    if age > stale_after or age < -stale_after:
        return Check(
            "sync loop",
            False,
            f"kiosk pid {pid} runs, but its sync loop last beat {age:.0f} s ago",
            "restart the kiosk (systemctl restart village-kiosk); send its log to support",
        )
    problem = beat.get("problem") or ""
    return Check(
        "sync loop",
        not problem,
        f"alive (pid {pid}, beat {age:.0f} s ago)" + (f"; {problem}" if problem else ""),
        "" if not problem else "see the staff screen's alerts and the kiosk log",
    )


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_disk(config: KioskConfig) -> Check:
    if not config.data_dir.exists():
        return Check("free disk", True, f"{config.data_dir} not created yet")
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
    return [
        *check_configuration(config),
        *check_store_and_key(config),
        check_sync_loop(config),
        *check_pcsc(config.card_read_timeout_s),
        *check_id_card_reader(config),
        check_backend(config),
        check_disk(config),
        check_fonts(),
        check_voices(),
        check_display(config),
        Check("receipt printer", *printer_check(config)),
        *check_verifier(config),
    ]


def check_verifier(config: KioskConfig, now: float | None = None) -> list[Check]:
    """The verifier's two keys and the status list it holds (issue 14). A service terminal
    without keys is fine; a verifier without them answers grey to everyone."""
    verifier = config.terminal_mode == "verifier"
    if not verifier and not (config.verifier_lookup_key or config.verifier_public_key):
        return [Check("verifier keys", True, "not set (terminal_mode = service)")]
    checks: list[Check] = []
    lookup = _verifier_key(
        checks,
        "verifier look-up key",
        "verifier_lookup_key",
        config.verifier_lookup_key,
        decode_lookup_key,
        lambda key: f"key id {lookup_key_id(key)}",
        "copy the base64 key in the backend's --lookup-key file into verifier_lookup_key; "
        "until then every card is answered grey (请人工核验)",
    )
    public_key = _verifier_key(
        checks,
        "verifier public key",
        "verifier_public_key",
        config.verifier_public_key,
        decode_public_key,
        lambda _key: "an Ed25519 key",
        "paste what `kiosk backend --print-public-key` prints into verifier_public_key; "
        "until then there is no offline list",
    )
    if lookup is not None and public_key is not None:
        checks.append(_held_status_list(config, lookup, public_key, now))
    return checks


def _verifier_key(checks: list[Check], name, setting, text, decode, describe, fix):
    """Decode one verifier key and add its check; the key, or None."""
    try:
        key = decode(text)
    except ValueError as error:
        checks.append(Check(name, False, str(error) if text else f"{setting} is empty", fix))
        return None
    checks.append(Check(name, True, describe(key)))
    return key


def _held_status_list(config: KioskConfig, lookup: bytes, public_key, now: float | None) -> Check:
    path = config.data_dir / LIST_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Check("status list", True, "none held yet (fetched when the backend answers)")
    except OSError as error:
        return Check("status list", False, f"{path}: {error}", "restart the kiosk")
    try:
        held = parse_status_list(raw, public_key, lookup_key_id(lookup))
    except StatusListError as error:
        return Check(
            "status list",
            False,
            f"the held list is refused: {error}",
            "check both verifier keys against the backend's; the kiosk fetches a new list "
            "once they match",
        )
    now = time.time() if now is None else now
    age_h = held.age_s(now) / 3600
    detail = f"sequence {held.sequence}, {held.count} entries, issued {age_h:.1f} h ago"
    if held.expired(now):
        return Check(
            "status list",
            False,
            detail + ", past its valid-until (answers are grey)",
            "check backend_url and the network; the list refreshes once the backend answers",
        )
    return Check("status list", True, detail)


def check_display(config: KioskConfig) -> Check:
    """Which DPI the screen's sizes come from (issue 13): configured, the screen's own
    report, or the default; as the running window last fitted it."""
    configured = f"screen_dpi {config.screen_dpi:g} set in kiosk.toml" if config.screen_dpi else ""
    facts = read_display_facts(config.data_dir)
    if facts is None:
        detail = configured or "screen_dpi automatic (the window has not run on this data dir)"
        return Check("screen", True, detail)
    try:
        detail = (
            f"{facts['width_px']}x{facts['height_px']} at {float(facts['dpi']):.0f} DPI from "
            f"{facts['source']} (reported {facts['reported_mm'][0]}x{facts['reported_mm'][1]}"
            f" mm)"
        )
    except (KeyError, TypeError, ValueError, IndexError):
        return Check("screen", False, "display.json is damaged; it is rewritten at next start")
    return Check("screen", True, detail)
