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


def _emit_steals_true() -> bool:
    """Does `SignalInstance.emit` give back `True` without a new reference?

    PySide6 6.12.0 does (measured on CPython 3.11: every `.emit(...)` from Python, with
    or without receivers and whatever its arguments, lowers True's reference count by
    one; the emitted value is returned as a borrowed reference). Qt's own C++ emits
    (toggled, clicked) are not affected. The count starts in the thousands, a running
    UI emits busy/loading/refresh signals all the time, and once it reaches zero
    CPython aborts with "bool_dealloc" (seen at quit, when the last references go).
    Measured, not guessed from the version: the probe costs one QObject and 8 emits."""
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) - before <= -8


def _pin_true_if_emit_steals_it() -> None:
    """Undo the defect `_emit_steals_true` measures: raise True's count so far that the
    references emit takes cannot bring it to zero in the life of a process (2**48
    emits). Only where the defect is present; CPython 3.12 made True immortal."""
    if sys.version_info >= (3, 12) or not _emit_steals_true():
        return
    import ctypes

    ctypes.c_ssize_t.from_address(id(True)).value += 1 << 48


_pin_none_for_pyside_6_12()
_pin_true_if_emit_steals_it()
