"""Versioned schema migrations of the platform database.

`MIGRATIONS` lists every migration in order, one module each (`m0001_baseline`,
`m0002_...`); schema version N means the first N have been applied. The database
records each migration applied in the `schema_version` table, so its version is the
highest row there. A database without that table is either empty (version 0) or was
made by platform 0.1.0, the last release without schema versions: it has the baseline's
tables and counts as version 1, not yet stamped; migrating it applies the baseline,
which only stamps it (see m0001_baseline).

`migrate()` applies pending migrations, each in its own serialised write transaction
(`db.write_tx()`) together with its `schema_version` row, so a failed migration leaves
the database at the version before it. A new, empty database gets every migration in
one transaction, so another process opening it at the same moment sees either no
tables or the whole current schema. A database newer than this program is refused,
never downgraded.

Schema changes go through `playhouse.migrate` (its SchemaMigrator speaks SQLite and
PostgreSQL); server/models.py describes the schema the last migration leaves, which
tests/server/test_migrations.py checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType

import peewee
from playhouse.migrate import SchemaMigrator

from server.db import database, redact_url, write_tx
from server.migrations import (
    m0001_baseline,
    m0002_receipt_lookup_indexes,
    m0003_signoff_recall,
    m0004_outgoing,
    m0005_security,
    m0006_restore_safety,
    m0007_conflict_notes,
    m0008_outgoing_numbered,
    m0009_platform_receipts,
    m0010_upload_quota,
)
from server.version import server_version


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[peewee.Database, SchemaMigrator], None]

    @classmethod
    def of(cls, version: int, module: ModuleType) -> Migration:
        if not module.__name__.rsplit(".", 1)[-1].startswith(f"m{version:04d}_"):
            raise ValueError(f"{module.__name__} is listed as migration {version}")
        return cls(version, module.NAME, module.apply)


MIGRATIONS: tuple[Migration, ...] = (
    Migration.of(1, m0001_baseline),
    Migration.of(2, m0002_receipt_lookup_indexes),
    Migration.of(3, m0003_signoff_recall),
    Migration.of(4, m0004_outgoing),
    Migration.of(5, m0005_security),
    Migration.of(6, m0006_restore_safety),
    Migration.of(7, m0007_conflict_notes),
    Migration.of(8, m0008_outgoing_numbered),
    Migration.of(9, m0009_platform_receipts),
    Migration.of(10, m0010_upload_quota),
)
LATEST = MIGRATIONS[-1].version


class SchemaVersion(peewee.Model):
    """One row per migration applied to this database."""

    version = peewee.IntegerField(primary_key=True)
    name = peewee.CharField()
    applied_at = peewee.DateTimeField()  # naive UTC, like the other tables
    platform_version = peewee.CharField()  # of the program that applied it

    class Meta:
        database = database
        table_name = "schema_version"


class SchemaError(Exception):
    """The database's schema does not fit this program; the message is one line."""


class SchemaTooOld(SchemaError):
    pass


class SchemaTooNew(SchemaError):
    pass


class NotAPlatformDatabase(SchemaError):
    pass


class MigrationFailed(SchemaError):
    """A migration raised; its transaction was rolled back."""


@dataclass(frozen=True)
class SchemaState:
    version: int  # 0: an empty database
    stamped: bool  # False: no schema_version table (empty, or made by 0.1.0)

    @property
    def empty(self) -> bool:
        return self.version == 0 and not self.stamped

    def describe(self) -> str:
        if self.stamped or self.empty:
            return f"version {self.version}"
        return f"version {self.version} (made before schema versions, not yet stamped)"


def schema_state(url: str = "") -> SchemaState:
    """The schema version of the open database (`url` only names it in errors)."""
    db = database.obj
    tables = set(db.get_tables())
    if SchemaVersion._meta.table_name in tables:
        highest = SchemaVersion.select(peewee.fn.MAX(SchemaVersion.version)).scalar()
        return SchemaState(int(highest or 0), stamped=True)
    if not tables:
        return SchemaState(0, stamped=False)
    if "meta" in tables:
        return SchemaState(1, stamped=False)
    raise NotAPlatformDatabase(
        f"{_name(url)} is not a GovDesk platform database: it has tables but neither "
        "schema_version nor meta"
    )


def _name(url: str) -> str:
    return redact_url(url) if url else "the database"


def _too_new(state: SchemaState, url: str) -> SchemaTooNew:
    return SchemaTooNew(
        f"platform database {_name(url)} is at schema version {state.version}, newer than "
        f"version {LATEST} of this program (platform {server_version()}): run the platform "
        "release that upgraded it; migrate never downgrades"
    )


def require_current(url: str) -> None:
    """Raise SchemaTooOld / SchemaTooNew unless the open database is at LATEST."""
    state = schema_state(url)
    if state.version > LATEST:
        raise _too_new(state, url)
    if state.version < LATEST or not state.stamped:
        raise SchemaTooOld(
            f"platform database schema {state.describe()} is older than version {LATEST} "
            f"that this program needs: back it up, then run "
            f"python -m server migrate --db {_name(url)}"
        )


def _apply(db: peewee.Database, migrator: SchemaMigrator, migration: Migration) -> None:
    db.create_tables([SchemaVersion], safe=True)
    migration.apply(db, migrator)
    SchemaVersion.create(version=migration.version, name=migration.name,
                         applied_at=datetime.now(UTC).replace(tzinfo=None),
                         platform_version=server_version())


def migrate(url: str = "", report: Callable[[Migration, SchemaState], None] | None = None
            ) -> list[Migration]:
    """Apply every pending migration to the open database; returns those applied.

    `report(migration, state_before)` is called after each one commits."""
    db = database.obj
    migrator = SchemaMigrator.from_database(db)
    applied: list[Migration] = []
    while True:
        with write_tx():  # the state is read under the write lock: one migrator at a time
            state = schema_state(url)
            if state.version > LATEST:
                raise _too_new(state, url)
            if state.stamped and state.version == LATEST:
                return applied
            if state.empty:
                batch = list(MIGRATIONS)
            else:
                batch = [MIGRATIONS[state.version if state.stamped else 0]]
            for migration in batch:
                try:
                    _apply(db, migrator, migration)
                except Exception as exc:  # rolled back by write_tx on the way out
                    reason = " ".join(str(exc).split()) or type(exc).__name__
                    raise MigrationFailed(
                        f"migration {migration.version} {migration.name} failed, the database "
                        f"stays at schema {state.describe()}: {reason}"
                    ) from exc
        for migration in batch:
            applied.append(migration)
            if report is not None:
                report(migration, state)
