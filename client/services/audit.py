"""Local audit log: who did what on this device, exportable for the county's IT staff."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from client.models import AuditEntry, from_epoch, now_ts
from client.types import AuditRow

CSV_FIELDS = ("id", "at", "user_id", "action", "object", "detail")


def record(action: str, *, user_id: str = "", obj: str = "",
           detail: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    """Append one entry (inside the caller's transaction when there is one)."""
    AuditEntry.create(at=at.timestamp() if at else now_ts(), user_id=user_id,
                      action=action, object=obj, detail=detail or {})


def _row(e: AuditEntry) -> AuditRow:
    return AuditRow(id=e.id, at=from_epoch(e.at), user_id=e.user_id, action=e.action,
                    object=e.object, detail=e.detail or {})


def entries(*, after_id: int = 0, limit: int = 500, action: str | None = None) -> list[AuditRow]:
    """Entries in the order they happened, from after `after_id` (keyset)."""
    q = AuditEntry.select().where(AuditEntry.id > after_id)
    if action:
        q = q.where(AuditEntry.action == action)
    return [_row(e) for e in q.order_by(AuditEntry.id).limit(limit)]


def _iter_all(since: datetime | None) -> Iterator[AuditRow]:
    after = 0
    while True:
        q = AuditEntry.select().where(AuditEntry.id > after)
        if since is not None:
            q = q.where(AuditEntry.at >= since.timestamp())
        batch = list(q.order_by(AuditEntry.id).limit(1000))
        if not batch:
            return
        for e in batch:
            yield _row(e)
        after = batch[-1].id


def export_csv(path: Path, *, since: datetime | None = None, user_id: str = "") -> int:
    """Write the log as UTF-8 CSV with BOM (opens correctly in Excel/WPS); returns rows.

    The export itself is recorded first, so it appears in what it exports."""
    record("audit.export", user_id=user_id, obj=str(path), detail={"format": "csv"})
    n = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_FIELDS)
        for r in _iter_all(since):
            writer.writerow([r.id, r.at.isoformat(), r.user_id, r.action, r.object,
                             json.dumps(r.detail, ensure_ascii=False, sort_keys=True)])
            n += 1
    return n


def export_json(path: Path, *, since: datetime | None = None, user_id: str = "") -> int:
    record("audit.export", user_id=user_id, obj=str(path), detail={"format": "json"})
    rows = [{"id": r.id, "at": r.at.isoformat(), "user_id": r.user_id, "action": r.action,
             "object": r.object, "detail": r.detail} for r in _iter_all(since)]
    Path(path).write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(rows)
