"""Secrets in the OS keyring, and nowhere else.

Service name "GovDesk"; entry names are namespaced per profile (one profile = one
account on one platform) so two accounts on one PC never share a secret:
  <profile>/refresh_token      the platform refresh token (rotates on every refresh)
  <profile>/access_token       the current access token and its expiry (JSON), so a new
                               process does not refresh while it is valid
  <profile>/cache_key          32 random bytes (hex) that encrypt the local cache
  <profile>/signing_key/<dev>  the device signing key (JSON: algorithm, private, key_id)
  <profile>/account            the offline-unlock verifier and who the user is (JSON:
                               user id, name, unit, roles, last sign-in; client/auth.py),
                               kept out of profile.json (issue 13 finding 9). A few
                               hundred bytes: within Windows' 2,560-byte credential limit.

Keyring failures (no backend on a headless machine, a locked collection, D-Bus errors)
become `KeyringError` with a Chinese sentence saying what to do. There is deliberately
no plaintext fallback: a machine without a keyring cannot sign in.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

import keyring
import keyring.errors
from keyring.backends import fail

from client.errors import KeyringError
from protocol.signing import KeyPair, key_id_from_public, public_key_from_private

log = logging.getLogger(__name__)

SERVICE = "GovDesk"
CACHE_KEY_BYTES = 32


T = TypeVar("T")


def _translate(action: str, call: Callable[[], T]) -> T:
    """Run a keyring call, turning every backend failure into KeyringError."""
    if isinstance(keyring.get_keyring(), fail.Keyring):
        raise KeyringError("keyring.unavailable")
    try:
        return call()
    except keyring.errors.NoKeyringError as exc:
        raise KeyringError("keyring.unavailable") from exc
    except keyring.errors.KeyringLocked as exc:
        raise KeyringError("keyring.locked") from exc
    except keyring.errors.InitError as exc:
        raise KeyringError("keyring.unavailable") from exc
    except keyring.errors.KeyringError as exc:
        raise KeyringError("keyring.error", reason=str(exc), detail=action) from exc
    except Exception as exc:  # D-Bus and OS errors from backends are not keyring errors
        log.warning("keyring backend failed during %s: %s", action, type(exc).__name__)
        raise KeyringError("keyring.error", reason=type(exc).__name__, detail=action) from exc


class Keystore:
    """The keyring entries of one profile."""

    def __init__(self, profile_key: str, *, service: str = SERVICE) -> None:
        if not profile_key or "/" in profile_key:
            raise ValueError("profile_key must be a non-empty name without '/'")
        self.profile_key = profile_key
        self.service = service

    def _name(self, *parts: str) -> str:
        return "/".join((self.profile_key, *parts))

    def _get(self, name: str) -> str | None:
        return _translate("读取", lambda: keyring.get_password(self.service, name))

    def _set(self, name: str, value: str) -> None:
        _translate("保存", lambda: keyring.set_password(self.service, name, value))

    def _delete(self, name: str) -> None:
        def call() -> None:
            # Already absent: deleting is idempotent.
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password(self.service, name)

        _translate("删除", call)

    def check_available(self) -> None:
        """Raise KeyringError now rather than halfway through a login."""
        self._get(self._name("probe"))

    # --- refresh token ---------------------------------------------------------------
    def get_refresh_token(self) -> str | None:
        return self._get(self._name("refresh_token"))

    def set_refresh_token(self, token: str) -> None:
        self._set(self._name("refresh_token"), token)

    def delete_refresh_token(self) -> None:
        self._delete(self._name("refresh_token"))
        self._delete(self._name("access_token"))

    # --- access token (short-lived; kept so the next process need not refresh) --------
    def get_access_token(self) -> tuple[str, float] | None:
        """(token, expires at in epoch seconds), or None; a damaged entry counts as none."""
        value = self._get(self._name("access_token"))
        if value is None:
            return None
        try:
            data = json.loads(value)
            return str(data["token"]), float(data["expires_at"])
        except (ValueError, KeyError, TypeError):
            return None

    def set_access_token(self, token: str | None, expires_at: float = 0.0) -> None:
        if token is None:
            self._delete(self._name("access_token"))
            return
        self._set(self._name("access_token"),
                  json.dumps({"token": token, "expires_at": expires_at}))

    # --- cache key -------------------------------------------------------------------
    def get_cache_key(self) -> bytes | None:
        value = self._get(self._name("cache_key"))
        if value is None:
            return None
        try:
            key = bytes.fromhex(value)
        except ValueError:
            key = b""
        if len(key) != CACHE_KEY_BYTES:
            raise KeyringError("keyring.corrupt", detail="cache key")
        return key

    def get_or_create_cache_key(self) -> bytes:
        """The cache key, created once (random) on the first call for this profile."""
        key = self.get_cache_key()
        if key is None:
            key = secrets.token_bytes(CACHE_KEY_BYTES)
            self._set(self._name("cache_key"), key.hex())
            # Read back: a backend that silently drops writes must not leave us with a
            # cache encrypted by a key nobody kept.
            if self.get_cache_key() != key:
                raise KeyringError("keyring.error", reason="the cache key was not kept")
        return key

    def delete_cache_key(self) -> None:
        self._delete(self._name("cache_key"))

    # --- account: offline verifier and the user's details ----------------------------
    def get_account(self) -> dict[str, Any] | None:
        value = self._get(self._name("account"))
        if value is None:
            return None
        try:
            data = json.loads(value)
        except ValueError as exc:
            raise KeyringError("keyring.corrupt", detail="account") from exc
        if not isinstance(data, dict):
            raise KeyringError("keyring.corrupt", detail="account")
        return data

    def set_account(self, account: dict[str, Any]) -> None:
        self._set(self._name("account"), json.dumps(account, ensure_ascii=False,
                                                    sort_keys=True))

    def delete_account(self) -> None:
        self._delete(self._name("account"))

    # --- device signing key ----------------------------------------------------------
    def get_signing_key(self, device_id: str) -> KeyPair | None:
        value = self._get(self._name("signing_key", device_id))
        if value is None:
            return None
        try:
            data = json.loads(value)
            private = base64.b64decode(data["private"], validate=True)
            algorithm = data["algorithm"]
            public_b64 = public_key_from_private(algorithm, private)
            key_id = key_id_from_public(public_b64)
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise KeyringError("keyring.corrupt", detail="signing key") from exc
        if data.get("key_id") not in (None, key_id):
            raise KeyringError("keyring.corrupt", detail="signing key id mismatch")
        return KeyPair(algorithm=algorithm, private_bytes=private, public_b64=public_b64,
                       key_id=key_id)

    def set_signing_key(self, device_id: str, keypair: KeyPair) -> None:
        value = json.dumps({
            "algorithm": keypair.algorithm,
            "private": base64.b64encode(keypair.private_bytes).decode("ascii"),
            "key_id": keypair.key_id,
        })
        self._set(self._name("signing_key", device_id), value)

    def delete_signing_key(self, device_id: str) -> None:
        self._delete(self._name("signing_key", device_id))

    def delete_all(self, device_id: str | None = None) -> None:
        """Forget every secret of this profile (logout with wipe)."""
        self.delete_refresh_token()
        self.delete_cache_key()
        self.delete_account()
        if device_id:
            self.delete_signing_key(device_id)
