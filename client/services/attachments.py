"""Opening an attachment with the system's program, safely (issue 13, finding 8).

- The copy opened goes to a folder inside the profile (`<profile>/open/`), readable by
  this user only, not to the shared temporary folder; copies older than an hour are
  removed when the profile is opened, all of them at sign-out.
- Its name is cleaned by protocol.text_rules (no bidi overrides or invisible
  characters, no path separators): "…通知\u202efdp.exe" is shown and written as
  "…通知fdp.exe", so the real type is visible.
- A program (exe, bat, js, lnk, …) is never opened: GovDeskError
  `attachment.executable` names its real type; it may still be saved explicitly.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import time
from pathlib import Path

from client.errors import GovDeskError
from protocol import text_rules

OPEN_FOLDER = "open"
KEEP_SECONDS = 3600


def open_folder(profile_dir: Path) -> Path:
    return profile_dir / OPEN_FOLDER


def display_name(name: str) -> str:
    return text_rules.clean_filename(name)


def prepare_open(profile_dir: Path, name: str, data: bytes) -> Path:
    """Write the copy to open; GovDeskError `attachment.executable` for a program."""
    clean = text_rules.clean_filename(name)
    kind = text_rules.executable_type(clean)
    if kind is not None:
        raise GovDeskError("attachment.executable", name=clean, type=kind.upper())
    folder = open_folder(profile_dir) / secrets.token_hex(8)
    folder.mkdir(parents=True, mode=0o700)
    path = folder / clean
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def clean_open_folder(profile_dir: Path, *, older_than: float = KEEP_SECONDS) -> int:
    """Remove opened copies older than `older_than` seconds (0: all); returns how many."""
    root = open_folder(profile_dir)
    if not root.is_dir():
        return 0
    removed = 0
    limit = time.time() - older_than
    for folder in root.iterdir():
        with contextlib.suppress(OSError):
            if older_than <= 0 or folder.stat().st_mtime < limit:
                shutil.rmtree(folder) if folder.is_dir() else folder.unlink()
                removed += 1
    return removed
