"""Where GovDesk keeps its files: one data root, one profile folder per account."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

APP_NAME = "GovDesk"


def data_root() -> Path:
    """`$GOVDESK_HOME`, or the platform's per-user data folder."""
    override = os.environ.get("GOVDESK_HOME")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return data_root() / "logs"


def _safe(part: str) -> str:
    # Folder names must be portable (Windows too): keep letters, digits, dot, dash.
    return re.sub(r"[^A-Za-z0-9._-]", "_", part) or "_"


def profile_key(server_url: str, username: str) -> str:
    """`<host_port>__<username>`: the folder name of one account on one platform."""
    parts = urlsplit(server_url if "//" in server_url else f"//{server_url}")
    host = parts.hostname or "local"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{_safe(host)}_{port}__{_safe(username)}"


def profile_dir(server_url: str, username: str) -> Path:
    """The account's own folder; never shared between accounts."""
    return data_root() / "profiles" / profile_key(server_url, username)


def cache_path(profile: Path) -> Path:
    return profile / "cache.db"


def blobs_dir(profile: Path) -> Path:
    return profile / "blobs"
