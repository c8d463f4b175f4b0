"""`kiosk enrol`: a new kiosk gets its id, number and token from the backend, once.

The maintainer brings a one-time code (the backend's operator made it: `kiosk backend
--enrol-code`); `enrol` trades it at `POST /api/v1/enrolments` and writes what came back
where the kiosk reads it (kiosk/config.py):

- the token in `<data dir>/backend-<kiosk id>.token`, mode 0600, never in kiosk.toml;
- kiosk.toml: kiosk_id, kiosk_number, backend_token_file, backend_url and
  public_status_url replaced, every other line kept as it was.

Each file is written whole and renamed into place, the token first: kiosk.toml's rename
is the moment the kiosk changes identity, so a crash leaves the old identity or the new
one, never half of each. A kiosk already enrolled is refused unless `force`; even then,
never while submissions numbered under the old identity wait to be sent (the backend
would refuse them from the new one). The data directory is declared a first store: the
number is new, so no receipt was ever numbered with it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sqlite3
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import requests

from kiosk.backend_client import BackendClient
from kiosk.config import IDENTITY_KEYS, KioskConfig
from kiosk.config_declarations import SETTINGS
from offline_cache import StoreInUse, declare_first_store, store_held_alone

ENROLMENTS = "/api/v1/enrolments"
CODE_PATTERN = r"[A-Za-z0-9-]{8,64}"  # as the backend takes them (mock_backend/enrolment.py)
# Lines of kiosk.toml an enrolment replaces.
REPLACED = (*IDENTITY_KEYS, "backend_token_file", "backend_url", "public_status_url")
REFUSED = {
    "enrolment_code_unknown": "the backend does not know this code: check it (letters and "
    "digits as given, '-' included) or ask the backend's operator for a new one",
    "enrolment_code_used": "this code has enrolled a kiosk already (a code works once): ask "
    "the backend's operator for a new one",
    "enrolment_code_expired": "this code has expired: ask the backend's operator for a new one",
    "no_kiosk_number_free": "the backend has no kiosk number left to give (0001-9999 are "
    "taken): tell the backend's operator",
}


class EnrolmentError(Exception):
    """Why the kiosk was not enrolled, with what to do; nothing was written."""


@dataclass(frozen=True)
class Enrolment:
    kiosk_id: str
    kiosk_number: str
    token: str = field(repr=False)
    tracking_page_url: str
    config_path: Path
    token_path: Path


def enrol(config: KioskConfig, backend_url: str, code: str, *, force: bool = False) -> Enrolment:
    """Enrol the kiosk whose settings are `config` (its data directory and kiosk.toml) at
    `backend_url` with `code`. Raises EnrolmentError saying why and what to do. Refused
    while the kiosk runs: it would go on numbering rows under the old identity."""
    try:
        with store_held_alone(config.data_dir):
            return _enrol(config, backend_url, code, force)
    except StoreInUse:
        raise EnrolmentError(
            "the kiosk is running: stop it first (sudo systemctl stop village-kiosk), "
            "enrol, then start it (sudo systemctl start village-kiosk)"
        ) from None


def _enrol(config: KioskConfig, backend_url: str, code: str, force: bool) -> Enrolment:
    _check_can_enrol(config, force)
    backend_url = backend_url.rstrip("/")
    try:
        SETTINGS["backend_url"].accepts(backend_url)
    except ValueError:
        raise EnrolmentError(
            f"--backend {backend_url!r}: expected an http:// or https:// URL"
        ) from None
    if not re.fullmatch(CODE_PATTERN, code):
        raise EnrolmentError("--code: an enrolment code is 8 to 64 letters, digits or '-'")
    _check_writable(config)  # before the code is spent: after, a refused write loses it
    answer = _ask(backend_url, code, config.sync_timeout_s)
    enrolment = _identity(answer, config)
    _write(config, backend_url, enrolment)
    declare_first_store(config.data_dir)
    return enrolment


def present_identity(path: Path) -> dict[str, str]:
    """The identity lines kiosk.toml has now, right or wrong (an unreadable file counts
    as one: it may hold an identity)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return {"kiosk_id": f"(unreadable: {type(error).__name__})"}
    keys = (*IDENTITY_KEYS, "backend_token_file")
    return {key: str(document[key]) for key in keys if document.get(key)}


def _check_can_enrol(config: KioskConfig, force: bool) -> None:
    identity = present_identity(config.toml_path)
    if identity and not force:
        raise EnrolmentError(
            f"this kiosk is already enrolled as {identity.get('kiosk_id', '(no kiosk_id)')} "
            f"(number {identity.get('kiosk_number', 'not set')}) in {config.toml_path}; to "
            "enrol it again, with a new identity, add --force"
        )
    unsent = _unsent_rows(config.store_path)
    if unsent:
        raise EnrolmentError(
            f"{unsent} submission(s) numbered under this kiosk's present identity are not "
            "sent yet; the backend would refuse them from a new one. Send them first "
            "(connect the kiosk and run kiosk sync --once), then enrol again"
        )


def _unsent_rows(store_path: Path) -> int:
    if not store_path.exists():
        return 0
    try:
        with contextlib.closing(
            sqlite3.connect(f"file:{store_path}?mode=ro", uri=True, timeout=10)
        ) as db:
            return db.execute(
                "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'in_flight', 'failed')"
            ).fetchone()[0]
    except sqlite3.Error as error:
        raise EnrolmentError(
            f"cannot read the store {store_path} to see whether anything waits to be sent "
            f"({error}); move the data directory away to enrol from scratch"
        ) from error


def _ask(backend_url: str, code: str, timeout_s: float) -> dict:
    with BackendClient(backend_url, timeout_s=timeout_s) as client:
        try:
            response = client.post(ENROLMENTS, {"code": code})
        except requests.ConnectionError as error:  # refused, unresolved, connect timeout
            raise EnrolmentError(
                f"cannot reach the backend at {backend_url} ({type(error).__name__}): "
                "check the address, the network and that the backend runs, then try "
                "again (the code is still good)"
            ) from error
        except requests.RequestException as error:  # sent, but no answer came back
            raise _lost_answer(backend_url, error) from error
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 201 and isinstance(body, dict):
        return body
    error = body.get("error") if isinstance(body, dict) else None
    if error in REFUSED:
        raise EnrolmentError(REFUSED[error])
    if response.status_code == 422:
        raise EnrolmentError("the backend refused the code's form: check it")
    raise EnrolmentError(
        f"{backend_url} answered {response.status_code} "
        f"{(error or response.reason or '').strip()}: is it the kiosk backend?"
    )


def _check_writable(config: KioskConfig) -> None:
    for directory in (config.toml_path.parent, config.data_dir):
        if not os.access(directory, os.W_OK):
            raise EnrolmentError(
                f"cannot write in {directory}: run kiosk enrol as the kiosk's user "
                "(sudo kiosk enrol: the installed command switches to it)"
            )


def _lost_answer(backend_url: str, error: Exception) -> EnrolmentError:
    # The request went out; the backend may have enrolled the kiosk and spent the code.
    return EnrolmentError(
        f"the backend at {backend_url} did not answer ({type(error).__name__}) after "
        "taking the request: try again; if it says the code is used, it was spent on this "
        "answer, so ask the backend's operator for a new code"
    )


def _identity(answer: dict, config: KioskConfig) -> Enrolment:
    """The backend's answer, checked by the same rules as kiosk.toml."""
    try:
        kiosk_id = SETTINGS["kiosk_id"].accepts(answer.get("kiosk_id"))
        number = SETTINGS["kiosk_number"].accepts(answer.get("kiosk_number"))
        token = SETTINGS["backend_token"].accepts(answer.get("token"))
        page = SETTINGS["public_status_url"].accepts(answer.get("tracking_page_url"))
    except ValueError as error:
        text = str(error).replace(str(answer.get("token")), "***")  # never print the token
        raise EnrolmentError(f"the backend's answer is not usable: {text}") from None
    return Enrolment(
        kiosk_id,
        number,
        token,
        page,
        config.toml_path,
        config.data_dir / f"backend-{kiosk_id}.token",
    )


def _write(config: KioskConfig, backend_url: str, enrolment: Enrolment) -> None:
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    old_token_file = present_identity(config.toml_path).get("backend_token_file", "")
    _write_whole(enrolment.token_path, enrolment.token + "\n", 0o600)
    try:
        kept = config.toml_path.read_text(encoding="utf-8").splitlines()
        mode = os.stat(config.toml_path).st_mode & 0o777
    except FileNotFoundError:
        kept, mode = [], 0o644
    pattern = re.compile(rf"\s*({'|'.join(REPLACED)})\s*=")
    kept = [line for line in kept if not pattern.match(line)]
    today = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    values = {
        "kiosk_id": enrolment.kiosk_id,
        "kiosk_number": enrolment.kiosk_number,
        "backend_token_file": enrolment.token_path.name,  # under the data directory
        "backend_url": backend_url,
        "public_status_url": enrolment.tracking_page_url,
    }
    head = [f"# Enrolled by `kiosk enrol` at {backend_url} on {today}."]
    # A TOML basic string is JSON's: a quote or backslash in a URL the backend sent
    # cannot break the file (every setting would fall back to its default).
    head += [
        f"{key} = {json.dumps(str(value), ensure_ascii=False)}" for key, value in values.items()
    ]
    _write_whole(config.toml_path, "\n".join(head + kept) + "\n", mode)
    if old_token_file and old_token_file != enrolment.token_path.name:
        old = Path(old_token_file).expanduser()
        with contextlib.suppress(OSError):  # the old identity's token is no use any more
            (old if old.is_absolute() else config.data_dir / old).unlink()


def _write_whole(path: Path, text: str, mode: int) -> None:
    """Written beside, synced, renamed into place: all of it or none."""
    temporary = path.with_name(f".{path.name}.new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode)
    try:
        os.fchmod(fd, mode)  # whatever the umask
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
