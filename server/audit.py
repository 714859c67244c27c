"""The platform's audit trail (等保 2.0 level 3 "安全审计"): who did what to whom, when.

`record()` runs inside the caller's write transaction, so an event is stored exactly
when the change it describes is. Rows are never updated; `python -m server audit`
lists them.
"""

from __future__ import annotations

import logging
from typing import Any

from server import clock
from server.db import write_tx
from server.models import AuditEvent

log = logging.getLogger("govdesk.audit")


def record(action: str, *, actor_id: str | None, subject_id: str | None,
           **detail: Any) -> None:
    with write_tx():
        AuditEvent.create(at=clock.now(), actor_id=actor_id, action=action,
                          subject_id=subject_id, detail=detail)
    log.info("audit %s actor=%s subject=%s %s", action, actor_id, subject_id, detail)


def events(*, subject_id: str | None = None, action: str | None = None,
           limit: int = 200) -> list[dict[str, Any]]:
    query = AuditEvent.select().order_by(AuditEvent.id.desc()).limit(limit)
    if subject_id is not None:
        query = query.where(AuditEvent.subject_id == subject_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return [{"id": e.id, "at": clock.rfc3339(e.at), "actor_id": e.actor_id,
             "action": e.action, "subject_id": e.subject_id, "detail": e.detail}
            for e in query]
