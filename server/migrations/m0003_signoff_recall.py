"""Migration 3: 撤回 (the op `task.recall`, server/workflow/recall.py).

A recall names the sign-off by the `task.complete` op that made it (`opinion.op_id`),
marks the opinion recalled without deleting it (`opinion.recalled_at`), cancels the
tasks that sign-off created (`task.origin_opinion_id`) and restores those a 退回 had
superseded (`task.superseded_by_opinion_id`). Opinions and tasks made before this
migration have none of these: their sign-offs created tasks nobody can trace, so a
recall of them only looks at later stages (protocol.workflow_rules.recall_next_steps).
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator, migrate

NAME = "signoff_recall"


def apply(db: peewee.Database, migrator: SchemaMigrator) -> None:
    migrate(
        migrator.add_column("opinion", "op_id", peewee.CharField(null=True)),
        migrator.add_column("opinion", "recalled_at", peewee.DateTimeField(null=True)),
        migrator.add_column("task", "origin_opinion_id", peewee.CharField(null=True)),
        migrator.add_column("task", "superseded_by_opinion_id", peewee.CharField(null=True)),
        migrator.add_index("opinion", ("op_id",)),
        migrator.add_index("task", ("origin_opinion_id",)),
    )
