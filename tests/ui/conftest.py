"""Qt tests run offscreen; the platform must be chosen before Qt is first imported."""

from __future__ import annotations

import os


def _offscreen_with_office_screen() -> str:
    """Offscreen platform with a 1920 × 1080 screen (its default is 800 × 800, smaller
    than any office PC; restoring a saved window geometry is clamped to the screen)."""
    import json
    import tempfile

    config = os.path.join(tempfile.gettempdir(), "govdesk-test-screen.json")
    with open(config, "w", encoding="utf-8") as f:
        json.dump({"screens": [{"name": "office", "x": 0, "y": 0, "width": 1920,
                                "height": 1080, "logicalDpi": 96, "dpr": 1}]}, f)
    return f"offscreen:configfile={config}"


os.environ.setdefault("QT_QPA_PLATFORM", _offscreen_with_office_screen())
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["govdesk-tests"]


@pytest.fixture(autouse=True)
def qsettings_dir(tmp_path):  # noqa: ANN001, ANN201
    """QSettings (window layout, text size, language) in this test's own directory: Qt
    reads XDG_CONFIG_HOME only once per process, so without this every test would share
    the first test's file."""
    from PySide6.QtCore import QSettings

    path = tmp_path / "qsettings"
    path.mkdir()
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(path))
    yield path


@pytest.fixture
def ops(qapp):  # noqa: ANN001, ANN201
    from client.ui import theme
    from client.ui.ops import BackgroundOps

    theme.apply_theme(qapp, 1.0)
    helper = BackgroundOps()
    yield helper
    helper.wait_idle(10_000)
    helper.shutdown()


# --- real profiles against the real platform ------------------------------------------------
PASSWORD = "Fujin@2005"


@pytest.fixture
def test_keyring(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """The file-backed test keyring of tests/sync (outside GOVDESK_HOME), no machine policy."""
    import sys
    from pathlib import Path

    import keyring

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
    import govdesk_test_keyring

    path = tmp_path / "keyring" / "keyring.json"
    path.parent.mkdir()
    monkeypatch.setenv("GOVDESK_TEST_KEYRING_FILE", str(path))
    monkeypatch.setenv("GOVDESK_MACHINE_CONFIG", str(tmp_path / "no-machine.toml"))
    monkeypatch.setenv("GOVDESK_POLICY_FILE", str(tmp_path / "no-policy.toml"))
    monkeypatch.setenv("GOVDESK_HTTP_RETRIES", "1")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    previous = keyring.get_keyring()
    keyring.set_keyring(govdesk_test_keyring.FileKeyring())
    yield path
    keyring.set_keyring(previous)


@pytest.fixture
def zh(qapp):  # noqa: ANN001, ANN201
    """The shipped default: Simplified Chinese catalogue loaded."""
    from client.ui import i18n, theme

    assert i18n.install(qapp, "zh_CN")
    theme.apply_theme(qapp, 1.0)
    yield qapp
    i18n.install(qapp, "en")


def wait_for(qtbot, ops, predicate, timeout: int = 20_000) -> None:  # noqa: ANN001
    """Wait until `predicate()` holds, letting background ops deliver meanwhile."""
    def check() -> bool:
        ops.wait_idle(timeout)
        return bool(predicate())
    qtbot.waitUntil(check, timeout=timeout)
