"""The platform's version: the installed package's, else pyproject.toml's (source tree)."""

from __future__ import annotations

import importlib.metadata
import tomllib
from functools import cache
from pathlib import Path

PROTOCOL = 1
MIN_CLIENT_VERSION = "0.1.0"


@cache
def server_version() -> str:
    try:
        return importlib.metadata.version("govdesk")
    except importlib.metadata.PackageNotFoundError:
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text())["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "0+unknown"
