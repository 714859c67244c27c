"""`notice.publish`: a publisher's draft, queued offline, published when the platform says so.

The draft is "queued" once the op is; applied/duplicate (or the pull bringing the
notice with the draft's `client_ref`) makes it "published"; a refusal marks it
"conflict"/"rejected" and it is listed as a problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from client.changes import Changes, changed
from client.models import NoticeDraft
from client.services import outbox
from client.services.op_owners.base import OpOwner
from client.types import OpId, OpState, OutboxItem
from protocol import ops


class NoticePublishOwner(OpOwner):
    op_type = ops.NOTICE_PUBLISH

    def queue(self, client_ref: str, data: dict[str, Any], *, blobs_first: Sequence[str],
              now: datetime) -> tuple[OpId, Changes]:
        """Queue the draft's publication, inside the caller's transaction."""
        op_id = outbox.enqueue(self.op_type, data, local_ref=f"notice_draft:{client_ref}",
                               blobs_first=blobs_first, now=now)
        NoticeDraft.update(state="queued", op_id=op_id).where(
            NoticeDraft.client_ref == client_ref).execute()
        return op_id, changed(outbox=True)

    def _mark(self, op: OutboxItem, state: str) -> Changes:
        NoticeDraft.update(state=state).where(
            NoticeDraft.client_ref == op.data.get("client_ref")).execute()
        return changed(outbox=True)

    def confirmed(self, op: OutboxItem) -> Changes:
        return self._mark(op, "published")

    def refused(self, op: OutboxItem, state: OpState) -> Changes:
        return self._mark(op, state.value)

    def published_by_pull(self, client_ref: str) -> None:
        """The pull brought my notice made from this draft (client.sync.apply)."""
        NoticeDraft.update(state="published").where(
            NoticeDraft.client_ref == client_ref).execute()


OWNER = NoticePublishOwner()
