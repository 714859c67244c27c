"""The main window's pages, one controller each: the inbox list, the open document with
its sign-off panel, notices, problems. Each runs its data calls through `AppContext`,
refreshes itself from `Changes` (`apply_changes`), and talks to the window by signals;
client/ui/main_window.py only builds and wires them."""

from __future__ import annotations


def error_text(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__
