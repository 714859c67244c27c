"""Shared fixtures: every test runs with its own HOME, config and data directories."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.embedded import TEMPLATE_DIR_ENV, EmbeddedPlatform
from tests.support.postgres import fresh_pg_database
from tests.support.services import require_service


def pytest_configure(config: pytest.Config) -> None:
    """One demo county for the whole run: the workers (and the platforms and GUI demos they
    start as subprocesses) copy the template the first of them builds, instead of each
    spending ~13 s of CPU on init-demo."""
    if os.environ.get(TEMPLATE_DIR_ENV):  # a worker: the controller chose it
        return
    # Set in the controller before it starts the workers, who inherit its environment.
    folder = Path(tempfile.mkdtemp(prefix="govdesk-test-demo-"))
    os.environ[TEMPLATE_DIR_ENV] = str(folder)
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


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
    # The offline verifier at the old 2**14 (50 ms, not 0.8 s per sign-in); the tests of
    # its cost remove this (tests/sync/test_at_rest.py).
    monkeypatch.setenv("GOVDESK_TEST_VERIFIER_N", str(2**14))
    # The machine's /etc/govdesk must not leak into tests (the .deb test writes it).
    monkeypatch.setenv("GOVDESK_MACHINE_CONFIG", str(home / "machine" / "govdesk.toml"))
    monkeypatch.setenv("GOVDESK_POLICY_FILE", str(home / "machine" / "policy.toml"))
    for name in ("GOVDESK_SERVER", "GOVDESK_CA_FILE", "GOVDESK_PROXY"):
        monkeypatch.delenv(name, raising=False)
    if not os.environ.get("GOVDESK_TEST_REAL_HOME"):
        monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def message_language() -> Iterator[None]:
    """Error messages are rendered in Chinese (the default) unless a test asks otherwise;
    a test that switches the language (the GUI's i18n.install, the CLI in-process) does
    not switch it for the next one."""
    from client import messages

    messages.set_language("zh_CN")
    messages.use_translator(None)
    yield
    messages.set_language("zh_CN")
    messages.use_translator(None)


# --- the reference platform -------------------------------------------------------------


@pytest.fixture
def platform() -> Iterator[EmbeddedPlatform]:
    """A fresh demo platform subprocess on loopback (function-scoped: tests may kill it)."""
    with EmbeddedPlatform(demo=True) as running:
        yield running


@pytest.fixture(scope="session")
def platform_session() -> Iterator[EmbeddedPlatform]:
    """One demo platform for the whole run: for tests that only read or add their own data."""
    with EmbeddedPlatform(demo=True) as running:
        yield running


@pytest.fixture(scope="session")
def pg_url() -> str:
    """URL of a PostgreSQL server the tests may create databases on.

    From GOVDESK_TEST_PG_URL (e.g. postgresql://postgres@127.0.0.1:55432/postgres); when
    unset the test skips locally and fails in CI (see tests/server/README-postgres.md).
    """
    url = os.environ.get("GOVDESK_TEST_PG_URL")
    if not url:
        require_service("PostgreSQL: set GOVDESK_TEST_PG_URL")
    return str(url)


@pytest.fixture(scope="module")
def pg_database(pg_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database per test module (URL)."""
    with fresh_pg_database(pg_url) as url:
        yield url


# Files that take a minute or more (measured in CI), put first in the collection. xdist's
# loadfile scheduler still reorders files by test count (its default), so this only
# orders files of equal count; handing files out in collection order instead
# (--no-loadscope-reorder) was tried and was slower in CI: 15.2 min against 13.4.
SLOW_FIRST = (
    "tests/ui/test_exit_cycles_xvfb.py", "tests/ui/test_exit_cycles.py",
    "tests/packaging/test_bundle_deb.py", "tests/sync/test_sync_kill.py",
    "tests/server/test_schemathesis.py", "tests/sync/test_sync_link.py",
    "tests/sync/test_cli_commands.py", "tests/server/test_demo.py",
    "tests/ui/test_sync_state_honest.py", "tests/ui/test_clerk_desk.py",
    "tests/sync/test_fault_soak.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(SLOW_FIRST)}
    root = config.rootpath

    def key(item: pytest.Item) -> int:
        try:
            rel = item.path.relative_to(root).as_posix()
        except ValueError:
            return len(rank)
        return rank.get(rel, len(rank))
    items.sort(key=key)  # stable: the rest keep their order
