"""The parity tests drive Qt widgets: Qt's platform must be chosen before Qt is first
imported, the same way the UI tests choose it (tests/ui/conftest.py sets it on import)."""

from __future__ import annotations

import tests.ui.conftest  # noqa: F401  (QT_QPA_PLATFORM: offscreen, an office-sized screen)
