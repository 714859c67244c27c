"""The self-test's Qt probe: runs in a child process (client/selftest.py check_qt), so a Qt
that cannot start shows as the child's exit code, never as a crashed self-test. Prints
one JSON line describing what Qt found."""

from __future__ import annotations

import json
import sys

import PySide6.QtPdf  # noqa: F401  (bundled? the body viewer needs it)
import PySide6.QtPdfWidgets  # noqa: F401
import PySide6.QtSvg  # noqa: F401
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication


def main() -> int:
    app = QApplication(sys.argv[:1])
    cjk = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    try:
        from client.ui.resources import icon, resources_dir

        svg_ok = not icon("govdesk").pixmap(32, 32).isNull()
        res = str(resources_dir())
    except Exception as exc:  # the UI package itself is broken: report, do not crash
        svg_ok, res = False, f"error: {exc!r}"
    print(json.dumps({"qt": qVersion(), "pyside": pyside_version,
                      "platform": app.platformName(), "cjk_fonts": cjk[:3],
                      "svg_icon": svg_ok, "resources": res}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
