"""The one place that opens the local cache: an SQLCipher (encrypted SQLite) file.

The cache key is 32 random bytes kept in the OS keyring (client/keystore.py); it is
handed to SQLCipher as a raw key (`x'…'`), so no passphrase KDF runs on every connect.
peewee keeps one connection per thread, which suits the UI's one writer thread plus
readers; WAL lets readers go on while the writer commits.

Which cache a query uses (several profiles may be open in one process): the models are
declared once (client/models.py) on `CurrentCache`, a peewee proxy that resolves, at each
query, to the cache of the execution context:

1. the cache set by `use_cache(db)` (what `Profile.cache_context()` and the objects of
   `bound(obj, db)` enter) in this thread's `contextvars` context; a thread started for
   a profile runs in a copy of its starter's context (`contextvars.copy_context().run`);
2. otherwise, when exactly one cache is open in the process, that one (a process with one
   profile, the CLI, needs no ceremony);
3. otherwise `NoActiveCache`: with two caches open, nothing is guessed.

Chosen over per-profile model classes (`Model.bind` on generated subclasses, handed to
every service): the services, the applier and the blob store name `models.Task` & co. at
module level, and peewee's `bind_ctx` rebinds the shared classes process-wide, so two
threads of two profiles would switch each other's tables. A context variable is per
thread and per task, costs one lookup per query, and leaves every caller unchanged.

What keeps profile A's data out of profile B's cache: there is no process-wide "current
profile" to forget to switch (rule 3); a profile's services, blob store and sync engine
are bound to its own cache, whatever context their caller is in (`bound`); a model row
remembers the cache it was read from and refuses to be saved into or deleted from another
(client/models.py `BaseModel`); a closed profile's cache refuses queries instead of
quietly reconnecting.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar, cast

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

    # Set by close_cache: the cache no longer answers queries made through the models.
    released = False

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
            return bool(super().connect(reuse_if_open))


def raw_key_passphrase(key: bytes) -> str:
    """SQLCipher's raw-key syntax: the 32 bytes are used as the key as they are."""
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_BYTES:
        raise ValueError(f"the cache key must be {KEY_BYTES} bytes")
    return f"x'{bytes(key).hex()}'"


def open_cache(path: Path, key: bytes, *, apply_migrations: bool = True) -> CacheDatabase:
    """Open (or create) the encrypted cache at `path` and register it as open.

    The models use it inside `use_cache(db)`, or anywhere while it is the only open cache.
    A wrong key, a non-database or a corrupt file raises StorageError ("cache.unreadable")
    and leaves the file exactly as it was.
    """
    from client import migrations  # migrations import the models, which import this module

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
    if apply_migrations:
        try:
            with use_cache(db):
                migrations.migrate(db)
        except Exception:
            db.close()
            raise
    _register(db)
    log.info("cache opened: %s", path)
    return db


def close_cache(db: peewee.Database) -> None:
    """Close this thread's connection and take the cache out of the open ones."""
    _unregister(db)
    if not db.is_closed():
        db.close()


# --- which cache a query uses -----------------------------------------------------------

class NoActiveCache(RuntimeError):
    """A query ran where no cache, or more than one, could be meant (a programming error)."""


_current: ContextVar[CacheDatabase | None] = ContextVar("govdesk_cache", default=None)
# Weak: a cache dropped without close_cache (nothing can reach it any more) does not
# count as open. Replaced whole, so readers need no lock.
_open: tuple[weakref.ref[CacheDatabase], ...] = ()
_open_lock = threading.Lock()


def _register(db: CacheDatabase) -> None:
    global _open
    with _open_lock:
        db.released = False
        _open = (*(r for r in _open if r() not in (None, db)), weakref.ref(db))


def _unregister(db: peewee.Database) -> None:
    global _open
    with _open_lock:
        if isinstance(db, CacheDatabase):
            db.released = True
        _open = tuple(r for r in _open if r() not in (None, db))


def open_caches() -> list[CacheDatabase]:
    """The caches opened by open_cache and not closed by close_cache (still referenced)."""
    return [db for ref in _open if (db := ref()) is not None]


def active_cache() -> CacheDatabase | None:
    """The cache queries here would use, or None when there is none (no error)."""
    db = _current.get()
    if db is not None:
        return None if db.released else db
    opened = open_caches()
    return opened[0] if len(opened) == 1 else None


def current_cache() -> CacheDatabase:
    """The cache of this execution context (see the module docstring), or NoActiveCache."""
    db = _current.get()
    if db is not None:
        if db.released:
            raise NoActiveCache(f"the cache {db.database} was closed: its profile is gone")
        return db
    opened = open_caches()
    if len(opened) == 1:
        return opened[0]
    if not opened:
        raise NoActiveCache("no local cache is open")
    raise NoActiveCache(
        f"{len(opened)} local caches are open and none is active in this context: run it "
        "inside `with profile.cache_context():` (a thread: contextvars.copy_context().run)")


@contextmanager
def use_cache(db: CacheDatabase) -> Iterator[CacheDatabase]:
    """Make `db` the cache of the models in this context (nestable, thread-local)."""
    token = _current.set(db)
    try:
        yield db
    finally:
        _current.reset(token)


class CurrentCache(peewee.DatabaseProxy):
    """The models' database: the cache of the current execution context, at each query.

    Not initialised once like peewee's proxy: every attribute is looked up on
    `current_cache()`. A transaction opened here is the resolved cache's own, so it
    commits where it began.
    """

    __slots__ = ()

    def __init__(self) -> None:
        object.__setattr__(self, "_callbacks", [])  # peewee's field hooks attach here

    @property
    def obj(self) -> CacheDatabase:
        return current_cache()

    def initialize(self, obj: Any) -> None:
        raise TypeError("the cache of the models is chosen per context: use client.db.use_cache")

    def __getattr__(self, attr: str) -> Any:
        return getattr(current_cache(), attr)

    def __enter__(self) -> Any:
        raise TypeError("use `with use_cache(db):` or `with db:` on a cache, not the proxy")

    def atomic(self, *args: Any, **kwargs: Any) -> Any:
        return current_cache().atomic(*args, **kwargs)

    def transaction(self, *args: Any, **kwargs: Any) -> Any:
        return current_cache().transaction(*args, **kwargs)

    def savepoint(self) -> Any:
        return current_cache().savepoint()

    def manual_commit(self) -> Any:
        return current_cache().manual_commit()

    def connection_context(self) -> Any:
        return current_cache().connection_context()


T = TypeVar("T")


class _Bound:
    """`target` with every method call (and every step of a generator it returns) run
    inside `use_cache(database)`."""

    __slots__ = ("_target", "_database")

    def __init__(self, target: Any, database: CacheDatabase) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_database", database)

    def __getattr__(self, name: str) -> Any:
        database = self._database
        with use_cache(database):  # a property may read the cache too
            value = getattr(self._target, name)
        if not callable(value) or isinstance(value, type):
            return value

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            with use_cache(database):
                result = value(*args, **kwargs)
            return _bound_steps(result, database) if inspect.isgenerator(result) else result
        return call

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._target, name)

    def __repr__(self) -> str:
        return f"<{self._target!r} bound to {self._database.database}>"


def _bound_steps(gen: Any, database: CacheDatabase) -> Iterator[Any]:
    while True:
        with use_cache(database):
            try:
                item = next(gen)
            except StopIteration:
                return
        yield item


def bound(obj: T, database: CacheDatabase) -> T:
    """`obj` (a service, a blob store) whose methods always use `database`, whatever
    context they are called from: a profile's objects cannot reach another's cache."""
    if isinstance(obj, _Bound):
        obj = object.__getattribute__(obj, "_target")
    return cast(T, _Bound(obj, database))
