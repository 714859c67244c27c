"""Migration 6: what a restore or a lost answer must not cost.

- `meta.restore_epoch`: bumped by `python -m server restore`; /meta and every cursor
  carry it, so a client notices a restore made with the platform's own command.
- `feed_mark`: one random mark per feed seq, written with the seq. A cursor carries the
  mark of its seq; after a rollback (a raw `pg_restore`, a copied-back SQLite file) new
  changes get the old numbers with new marks, so a client's cursor no longer matches
  the platform's history (`cursor.diverged`) even once the head has passed it again.
- `auth_session.prev_refresh_hash` and `spare_refresh_token`: the refresh token last
  presented stays valid until one of its successors is first used (a lost or late
  refresh answer never signs a device out); `spare_refresh_token` holds the successors
  issued to repeats of it, all unused.
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator, migrate

NAME = "restore_safety"


class _Frozen(peewee.Model):
    class Meta:
        legacy_table_names = False


class FeedMark(_Frozen):
    seq = peewee.BigIntegerField(primary_key=True)
    mark = peewee.CharField(max_length=16)


class SpareRefreshToken(_Frozen):
    token_hash = peewee.CharField(primary_key=True)
    session_id = peewee.CharField(index=True)
    issued_at = peewee.DateTimeField()


def apply(db: peewee.Database, migrator: SchemaMigrator) -> None:
    migrate(
        migrator.add_column("meta", "restore_epoch", peewee.IntegerField(default=0)),
        migrator.add_column("auth_session", "prev_refresh_hash",
                            peewee.CharField(null=True)),
        migrator.add_index("auth_session", ("prev_refresh_hash",)),
    )
    with db.bind_ctx([FeedMark, SpareRefreshToken]):
        db.create_tables([FeedMark, SpareRefreshToken])
