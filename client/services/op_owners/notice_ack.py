"""`notice.ack` (确认收到): acknowledged here at once, "waiting to be sent" until confirmed.

The confirmation is the platform's `ack` receipt, which the pull applies (it clears
`ack_pending`); a refusal takes the local acknowledgement back.
"""

from __future__ import annotations

from datetime import datetime

from client.changes import Changes, changed
from client.models import Notice
from client.services import outbox
from client.services.op_owners.base import OpOwner
from client.types import OpState, OutboxItem
from protocol import ops


def _rfc3339(at: datetime) -> str:
    return at.astimezone().isoformat(timespec="seconds")


class NoticeAckOwner(OpOwner):
    op_type = ops.NOTICE_ACK

    def queue(self, notice_id: str, *, now: datetime) -> Changes:
        """Acknowledge locally and queue the op, inside the caller's transaction."""
        Notice.update(is_read=True, acked=True, ack_pending=True).where(
            Notice.id == notice_id).execute()
        outbox.enqueue(self.op_type, {"notice_id": notice_id, "at": _rfc3339(now)},
                       local_ref=f"notice:{notice_id}", now=now)
        return changed(notices=[notice_id], outbox=True)

    def refused(self, op: OutboxItem, state: OpState) -> Changes:
        notice_id = op.data.get("notice_id")
        Notice.update(ack_pending=False, acked=False).where(Notice.id == notice_id).execute()
        return changed(notices=[notice_id or ""], outbox=True)


OWNER = NoticeAckOwner()
