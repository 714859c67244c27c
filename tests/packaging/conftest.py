"""Fixtures of the packaging tests: an in-memory keyring, isolated config file paths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """A process-local keyring (tests only): the OS keyring is not the subject here."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.writes = 0

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.writes += 1
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def config_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Machine, policy and user config paths under tmp (never /etc or the real home)."""
    files = {"machine": tmp_path / "etc" / "govdesk.toml",
             "policy": tmp_path / "etc" / "policy.toml",
             "user": tmp_path / "user" / "settings.toml"}
    files["machine"].parent.mkdir()
    monkeypatch.setenv("GOVDESK_MACHINE_CONFIG", str(files["machine"]))
    monkeypatch.setenv("GOVDESK_POLICY_FILE", str(files["policy"]))
    monkeypatch.setenv("GOVDESK_USER_CONFIG", str(files["user"]))
    for var in ("GOVDESK_SERVER", "GOVDESK_CA_FILE", "GOVDESK_PROXY"):
        monkeypatch.delenv(var, raising=False)
    return files
