"""The platform's database: SQLite (WAL) by default, PostgreSQL by URL.

All writes go through `write_tx()`, which serialises writers (SQLite `BEGIN IMMEDIATE`,
PostgreSQL advisory lock). Serialised writers mean change-feed sequence numbers commit
in order, so a reader never skips a seq that commits later.

`write_tx()` nests: inside an open transaction it becomes a savepoint (the outer
transaction already holds the write lock), so helpers such as `directory.create_user`
or `feed.publish` may be called from within a caller's own `write_tx()`.

`session_tx()` is for writes that publish nothing to the feed and guard their own rows
with row locks (refreshing a sign-in session): on PostgreSQL it does not take the
platform-wide lock, so a morning rush of refreshes does not queue behind one lock
(issue 14, docs/operate.md). A `write_tx()` nested in it takes the lock there.

Connections are per thread (peewee's default); `init_database(url)` is the one call a
process makes before serving: it opens the URL, creates the schema of an empty database
and refuses one at another schema version (server/migrations: `python -m server migrate`).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import re
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import peewee
from playhouse.db_url import connect as url_connect
from playhouse.db_url import register_database

log = logging.getLogger(__name__)

database = peewee.DatabaseProxy()

DEFAULT_DB = "./govdesk-platform.db"

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "normal",
    "foreign_keys": 1,
    "busy_timeout": 30_000,
    "cache_size": -32_000,
}

_WRITE_LOCK_KEY = 0x60D_E5C  # arbitrary constant for pg_advisory_xact_lock
# True inside a PostgreSQL `session_tx()` that has not (yet) taken the write lock.
_without_lock: contextvars.ContextVar[bool] = contextvars.ContextVar("without_lock",
                                                                    default=False)


def normalise_url(url: str) -> str:
    """Accept a bare file path as a SQLite database; `postgres://` as PostgreSQL."""
    if "://" not in url:
        return "sqlite:///" + str(Path(url).resolve())
    if url.startswith("postgres://"):
        return "postgresql://" + url[len("postgres://") :]
    return url


class ReconnectingPostgres(peewee.PostgresqlDatabase):
    """PostgreSQL that reconnects after its server restarted.

    A restart kills every connection; psycopg2 marks each as closed when it is next used
    (that request fails: 503 `server.unavailable`, server/errors.py), but peewee still
    holds it and would answer `connection already closed` for ever. Before each
    statement outside a transaction, a connection psycopg2 knows to be closed is
    dropped, and peewee's autoconnect opens a new one."""

    def cursor(self, named_cursor: Any = None) -> Any:
        state: Any = getattr(self, "_state")  # noqa: B009 - peewee's per-thread state
        conn = state.conn
        if conn is not None and bool(getattr(conn, "closed", False)) and not state.transactions:
            log.warning("database connection lost; reconnecting")
            state.reset()
        return super().cursor(named_cursor)  # type: ignore[no-untyped-call]


register_database(ReconnectingPostgres, "postgresql", "postgres")

# The errors that mean "the database is not there now" (down, restarting, unreachable).
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (peewee.OperationalError,
                                                  peewee.InterfaceError)


def open_database(url: str) -> peewee.Database:
    """Open (not yet connect) the database named by `url` and bind the proxy to it."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        db = url_connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    elif url.startswith("postgresql"):
        db = url_connect(url)
    else:
        raise ValueError(f"unsupported database URL: {url}")
    database.initialize(db)
    return db


def init_database(url: str) -> peewee.Database:
    """Open `url` for the platform: an empty database gets the current schema and its Meta
    row (every migration, server/migrations); any other must already be at the current
    schema version, else `migrations.SchemaError` (run `python -m server migrate`)."""
    from server import migrations

    db = open_database(url)
    if not db.get_tables() and migrations.migrate(url):
        log.info("new platform database at %s", redact_url(url))
    migrations.require_current(url)
    return db


def close_database() -> None:
    db = database.obj
    if db is not None and not db.is_closed():
        db.close()


def redact_url(url: str) -> str:
    """The URL without its password, for logs."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:  # a URL without a password stays as it is (a command to copy)
            return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


@contextlib.contextmanager
def write_tx() -> Iterator[None]:
    """One serialised write transaction (see module docstring); a savepoint when nested."""
    db = database.obj
    if db.in_transaction():
        if _without_lock.get():  # inside a session_tx: serialise from here on
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK_KEY,))
            _without_lock.set(False)
        with db.atomic():
            yield
    elif isinstance(db, peewee.SqliteDatabase):
        with db.atomic("IMMEDIATE"):
            yield
    else:
        with db.atomic():
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK_KEY,))
            yield


def in_write_tx() -> bool:
    """Inside a `write_tx()` (holding the write lock), where feed seqs may be taken."""
    return bool(database.obj.in_transaction()) and not _without_lock.get()


@contextlib.contextmanager
def session_tx() -> Iterator[None]:
    """A write transaction that takes no feed seq and locks the rows it decides on itself
    (`SELECT ... FOR UPDATE`): PostgreSQL runs it beside other writers, without the
    platform write lock; SQLite has one writer anyway (BEGIN IMMEDIATE, as `write_tx`)."""
    db = database.obj
    if db.in_transaction() or isinstance(db, peewee.SqliteDatabase):
        with write_tx():
            yield
        return
    token = _without_lock.set(True)
    try:
        with db.atomic():
            yield
    finally:
        _without_lock.reset(token)


@contextlib.contextmanager
def read_tx() -> Iterator[None]:
    """A consistent snapshot for reads spanning several statements."""
    db = database.obj
    if db.in_transaction():
        yield
        return
    if isinstance(db, peewee.SqliteDatabase):
        with db.atomic("DEFERRED"):
            yield
    else:
        with db.atomic():
            db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield


# Statements run on every request are prepared once per PostgreSQL connection: planning
# the feed page took 1.3 ms against 0.1 ms to run it (issue 14, the morning rush).
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%s")
# Off for a pooler in transaction mode (PgBouncer pool_mode = transaction), where a
# statement prepared on one server connection is gone at the next transaction.
PREPARE = os.environ.get("GOVDESK_PG_PREPARE", "1") != "0"


def execute_hot(name: str, sql: str, params: Sequence[Any]) -> Any:
    """`database.obj.execute_sql(sql, params)`, prepared on PostgreSQL (`sql` uses the
    backend's placeholder, `database.obj.param`); returns the cursor."""
    db: Any = database.obj
    if is_sqlite() or not PREPARE:  # sqlite3 keeps its own statement cache
        return db.execute_sql(sql, params)
    db.cursor()  # connects (or reconnects after a restart) first
    conn = db.connection()
    names = _prepared.get(conn)
    if names is None:
        names = _prepared[conn] = set()
    if name not in names:
        counter = iter(range(1, len(params) + 1))
        db.execute_sql(f"PREPARE {name} AS " + _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql))
        names.add(name)
    args = ", ".join(["%s"] * len(params))
    return db.execute_sql(f"EXECUTE {name}({args})" if params else f"EXECUTE {name}", params)
