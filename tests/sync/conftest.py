"""Fixtures of the sync tests: a test keyring shared with subprocesses, no machine policy.

The keyring is the file-backed test backend (govdesk_test_keyring.FileKeyring) kept
under the test's tmp directory, outside GOVDESK_HOME, so "no secret under the data
directory" stays checkable; subprocesses select it through PYTHON_KEYRING_BACKEND.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import govdesk_test_keyring
import keyring
import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PASSWORD = "Fujin@2005"


@pytest.fixture(autouse=True)
def test_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "keyring" / "keyring.json"
    path.parent.mkdir()
    monkeypatch.setenv("GOVDESK_TEST_KEYRING_FILE", str(path))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "govdesk_test_keyring.FileKeyring")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(REPO), str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]))
    # No machine config or policy of the developer's PC may leak into a test.
    monkeypatch.setenv("GOVDESK_MACHINE_CONFIG", str(tmp_path / "no-machine.toml"))
    monkeypatch.setenv("GOVDESK_POLICY_FILE", str(tmp_path / "no-policy.toml"))
    for name in ("GOVDESK_SERVER", "GOVDESK_CA_FILE", "GOVDESK_PROXY"):
        monkeypatch.delenv(name, raising=False)
    # Fail fast when the platform is stopped on purpose (no 1.8 s of connect retries).
    monkeypatch.setenv("GOVDESK_HTTP_RETRIES", "1")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    previous = keyring.get_keyring()
    keyring.set_keyring(govdesk_test_keyring.FileKeyring())
    yield path
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list]]:
    """The demo county built once per run; each test gets a copy (init-demo takes ~10 s)."""
    from server.embedded import EmbeddedPlatform

    path = tmp_path_factory.mktemp("demo-template") / "platform.db"
    template = EmbeddedPlatform(path, demo=True)
    template.init_demo()
    yield path, template.accounts
    template.close()


@pytest.fixture
def fresh_platform(demo_template: tuple[Path, list], tmp_path: Path) -> Iterator[Any]:
    """A platform subprocess of its own (tests may stop or kill it) on a copy of the demo."""
    from synckit import demo_copy

    with demo_copy(demo_template, tmp_path) as running:
        yield running
