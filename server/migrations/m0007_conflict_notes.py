"""Migration 7: who made a step go away, and notes (留言) between the people on a route.

- `task.cancelled_by`: the user whose action cancelled a pending task (a clerk's cancel,
  re-route or 办结, the 退回 of a sibling, a 撤回); `task.replaced_by`: the task that took
  its place (a re-route's new task). A sign-off that meets the cancelled task answers
  who, when, and who holds the step now (docs/protocol.md "Conflicts in words").
- `notice.withdrawn_by`: the publisher (or administrator) who withdrew a notice.
- `note`: a short text one user sends another about a document (op `note.send`), e.g.
  the 批示 a conflict kept from being recorded, sent on to whoever holds the step now.
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator, migrate

NAME = "conflict_context_and_notes"


class _Frozen(peewee.Model):
    class Meta:
        legacy_table_names = False


class Note(_Frozen):
    id = peewee.CharField(primary_key=True)
    document_id = peewee.CharField(index=True)
    from_id = peewee.CharField()
    to_id = peewee.CharField(index=True)
    text = peewee.TextField()
    at = peewee.DateTimeField()
    version = peewee.IntegerField(default=1)
    updated_at = peewee.DateTimeField()


def apply(db: peewee.Database, migrator: SchemaMigrator) -> None:
    migrate(
        migrator.add_column("task", "cancelled_by", peewee.CharField(null=True)),
        migrator.add_column("task", "replaced_by", peewee.CharField(null=True)),
        migrator.add_column("notice", "withdrawn_by", peewee.CharField(null=True)),
    )
    with db.bind_ctx([Note]):
        db.create_tables([Note])
