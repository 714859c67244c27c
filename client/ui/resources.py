"""Where the UI's resources (styles, icons, translations) live: source tree or bundle."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

from client.language import resources_dir, translations_dir

__all__ = ["icon", "resources_dir", "style_path", "translations_dir"]


def style_path(name: str) -> Path:
    return resources_dir() / "styles" / name


@cache
def icon(name: str) -> QIcon:
    path = resources_dir() / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()
