"""Migration 10: `upload_log`, one row per blob upload a user started (issue 13, finding 14).

The per-user upload limits (server/uploads.py: uploads per minute, megabytes per rolling
day) count these rows; in the database rather than in memory so every worker process of
one platform counts the same uploads.
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator

NAME = "upload_quota"


class _Frozen(peewee.Model):
    class Meta:
        legacy_table_names = False


class UploadLog(_Frozen):
    id = peewee.AutoField()
    user_id = peewee.CharField()
    at = peewee.DateTimeField()
    size = peewee.BigIntegerField(default=0)

    class Meta:
        indexes = ((("user_id", "at"), False),)


def apply(db: peewee.Database, migrator: SchemaMigrator) -> None:
    with db.bind_ctx([UploadLog]):
        db.create_tables([UploadLog])
