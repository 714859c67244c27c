"""Qt user interface of GovDesk (the only package that imports PySide6)."""

from __future__ import annotations

import sys


def _pin_none_for_pyside_6_12() -> None:
    """Work around PySide6 6.12.0 on CPython < 3.12: every call of a C++ method returning
    void gives back `None` without a new reference (measured: 1,000 × QLabel.setText
    lowers None's reference count by 1,000), so a running UI drives the count to zero
    and CPython aborts with "none_dealloc". CPython 3.12 made None immortal; here the
    count is raised so far that it cannot reach zero in the life of a process."""
    if sys.version_info >= (3, 12):
        return
    import ctypes

    import PySide6

    if not PySide6.__version__.startswith("6.12."):
        return
    ctypes.c_ssize_t.from_address(id(None)).value += 1 << 48


_pin_none_for_pyside_6_12()
