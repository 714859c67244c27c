"""Signing in: online against the platform, offline against a local password verifier.

- The refresh token goes to the OS keyring (client/keystore.py); the access token
  stays in memory (client/sync/api.py).
- A user who signed in online before may open the cache offline: the profile keeps a
  salted scrypt *verifier* of the password (never the password), checked in constant
  time. A wrong password offline is `AuthError("auth.invalid_credentials")`.
- The first online login on a device creates its signing key (Ed25519 by default,
  SM2 when policy says `signature_algorithm = "sm2-sm3"`) in the keyring; it signs
  once enrolled with the password and a one-time code (client/session.py `enrol_key`).
- `profile.json` holds only what is not secret: who, where, the device id, the verifier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import socket
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from client.errors import AuthError, StorageError
from client.keystore import Keystore
from protocol import signing
from protocol.signing import KeyPair

PROFILE_FILE = "profile.json"

# scrypt cost: ~50 ms here; the same order as the platform's password hash.
_N, _R, _P, _DKLEN = 2**14, 8, 1, 32
_MAXMEM = 64 * 1024 * 1024


def new_verifier(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN,
                            maxmem=_MAXMEM)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_verifier(password: str, encoded: str | None) -> bool:
    """Constant-time check; False (never an exception) for a missing or malformed verifier."""
    if not encoded:
        return False
    try:
        scheme, n, r, p, salt_b64, hash_b64 = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(hash_b64, validate=True)
        digest = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt_b64, validate=True),
                                n=int(n), r=int(r), p=int(p), dklen=len(expected),
                                maxmem=_MAXMEM)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


def device_name() -> str:
    try:
        return socket.gethostname() or "GovDesk"
    except OSError:
        return "GovDesk"


@dataclass
class ProfileInfo:
    """The non-secret facts of one profile (profile.json in its folder)."""

    server_url: str
    username: str
    device_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    user_id: str | None = None
    display_name: str | None = None
    unit_id: str | None = None
    roles: list[str] = field(default_factory=list)
    password_verifier: str | None = None
    signing_key_id: str | None = None
    # The key this device enrolled with password + one-time code (issue 13).
    enrolled_key_id: str | None = None
    last_login_at: float | None = None
    # The county CA file given at sign-in (`login --ca-file`): later syncs use it when no
    # ca_file is configured otherwise. A path, not a secret.
    ca_file: str | None = None

    @classmethod
    def load(cls, profile_dir: Path) -> ProfileInfo | None:
        path = profile_dir / PROFILE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise StorageError("profile.unreadable", path=str(path), detail=str(exc)) from exc
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        try:
            return cls(**known)
        except TypeError as exc:
            raise StorageError("profile.unreadable", path=str(path), detail=str(exc)) from exc

    def save(self, profile_dir: Path) -> None:
        profile_dir.mkdir(parents=True, exist_ok=True)
        path = profile_dir / PROFILE_FILE
        tmp = path.with_suffix(".json.tmp")
        data: dict[str, Any] = asdict(self)
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise StorageError("profile.unwritable", reason=exc.strerror,
                               detail=str(exc)) from exc


def check_offline(info: ProfileInfo | None, password: str) -> None:
    """Raise unless `password` matches the verifier of an earlier online login."""
    if info is None or not info.password_verifier:
        raise AuthError("auth.offline_unavailable")
    if not check_verifier(password, info.password_verifier):
        raise AuthError("auth.invalid_credentials")


def ensure_device_key(keystore: Keystore, device_id: str, algorithm: str) -> tuple[KeyPair, bool]:
    """The device signing key from the keyring, created when missing (or when policy
    changed the algorithm). Returns (key, created)."""
    current = keystore.get_signing_key(device_id)
    if current is not None and current.algorithm == algorithm:
        return current, False
    keypair = signing.generate_keypair(algorithm)
    keystore.set_signing_key(device_id, keypair)
    return keypair, True


def record_login(info: ProfileInfo, password: str, *, user_id: str, display_name: str,
                 unit_id: str | None, roles: list[str]) -> None:
    """Update the profile after a successful online login (new verifier: password may
    have changed on the platform)."""
    info.user_id = user_id
    info.display_name = display_name
    info.unit_id = unit_id
    info.roles = list(roles)
    info.password_verifier = new_verifier(password)
    info.last_login_at = time.time()


def random_op_id() -> str:
    return str(uuid.UUID(bytes=secrets.token_bytes(16), version=4))
