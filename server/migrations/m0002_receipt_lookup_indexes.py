"""Migration 2: receipts are found by (notice or document, user, kind) in one index.

Every 已读/确认 op looks up the user's earlier receipt of that kind
(`Receipt.notice_id == n AND user_id == u AND kind == k`, the same with document_id,
in server/notices.py and server/workflow.py). With only single-column indexes the
planner walks all receipts of the notice or of the user (SQLite picks receipt_user_id:
every receipt the user ever made), and a county-wide notice has two receipts per user
of the county. The composite indexes make it one lookup; their first column serves the
queries by notice or document alone (the receipt report), so the single-column indexes
they replace go.
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator, migrate

NAME = "receipt_lookup_indexes"


def apply(db: peewee.Database, migrator: SchemaMigrator) -> None:
    migrate(
        migrator.add_index("receipt", ("notice_id", "user_id", "kind")),
        migrator.add_index("receipt", ("document_id", "user_id", "kind")),
        migrator.drop_index("receipt", "receipt_notice_id"),
        migrator.drop_index("receipt", "receipt_document_id"),
    )
