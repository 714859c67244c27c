"""Shared fixtures: every test runs with its own HOME, config and data directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep tests away from the developer's real profile, config and keyring."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("GOVDESK_HOME", str(home / "govdesk"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.delenv("GOVDESK_PASSWORD", raising=False)
    if not os.environ.get("GOVDESK_TEST_REAL_HOME"):
        monkeypatch.setenv("HOME", str(home))
    return home
