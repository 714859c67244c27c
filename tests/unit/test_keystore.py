"""Secrets live in the OS keyring only; keyring failures become clear KeyringErrors."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from client.errors import KeyringError
from client.keystore import Keystore
from protocol import signing
from tests.support.services import require_service


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


class LockedKeyring(MemoryKeyring):
    """What the Secret Service backend raises when the user dismisses the unlock prompt."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    set_password = get_password  # type: ignore[assignment]


@pytest.fixture
def backend() -> Iterator[KeyringBackend]:
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def _exercise(store: Keystore, other: Keystore) -> None:
    """Everything the client keeps in the keyring, through one profile and another."""
    assert store.get_refresh_token() is None
    store.set_refresh_token("rt-1")
    store.set_refresh_token("rt-2")  # rotation replaces
    assert store.get_refresh_token() == "rt-2"
    assert other.get_refresh_token() is None  # namespaced per profile

    key = store.get_or_create_cache_key()
    assert len(key) == 32
    assert store.get_or_create_cache_key() == key  # created once
    assert other.get_or_create_cache_key() != key

    for algorithm in signing.ALGORITHMS:
        pair = signing.generate_keypair(algorithm)
        store.set_signing_key("dev-1", pair)
        back = store.get_signing_key("dev-1")
        assert back is not None
        assert (back.algorithm, back.private_bytes, back.public_b64, back.key_id) == (
            pair.algorithm, pair.private_bytes, pair.public_b64, pair.key_id)
    assert store.get_signing_key("dev-2") is None

    store.delete_all("dev-1")
    store.delete_all("dev-1")  # idempotent
    assert store.get_refresh_token() is None
    assert store.get_cache_key() is None
    assert store.get_signing_key("dev-1") is None
    assert other.get_cache_key() is not None


def test_keystore_round_trip(backend: None) -> None:
    keyring.set_keyring(MemoryKeyring())
    _exercise(Keystore("127.0.0.1_8765__wangli"), Keystore("127.0.0.1_8765__lihua"))


def test_no_backend_is_a_clear_error_and_nothing_is_written(backend: None,
                                                            isolated_home: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    store = Keystore("p")
    for call in (store.get_refresh_token, store.get_or_create_cache_key,
                 lambda: store.set_refresh_token("secret-token")):
        with pytest.raises(KeyringError) as err:
            call()
        assert err.value.code == "keyring.unavailable"
        assert "密钥环" in err.value.message
    written = [p for p in isolated_home.rglob("*") if p.is_file()]
    assert written == []  # no plaintext fallback anywhere


def test_locked_keyring_is_reported_as_locked(backend: None) -> None:
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(KeyringError) as err:
        Keystore("p").get_refresh_token()
    assert err.value.code == "keyring.locked"
    assert "解锁" in err.value.message


def test_corrupt_entries_are_refused(backend: None) -> None:
    mem = MemoryKeyring()
    keyring.set_keyring(mem)
    mem.set_password("GovDesk", "p/cache_key", "zz")
    mem.set_password("GovDesk", "p/signing_key/d", '{"algorithm": "ed25519", "private": "!!"}')
    store = Keystore("p")
    with pytest.raises(KeyringError) as err:
        store.get_or_create_cache_key()
    assert err.value.code == "keyring.corrupt"
    with pytest.raises(KeyringError):
        store.get_signing_key("d")


def test_real_secret_service(backend: None, tmp_path: Path) -> None:
    """The OS keyring CI provides (dbus-run-session + gnome-keyring-daemon)."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") or not shutil.which("gnome-keyring-daemon"):
        require_service("Secret Service keyring")
    from keyring.backends import SecretService

    real = SecretService.Keyring()
    try:
        real.get_password("GovDesk-test", "probe")
    except Exception as exc:  # noqa: BLE001 - any failure means no usable service
        require_service(f"Secret Service keyring ({type(exc).__name__})")
    keyring.set_keyring(real)
    suffix = os.urandom(4).hex()
    store, other = Keystore(f"test_{suffix}__a"), Keystore(f"test_{suffix}__b")
    try:
        _exercise(store, other)
    finally:
        other.delete_all()
