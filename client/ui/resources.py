"""Where the UI's resources (styles, icons, translations) live: source tree or bundle."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon


@cache
def resources_dir() -> Path:
    # PyInstaller unpacks data next to the executable (sys._MEIPASS); from a checkout or
    # an editable install they sit at the repository root.
    bundle = getattr(sys, "_MEIPASS", None)
    candidates = [Path(bundle) / "resources"] if bundle else []
    candidates.append(Path(__file__).resolve().parents[2] / "resources")
    for path in candidates:
        if (path / "styles").is_dir():
            return path
    return candidates[-1]


def style_path(name: str) -> Path:
    return resources_dir() / "styles" / name


def translations_dir() -> Path:
    return resources_dir() / "translations"


@cache
def icon(name: str) -> QIcon:
    path = resources_dir() / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()
