"""Blob uploads: spooled to disk while hashed, and limited per user (issue 13, finding 14).

A PUT /blobs body goes to a temporary file in the spool directory (`Spool`), never whole
into memory; the file is removed in every outcome (stored, hash mismatch, refusal, the
client gone). `reserve()` is asked before a byte is read: it refuses a user who started
too many uploads in the last minute (429 `blob.rate_limited`) or whose uploads of the
last 24 hours plus this one pass the daily volume (413 `blob.quota_exceeded`), both
with Retry-After; `settle()` records what arrived (0 for a failed upload: a township
line that drops a file ten times does not use up the day).

Every upload counts, whether the platform held those bytes already or not: a limit that
spared known files would tell who else has one (finding 15).

Settings (environment, read at start; docs/operate.md "Upload limits"):
    GOVDESK_UPLOADS_PER_MINUTE   uploads a user may start per minute (default 120; 0: no limit)
    GOVDESK_UPLOAD_MB_PER_DAY    megabytes a user may upload per rolling 24 hours
                                 (default 2048; 0: no limit)
    GOVDESK_SPOOL_DIR            where bodies are spooled (default: the SQLite database's
                                 directory; with PostgreSQL the system temporary directory)
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import peewee

from server import clock
from server.db import database, session_tx, write_tx
from server.errors import Problem
from server.models import UploadLog

log = logging.getLogger(__name__)

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
MB = 1024 * 1024
SPOOL_PREFIX = "govdesk-upload-"
# A spool file this old was left by a process that died mid-upload: swept.
STALE_SPOOL_SECONDS = 86400.0


@dataclass(frozen=True)
class UploadLimits:
    per_minute: int  # 0: no limit
    mb_per_day: int  # 0: no limit
    spool_dir: Path | None  # None: next to the SQLite file, else the temp directory


def _whole(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(f"{name} must be a whole number, 0 or more (0: no limit), not {raw!r}")
    return value


def limits_from_env(environ: Mapping[str, str] = os.environ) -> UploadLimits:
    spool = environ.get("GOVDESK_SPOOL_DIR", "").strip()
    return UploadLimits(per_minute=_whole(environ, "GOVDESK_UPLOADS_PER_MINUTE", 120),
                        mb_per_day=_whole(environ, "GOVDESK_UPLOAD_MB_PER_DAY", 2048),
                        spool_dir=Path(spool) if spool else None)


LIMITS = limits_from_env()


def spool_dir() -> Path:
    """The spool directory: the setting, else beside the SQLite database (the disk the
    administrator gave the platform), else the system temporary directory."""
    if LIMITS.spool_dir is not None:
        return LIMITS.spool_dir
    db = database.obj
    if isinstance(db, peewee.SqliteDatabase) and db.database not in ("", ":memory:"):
        return Path(db.database).resolve().parent
    return Path(tempfile.gettempdir())


_swept: set[Path] = set()


def _sweep_stale(directory: Path) -> None:
    """Once per process and directory: remove spool files a killed process left behind."""
    if directory in _swept:
        return
    _swept.add(directory)
    cutoff = time.time() - STALE_SPOOL_SECONDS
    for path in directory.glob(SPOOL_PREFIX + "*.part"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                log.info("removed stale upload spool file %s", path)
        except OSError:
            pass


class Spool:
    """A temporary file in the spool directory that hashes what is written to it."""

    def __init__(self, directory: Path | None = None) -> None:
        directory = directory or spool_dir()
        directory.mkdir(parents=True, exist_ok=True)
        _sweep_stale(directory)
        fd, name = tempfile.mkstemp(prefix=SPOOL_PREFIX, suffix=".part", dir=directory)
        self.path = Path(name)
        self.file = os.fdopen(fd, "w+b")
        self.hasher = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | bytearray) -> None:
        self.hasher.update(data)
        self.file.write(data)
        self.size += len(data)

    def finish(self) -> str:
        """Flush to the file; the body's sha256."""
        self.file.flush()
        return self.hasher.hexdigest()

    def discard(self) -> None:
        """Close and remove the file (safe to call twice)."""
        try:
            self.file.close()
        finally:
            self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Reservation:
    row_id: int | None  # None: no limit is configured, nothing recorded
    allowance: int | None  # bytes this upload may bring (None: no daily limit)


def _retry_after(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


def quota_problem(used: int | None, retry_s: float | None) -> Problem:
    limit = LIMITS.mb_per_day
    so_far = f" ({used / MB:.0f} MB)" if used is not None else ""
    detail = (f"your uploads of the last 24 hours{so_far} and this one pass the limit of "
              f"{limit} MB per day")
    return Problem(413, "blob.quota_exceeded", "Daily upload limit reached", detail,
                   headers=_retry_after(retry_s) if retry_s is not None else None)


def _quota_retry(rows: list[tuple[datetime, int]], used: int, need: int, now: datetime
                 ) -> float | None:
    """Seconds until enough of the window's uploads age out for `need` more bytes to fit;
    None when it never fits (the file alone is larger than the daily limit)."""
    quota = LIMITS.mb_per_day * MB
    if need > quota:
        return None
    freed = 0
    for at, size in rows:
        freed += size
        if used - freed + need <= quota:
            return (at + DAY - now).total_seconds()
    return DAY.total_seconds()


def _tuples(query: peewee.ModelSelect[Any]) -> list[tuple[Any, ...]]:
    return list(cast(Iterable[tuple[Any, ...]], query.tuples()))


def reserve(user_id: str, declared: int | None) -> Reservation:
    """Count this upload against `user_id`'s limits before its body is read: raise the
    refusal, or record it (with the size it declares) and say how many bytes it may
    bring."""
    limits = LIMITS
    if not limits.per_minute and not limits.mb_per_day:
        return Reservation(None, None)
    need = declared or 0
    now = clock.now()
    mine = UploadLog.user_id == user_id
    # The write lock: two parallel uploads of one user are counted one after the other.
    with write_tx():
        UploadLog.delete().where(mine & (UploadLog.at < now - DAY)).execute()
        if limits.per_minute:
            recent = [row[0] for row in _tuples(UploadLog.select(UploadLog.at)
                      .where(mine & (UploadLog.at > now - MINUTE)).order_by(UploadLog.at))]
            if len(recent) >= limits.per_minute:
                # When enough of them are a minute old for one more to fit.
                oldest = recent[len(recent) - limits.per_minute]
                wait = (oldest + MINUTE - now).total_seconds()
                raise Problem(429, "blob.rate_limited", "Too many uploads",
                              f"more than {limits.per_minute} uploads in a minute; try again "
                              f"in {max(1, math.ceil(wait))} seconds",
                              headers=_retry_after(wait))
        allowance = None
        if limits.mb_per_day:
            rows = [(row[0], int(row[1])) for row in _tuples(
                UploadLog.select(UploadLog.at, UploadLog.size).where(mine).order_by(UploadLog.at))]
            used = sum(size for _, size in rows)
            if used + need > limits.mb_per_day * MB:
                raise quota_problem(used, _quota_retry(rows, used, need, now))
            allowance = limits.mb_per_day * MB - used
        row_id = UploadLog.insert(user_id=user_id, at=now, size=need).execute()
    return Reservation(int(row_id), allowance)


def settle(reservation: Reservation, size: int) -> None:
    """Record what the upload brought (0: it failed and costs no volume)."""
    if reservation.row_id is None:
        return
    with session_tx():  # publishes nothing: no need for the platform write lock
        UploadLog.update(size=size).where(UploadLog.id == reservation.row_id).execute()


def forget_old() -> int:
    """Delete the upload records older than the day the limits look at (of users who have
    not uploaded since: `reserve` drops a user's own); `python -m server purge` runs it."""
    with session_tx():
        return int(UploadLog.delete().where(UploadLog.at < clock.now() - DAY).execute())


@dataclass(frozen=True)
class Usage:
    user_id: str
    uploads_last_minute: int
    uploads_last_day: int
    bytes_last_day: int


def usage(user_id: str | None = None) -> list[Usage]:
    """What users used of the limits in the last day (for the administrator: `python -m
    server uploads`), the heaviest first; `user_id`: that user only."""
    now = clock.now()
    recent = UploadLog.at > now - MINUTE
    query = (UploadLog.select(
        UploadLog.user_id,
        peewee.fn.SUM(peewee.Case(None, [(recent, 1)], 0)),
        peewee.fn.COUNT(UploadLog.id),
        peewee.fn.COALESCE(peewee.fn.SUM(UploadLog.size), 0))
        .where(UploadLog.at >= now - DAY)
        .group_by(UploadLog.user_id))
    if user_id is not None:
        query = query.where(UploadLog.user_id == user_id)
    rows = [Usage(str(row[0]), int(row[1] or 0), int(row[2]), int(row[3]))
            for row in _tuples(query)]
    return sorted(rows, key=lambda u: (-u.bytes_last_day, u.user_id))
