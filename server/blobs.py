"""Content-addressed blobs kept in the database (so one URL backs up everything).

`store_blob(data, media_type, uploaded_by=None) -> sha256` for other modules (idempotent;
call inside or outside a `write_tx()`). `store_blob_file(path, ...)` stores an upload
spooled to disk (server/uploads.py) without holding it in memory: SQLite writes it into
a zeroblob through `blobopen`, PostgreSQL receives it through COPY, both in chunks. Objects that refer to a blob name it in
`feed.publish(..., blobs=[sha256, ...])`; a user may read a blob they uploaded or that an
object visible to them refers to.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import peewee

from server import clock
from server.db import database, is_sqlite, session_tx, write_tx
from server.models import EVERYONE, Blob, BlobGrant, BlobRef, FeedEntry

log = logging.getLogger(__name__)

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class BlobInfo:
    sha256: str
    media_type: str
    size: int


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_blob(data: bytes, media_type: str = "application/octet-stream",
               uploaded_by: str | None = None) -> str:
    digest = sha256_hex(data)
    with write_tx():
        if not Blob.select().where(Blob.sha256 == digest).exists():
            Blob.insert(sha256=digest, media_type=media_type, size=len(data), data=data,
                        uploaded_by=uploaded_by, created_at=clock.now()).execute()
        if uploaded_by is not None:
            grant = BlobGrant.select().where(
                (BlobGrant.sha256 == digest) & (BlobGrant.user_id == uploaded_by)
            )
            if not grant.exists():
                BlobGrant.insert(sha256=digest, user_id=uploaded_by).execute()
    return digest


STORE_CHUNK = 1024 * 1024
_store_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def store_executor() -> ThreadPoolExecutor:
    """The threads that copy uploads into the database, per process: one on SQLite (it
    has one writer anyway, and each thread's connection keeps a page cache that a 60 MB
    copy fills: one thread, one such cache), two on PostgreSQL (whose server assembles
    each value in its backend's memory). Each copy costs a chunk of memory here."""
    global _store_executor
    with _executor_lock:
        if _store_executor is None:
            _store_executor = ThreadPoolExecutor(max_workers=1 if is_sqlite() else 2,
                                                 thread_name_prefix="blob-store")
        return _store_executor


def _grant(digest: str, user_id: str | None) -> None:
    if user_id is not None:
        BlobGrant.insert(sha256=digest, user_id=user_id).on_conflict_ignore().execute()


def store_blob_file(path: Path, sha256: str, size: int, media_type: str,
                    uploaded_by: str | None) -> None:
    """Store the file at `path`, whose sha256 and size the caller has checked, copying
    it in chunks (never the whole file in memory); idempotent like `store_blob`. Run it
    in `store_executor()`, which bounds how many copies run at once."""
    if is_sqlite():
        _store_file_sqlite(path, sha256, size, media_type, uploaded_by)
    else:
        _store_file_postgres(path, sha256, size, media_type, uploaded_by)


def _store_file_sqlite(path: Path, sha256: str, size: int, media_type: str,
                       uploaded_by: str | None) -> None:
    db = database.obj
    with write_tx():
        if not Blob.select().where(Blob.sha256 == sha256).exists():
            # A zeroblob of the right size, then the bytes written into it chunk by chunk
            # (sqlite3 blobopen): the row never exists as one Python value. SQLite still
            # expands the zeroblob once in its own memory (`data` is not the table's last
            # column), which is why one thread copies at a time (store_executor).
            Blob.insert(sha256=sha256, media_type=media_type, size=size,
                        data=peewee.fn.zeroblob(size), uploaded_by=uploaded_by,
                        created_at=clock.now()).execute()
            if size:
                (rowid,) = db.execute_sql("SELECT rowid FROM blob WHERE sha256 = ?",
                                          (sha256,)).fetchone()
                with db.connection().blobopen("blob", "data", rowid) as target, \
                        open(path, "rb") as source:
                    while chunk := source.read(STORE_CHUNK):
                        target.write(chunk)
        _grant(sha256, uploaded_by)


def _copy_text(value: str | None) -> bytes:
    """A value in COPY's text format (tab-separated, backslash escapes, \\N for NULL)."""
    if value is None:
        return b"\\N"
    for raw, escaped in (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r")):
        value = value.replace(raw, escaped)
    return value.encode()


class _CopyRow:
    """One `blob` row for `COPY ... FROM STDIN`, read in pieces: the bytea as hex, a chunk
    of the file at a time."""

    def __init__(self, path: Path, head: bytes, tail: bytes) -> None:
        self._pieces = self._generate(path, head, tail)

    @staticmethod
    def _generate(path: Path, head: bytes, tail: bytes) -> Iterator[bytes]:
        yield head + b"\\\\x"  # COPY's escaped backslash, then bytea's hex form
        with open(path, "rb") as source:
            while chunk := source.read(STORE_CHUNK // 2):
                yield chunk.hex().encode()
        yield tail

    def read(self, size: int = -1) -> bytes:
        return next(self._pieces, b"")

    readline = read


# peewee's own wrapper turns a driver's errors into peewee's (IntegrityError, ...), as its
# execute_sql does; our raw cursor's COPY needs it too.
_DRIVER_ERRORS_AS_PEEWEE = getattr(peewee, "__exception_wrapper__")  # noqa: B009


def _store_file_postgres(path: Path, sha256: str, size: int, media_type: str,
                         uploaded_by: str | None) -> None:
    # An INSERT would need the whole value in memory (psycopg2 quotes it into the
    # statement: about three copies of the file); COPY FROM STDIN streams it. No platform
    # write lock (a blob publishes nothing to the feed): a parallel upload of the same
    # bytes makes the COPY fail on the primary key, and the second round finds the row.
    db = database.obj
    created = clock.now().replace(tzinfo=None).isoformat(sep=" ")
    for attempt in (1, 2):
        try:
            with session_tx():
                if not Blob.select().where(Blob.sha256 == sha256).exists():
                    head = b"\t".join([_copy_text(sha256), _copy_text(media_type),
                                       str(size).encode(), b""])
                    tail = b"\t" + b"\t".join([_copy_text(uploaded_by),
                                               _copy_text(created)]) + b"\n"
                    cursor = db.cursor()
                    with _DRIVER_ERRORS_AS_PEEWEE:
                        cursor.copy_expert(
                            "COPY blob (sha256, media_type, size, data, uploaded_by, "
                            "created_at) FROM STDIN", _CopyRow(path, head, tail),
                            size=STORE_CHUNK)
                _grant(sha256, uploaded_by)
            return
        except peewee.IntegrityError:
            if attempt == 2:
                raise
            log.info("blob %s was stored by a parallel upload meanwhile", sha256)


def blob_info(sha256: str) -> BlobInfo | None:
    row = (
        Blob.select(Blob.sha256, Blob.media_type, Blob.size)
        .where(Blob.sha256 == sha256)
        .tuples()
        .first()
    )
    return BlobInfo(*row) if row else None


def may_read(user_id: str, sha256: str) -> bool:
    if BlobGrant.select().where((BlobGrant.sha256 == sha256) & (BlobGrant.user_id == user_id)).exists():
        return True
    visible = (
        BlobRef.select()
        .join(FeedEntry, on=(FeedEntry.key == BlobRef.key))
        .where(
            (BlobRef.sha256 == sha256)
            & FeedEntry.user_id.in_([EVERYONE, user_id])
            & (FeedEntry.op == "upsert")
        )
    )
    return visible.exists()


def readable_info(user_id: str, sha256: str) -> BlobInfo | None:
    """The blob's info if `user_id` may read it, else None, with the same work whether
    the blob is absent or forbidden (issue 13, finding 15: looking the blob up first
    answered an unknown hash one query sooner than a forbidden one). The grant and the
    reference are asked first, and the blob row only once one of them holds."""
    if not may_read(user_id, sha256):
        return None
    return blob_info(sha256)


def read_range(sha256: str, start: int, length: int) -> bytes:
    """Bytes [start, start+length) read by the database, not the whole blob."""
    p = database.obj.param
    row = database.obj.execute_sql(
        f"SELECT substr(data, {p}, {p}) FROM blob WHERE sha256 = {p}", (start + 1, length, sha256)
    ).fetchone()
    if row is None:
        raise KeyError(sha256)
    return bytes(row[0])
