"""Migration 8: who gave an outgoing its 发文字号 (编号), and when.

`outgoing.numbered_by` and `numbered_at`, as 用印 and 核发 have theirs (`sealed_by`,
`issued_by`): the record's 办理过程 lists every clerk step with who and when. Numbers
given before this migration keep them empty (the route then shows the number alone).
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator, migrate

NAME = "outgoing_numbered"


def apply(db: peewee.Database, migrator: SchemaMigrator) -> None:
    migrate(
        migrator.add_column("outgoing", "numbered_by", peewee.CharField(null=True)),
        migrator.add_column("outgoing", "numbered_at", peewee.DateTimeField(null=True)),
    )
