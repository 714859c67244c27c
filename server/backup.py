"""`python -m server backup` and `restore`: copies of the platform database county IT can
make while it serves, and put back so that clients notice.

- SQLite: the online backup API (a consistent copy while the platform writes).
- PostgreSQL: `pg_dump -Fc` / `pg_restore --clean --if-exists`. The password never goes
  on a command line (`ps` shows it): it is handed to the tools in PGPASSWORD.

A restore bumps `meta.restore_epoch`: every client then re-synchronises and sends its
recent operations again (docs/protocol.md "Recovery"). A restore made by hand is caught
by the cursors' marks instead (server/feed.py).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from server.db import normalise_url


class BackupError(Exception):
    """A backup or restore failed; the message is one line for the operator."""


def _sqlite_path(url: str) -> Path | None:
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def _pg_tool_env(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and an environment carrying it (PGPASSWORD)."""
    parts = urlsplit(url)
    env = dict(os.environ)
    netloc = parts.netloc
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        user = parts.username or ""
        host = netloc.rsplit("@", 1)[1]
        netloc = f"{user}@{host}" if user else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(cmd[0])
    if tool is None:
        raise BackupError(f"{cmd[0]} not found (install the PostgreSQL client tools)")
    proc = subprocess.run([tool, *cmd[1:]], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        raise BackupError(f"{cmd[0]} failed: {last}")


def backup(db_url: str, out: Path) -> None:
    url = normalise_url(db_url)
    path = _sqlite_path(url)
    if path is not None:
        if not path.exists():
            raise BackupError(f"no database at {path}")
        with sqlite3.connect(path) as src, sqlite3.connect(out) as dst:
            src.backup(dst)
        return
    plain, env = _pg_tool_env(url)
    _run(["pg_dump", "-Fc", "--no-owner", "-f", str(out), plain], env)


def backup_into(db_url: str, out_dir: Path, *, keep_days: float | None = None) -> Path:
    """A dated backup in `out_dir` (platform-YYYYmmdd-HHMMSS.db or .dump); backups there
    older than `keep_days` are deleted once the new one is written (retention)."""
    import time

    ext = ".db" if _sqlite_path(normalise_url(db_url)) is not None else ".dump"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"platform-{time.strftime('%Y%m%d-%H%M%S')}{ext}"
    partial = out.with_suffix(out.suffix + ".partial")
    backup(db_url, partial)
    partial.rename(out)  # a crash mid-backup never leaves a file that looks complete
    if keep_days is not None:
        cutoff = time.time() - keep_days * 86400
        for old in out_dir.glob("platform-*" + ext):
            if old != out and old.stat().st_mtime < cutoff:
                old.unlink()
    return out


def restore(db_url: str, source: Path) -> int:
    """Put `source` back as the database at `db_url` (the platform stopped); returns the
    new restore epoch."""
    if not source.exists():
        raise BackupError(f"no backup at {source}")
    url = normalise_url(db_url)
    path = _sqlite_path(url)
    if path is not None:
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
            src.backup(dst)
    else:
        plain, env = _pg_tool_env(url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "-d", plain, str(source)],
             env)
    return _bump_epoch(url)


def _bump_epoch(url: str) -> int:
    from server.db import close_database, open_database, write_tx
    from server.models import Meta

    open_database(url)
    try:
        with write_tx():
            Meta.update(restore_epoch=Meta.restore_epoch + 1).where(Meta.id == 1).execute()
            return int(Meta.get_by_id(1).restore_epoch)
    finally:
        close_database()
