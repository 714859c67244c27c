"""Schema versions of the cache and the forward migrations between them.

A fresh cache gets the current schema in one go. An older cache is upgraded step by
step, each step in its own transaction, so a crash in the middle leaves a cache at
a known version (never half-migrated). The outbox and local work are never dropped.

History:
1. first released schema.
2. outbox ops name the blobs to upload before them (`blobs_first`) and when they
   finished; phrases (常用语) and the local audit log.
3. 发文 and 公文交换: outgoing documents, their versions, steps and 发文字号 series, local
   drafts (outgoing_draft); deliveries (the clerk's 待签收 box and the 回执) and reminders
   (催办); a document made at 签收 names its delivery (`delivery_id`).
4. applied ops keep the seq the platform answered (`applied_seq`); the sync state keeps
   the platform's restore epoch (rollback detection) and how many files pending work
   still lacks (`files_missing`).
5. refused ops keep the platform's `context` (who, when, who holds the step now:
   `result_context`); 留言 (`note`).
6. the platform's receipt keys (`platform_key`, from `meta`), against which the
   platform's receipts of acceptance are checked offline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import peewee
from playhouse.migrate import SqliteMigrator
from playhouse.migrate import migrate as run_migration

from client import models, search_index
from client.errors import StorageError

log = logging.getLogger(__name__)

CURRENT_VERSION = 6


def _v2(db: peewee.Database) -> None:
    migrator = SqliteMigrator(db)
    columns = {c.name for c in db.get_columns("outbox_op")}
    ops = []
    if "blobs_first" not in columns:
        ops.append(migrator.add_column("outbox_op", "blobs_first",
                                       models.JSONText(default=list)))
    if "finished_at" not in columns:
        ops.append(migrator.add_column("outbox_op", "finished_at",
                                       peewee.FloatField(null=True)))
    run_migration(*ops)
    # add_column fills the default for existing rows; make sure it is valid JSON.
    db.execute_sql("UPDATE outbox_op SET blobs_first = '[]' WHERE blobs_first IS NULL "
                   "OR blobs_first = ''")
    # New tables (phrase, audit_entry) and any index added since: IF NOT EXISTS.
    db.create_tables(models.ALL_MODELS, safe=True)


def _v3(db: peewee.Database) -> None:
    migrator = SqliteMigrator(db)
    if "delivery_id" not in {c.name for c in db.get_columns("document")}:
        run_migration(migrator.add_column("document", "delivery_id",
                                          peewee.CharField(null=True)))
    # New tables (delivery, reminder) and the index on document.delivery_id.
    db.create_tables(models.ALL_MODELS, safe=True)


def _v4(db: peewee.Database) -> None:
    migrator = SqliteMigrator(db)
    ops = []
    if "applied_seq" not in {c.name for c in db.get_columns("outbox_op")}:
        ops.append(migrator.add_column("outbox_op", "applied_seq",
                                       peewee.BigIntegerField(null=True)))
    state_columns = {c.name for c in db.get_columns("sync_state")}
    if "restore_epoch" not in state_columns:
        ops.append(migrator.add_column("sync_state", "restore_epoch",
                                       peewee.IntegerField(null=True)))
    if "files_missing" not in state_columns:
        ops.append(migrator.add_column("sync_state", "files_missing",
                                       peewee.IntegerField(default=0)))
    run_migration(*ops)


def _v5(db: peewee.Database) -> None:
    if "result_context" not in {c.name for c in db.get_columns("outbox_op")}:
        run_migration(SqliteMigrator(db).add_column("outbox_op", "result_context",
                                                    models.JSONText(null=True)))
    db.create_tables(models.ALL_MODELS, safe=True)  # the note table


def _v6(db: peewee.Database) -> None:
    db.create_tables(models.ALL_MODELS, safe=True)  # the platform_key table


STEPS: dict[int, Callable[[peewee.Database], None]] = {2: _v2, 3: _v3, 4: _v4, 5: _v5,
                                                       6: _v6}


def schema_version(db: peewee.Database) -> int | None:
    """The cache's schema version; None for an empty (new) database."""
    tables = set(db.get_tables())
    if "schema_version" in tables:
        row = db.execute_sql("SELECT version FROM schema_version WHERE id = 1").fetchone()
        if row is not None:
            return int(row[0])
    if not tables:
        return None
    raise StorageError("cache.unknown_schema")


def _set_version(version: int) -> None:
    (models.SchemaVersion
     .insert(id=1, version=version, upgraded_at=models.now_ts())
     .on_conflict(conflict_target=[models.SchemaVersion.id],
                  update={models.SchemaVersion.version: version,
                          models.SchemaVersion.upgraded_at: models.now_ts()})
     .execute())


def migrate(db: peewee.Database) -> int:
    """Bring the cache to CURRENT_VERSION; returns the version found before."""
    with db.atomic("IMMEDIATE"):
        found = schema_version(db)
        if found is None:
            db.create_tables(models.ALL_MODELS)
            search_index.create_tables(db)
            _set_version(CURRENT_VERSION)
            models.sync_state()
            log.info("new cache at schema version %d", CURRENT_VERSION)
            return 0
    if found > CURRENT_VERSION:
        raise StorageError("cache.too_new", detail=f"schema {found} > {CURRENT_VERSION}")
    for version in range(found + 1, CURRENT_VERSION + 1):
        with db.atomic("IMMEDIATE"):
            STEPS[version](db)
            _set_version(version)
        log.info("cache migrated to schema version %d", version)
    # Indexes are not data: one added to the models is created on the next open (as are
    # those a first pull killed midway had dropped, with the search index's merging).
    with db.atomic("IMMEDIATE"):
        db.create_tables(models.ALL_MODELS, safe=True)
        search_index.restore_merging(db)
    return found
