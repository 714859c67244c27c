"""The one place that opens the local cache: an SQLCipher (encrypted SQLite) file.

The cache key is 32 random bytes kept in the OS keyring (client/keystore.py); it is
handed to SQLCipher as a raw key (`x'…'`), so no passphrase KDF runs on every connect.
peewee keeps one connection per thread, which suits the UI's one writer thread plus
readers; WAL lets readers go on while the writer commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import peewee
from playhouse.sqlcipher_ext import SqlCipherDatabase

from client.errors import StorageError

log = logging.getLogger(__name__)

KEY_BYTES = 32
_log_silenced = False
BUSY_TIMEOUT_MS = 10_000

PRAGMAS = (
    ("journal_mode", "wal"),
    ("synchronous", "normal"),
    ("foreign_keys", 1),
    ("busy_timeout", BUSY_TIMEOUT_MS),
    ("temp_store", "memory"),
    # KiB per connection: holds the narrow list columns of ~100,000 documents, so pages
    # are decrypted once rather than on every inbox page or search.
    ("cache_size", -32_000),
)



def _translate(exc: Exception) -> StorageError | None:
    """Map SQLite's message to our error, or None when it is not a storage fault."""
    text = str(exc).lower()
    if "database or disk is full" in text or "disk i/o error" in text and "full" in text:
        return StorageError("storage.disk_full", detail=str(exc))
    if "file is not a database" in text or "malformed" in text or "not a database" in text:
        return StorageError("cache.unreadable", detail=str(exc))
    if "unable to open database" in text or "readonly database" in text:
        return StorageError("cache.unavailable", detail=str(exc))
    return None


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn sqlite faults (disk full, corrupt file) raised inside into StorageError."""
    try:
        yield
    except StorageError:
        raise
    except (peewee.DatabaseError, peewee.InterfaceError) as exc:
        mapped = _translate(exc)
        if mapped is None:
            raise
        raise mapped from exc


class CacheDatabase(SqlCipherDatabase):
    """SqlCipherDatabase whose storage faults surface as StorageError."""

    def _connect(self) -> Any:
        # SQLCipher prints decryption failures (a wrong key) to stderr; we report them
        # ourselves as StorageError, so keep the terminal of the CLI clean.
        global _log_silenced
        if not _log_silenced:
            from sqlcipher3 import dbapi2

            probe = dbapi2.connect(":memory:")
            try:
                probe.execute("PRAGMA cipher_log_level = NONE")
            finally:
                probe.close()
            _log_silenced = True
        return super()._connect()

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        with translate_errors():
            return super().execute_sql(sql, params)

    def commit(self) -> None:
        with translate_errors():
            super().commit()

    def rollback(self) -> None:
        # SQLite rolls back by itself on some errors (disk full, I/O): a second ROLLBACK
        # would fail with "no transaction is active" and hide the real error.
        conn = self._state.conn
        if conn is not None and not conn.in_transaction:
            return
        super().rollback()

    def begin(self, lock_type: str | None = None) -> None:
        # IMMEDIATE: take the write lock when the transaction starts. A deferred one that
        # reads, then writes, fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT,
        # no busy wait) whenever the sync thread committed in between; the UI's sign-offs
        # and the sync engine write concurrently, so every transaction must wait its turn.
        with translate_errors():
            super().begin(lock_type or "IMMEDIATE")

    def connect(self, reuse_if_open: bool = False) -> bool:
        with translate_errors():
            return super().connect(reuse_if_open)


def raw_key_passphrase(key: bytes) -> str:
    """SQLCipher's raw-key syntax: the 32 bytes are used as the key as they are."""
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_BYTES:
        raise ValueError(f"the cache key must be {KEY_BYTES} bytes")
    return f"x'{bytes(key).hex()}'"


def open_cache(path: Path, key: bytes, *, apply_migrations: bool = True) -> CacheDatabase:
    """Open (or create) the encrypted cache at `path` and bind the models to it.

    A wrong key, a non-database or a corrupt file raises StorageError
    ("cache.unreadable") and leaves the file exactly as it was.
    """
    from client import migrations, models  # models import db's errors; avoid a cycle

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = CacheDatabase(None)
    db.init(str(path), passphrase=raw_key_passphrase(key), pragmas=list(PRAGMAS))
    # Reading the schema is the first access that needs the key: prove it before any
    # write (journal_mode=wal is set on connect and fails the same way on a bad key).
    try:
        with translate_errors():
            db.connect()
            db.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
    except StorageError:
        if not db.is_closed():
            db.close()
        raise
    models.database_proxy.initialize(db)
    if apply_migrations:
        try:
            migrations.migrate(db)
        except Exception:
            db.close()
            raise
    log.info("cache opened: %s", path)
    return db


def close_cache(db: peewee.Database) -> None:
    if not db.is_closed():
        db.close()
