"""Qt tests run offscreen; the platform must be chosen before Qt is first imported."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["govdesk-tests"]


@pytest.fixture
def ops(qapp):  # noqa: ANN001, ANN201
    from client.ui import theme
    from client.ui.ops import BackgroundOps

    theme.apply_theme(qapp, 1.0)
    helper = BackgroundOps()
    yield helper
    helper.wait_idle(10_000)
    helper.shutdown()
