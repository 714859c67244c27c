"""The user's language, chosen the same way by the GUI and the command line (no Qt here),
and where the translation catalogues live (source tree or bundle)."""

from __future__ import annotations

import locale
import os
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

SUPPORTED = ("zh_CN", "en")
DEFAULT = "zh_CN"


def _system_is_english() -> bool:
    try:
        name = locale.getlocale()[0] or ""
    except ValueError:
        return False
    return name.lower().startswith("en")


def choose_language(flag: str | None = None, setting: str | None = None, *,
                    system_is_english: Callable[[], bool] | None = None) -> str:
    """The language to use: an explicit flag, then the setting, then the environment
    (LC_ALL, LC_MESSAGES, LANG) when it is English, then the system locale when none is
    set; Chinese otherwise (the county offices' language)."""
    for value in (flag, setting):
        if value:
            return "en" if value.lower().startswith("en") else DEFAULT
    env = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG")
    if env and env.lower().startswith("en"):
        return "en"
    if not env and (system_is_english or _system_is_english)():
        return "en"
    return DEFAULT


@cache
def resources_dir() -> Path:
    # PyInstaller unpacks data next to the executable (sys._MEIPASS); from a checkout or
    # an editable install they sit at the repository root.
    bundle = getattr(sys, "_MEIPASS", None)
    candidates = [Path(bundle) / "resources"] if bundle else []
    candidates.append(Path(__file__).resolve().parents[1] / "resources")
    for path in candidates:
        if (path / "styles").is_dir():
            return path
    return candidates[-1]


def translations_dir() -> Path:
    return resources_dir() / "translations"
