"""The queue key: created atomically, fingerprinted in the store, backed up under a passphrase.

Lose the key and every sealed row is gone. So the store records the key's fingerprint;
a key file that is missing, truncated or different stops new submissions (and sync)
instead of being replaced by a fresh key over unsent rows, and the rows come back to life
when the right key returns (offline-sync.md, "encryption keys"). A backup is the key
sealed under a maintainer's passphrase (scrypt + AES-GCM); the passphrase is never stored.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

KEY_BYTES = 32
BACKUP_FORMAT = "village-kiosk-queue-key-backup/1"
# scrypt n=2^15, r=8: ~32 MiB and ~0.1 s per try, for a passphrase guessed offline.
BACKUP_SCRYPT = {"n": 2**15, "r": 8, "p": 1}
MIN_PASSPHRASE = 12


class KeyProblem(Exception):
    """The key file cannot be used with this store. `kind`: missing | truncated |
    wrong_key | unreadable."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


class BackupError(Exception):
    """A backup file is damaged, of another format, or the passphrase is wrong."""


def fingerprint(key: bytes) -> str:
    """A short, non-secret name for a key (SHA-256 of a label and the key)."""
    return hashlib.sha256(b"village-kiosk queue key\x00" + key).hexdigest()[:16]


def read_key(path: Path) -> bytes:
    """The key in `path`, or KeyProblem saying why not."""
    try:
        key = path.read_bytes()
    except FileNotFoundError as error:
        raise KeyProblem("missing", f"{path} is missing") from error
    except OSError as error:
        raise KeyProblem("unreadable", f"{path} cannot be read: {error.strerror}") from error
    if len(key) != KEY_BYTES:
        raise KeyProblem(
            "truncated", f"{path} holds {len(key)} bytes, not {KEY_BYTES} (damaged or cut short)"
        )
    return key


def write_key_file(path: Path, key: bytes) -> None:
    """Write the key atomically (temporary file, fsync, rename, fsync of the directory):
    a power cut leaves the old file or the new one, never an empty or short one."""
    if len(key) != KEY_BYTES:
        raise ValueError("a queue key is 32 bytes")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


@dataclass(frozen=True)
class KeyBackup:
    fingerprint: str
    document: bytes


def backup_key(key: bytes, passphrase: str) -> KeyBackup:
    """The key sealed under `passphrase`, as a small JSON document."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(f"the passphrase must be at least {MIN_PASSPHRASE} characters")
    salt = os.urandom(16)
    nonce = os.urandom(12)
    wrapping = _derive(passphrase, salt, BACKUP_SCRYPT)
    print_ = fingerprint(key)
    sealed = AESGCM(wrapping).encrypt(nonce, key, _associated(print_))
    document = {
        "format": BACKUP_FORMAT,
        "fingerprint": print_,
        "kdf": {"name": "scrypt", **BACKUP_SCRYPT, "salt": _b64(salt)},
        "nonce": _b64(nonce),
        "sealed_key": _b64(sealed),
    }
    return KeyBackup(print_, (json.dumps(document, indent=1) + "\n").encode())


def restore_key(document: bytes, passphrase: str) -> bytes:
    """The key inside a backup, or BackupError (wrong passphrase, damaged, other format)."""
    try:
        doc = json.loads(document)
        if doc.get("format") != BACKUP_FORMAT:
            raise BackupError(f"not a queue key backup (format {doc.get('format')!r})")
        kdf = doc["kdf"]
        cost = {"n": int(kdf["n"]), "r": int(kdf["r"]), "p": int(kdf["p"])}
        wrapping = _derive(passphrase, _unb64(kdf["salt"]), cost)
        key = AESGCM(wrapping).decrypt(
            _unb64(doc["nonce"]), _unb64(doc["sealed_key"]), _associated(doc["fingerprint"])
        )
    except InvalidTag as error:
        raise BackupError("wrong passphrase, or the backup was altered") from error
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"the backup file is damaged: {error}") from error
    if fingerprint(key) != doc["fingerprint"]:
        raise BackupError("the backup's fingerprint does not match its key")
    return key


def _derive(passphrase: str, salt: bytes, cost: dict[str, int]) -> bytes:
    if cost["n"] > 2**20 or cost["r"] > 32 or cost["p"] > 4:
        raise BackupError("the backup asks for an unreasonable scrypt cost")
    return Scrypt(salt=salt, length=32, **cost).derive(passphrase.encode("utf-8"))


def _associated(print_: str) -> bytes:
    return f"{BACKUP_FORMAT}\x00{print_}".encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
