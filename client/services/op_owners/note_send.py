"""`note.send` (留言): a note to someone on a document's route.

It changes no synchronised row locally: the note comes back with the pull (to its
sender and its recipient). Until then the document's 留言 section shows it as 待发送
from its outbox row (`local_ref` "note:<document_id>" or, for a note that passes on the
text of a sync problem, "note:<document_id>:<that op's id>"); a refusal is a problem of
its own, with the note's text kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from client.changes import Changes, changed
from client.services import outbox
from client.services.op_owners.base import OpOwner
from client.types import OpId, OutboxItem
from protocol import ops


class NoteSendOwner(OpOwner):
    op_type = ops.NOTE_SEND

    def queue(self, data: dict[str, Any], *, about_op_id: str | None = None,
              now: datetime | None = None) -> tuple[OpId, Changes]:
        """Queue the note (data as protocol.wire.notes.NoteSendData), inside the caller's
        transaction; `about_op_id` names the sync problem whose text it passes on."""
        ref = f"note:{data['document_id']}" + (f":{about_op_id}" if about_op_id else "")
        op_id = outbox.enqueue(self.op_type, data, local_ref=ref, now=now)
        return op_id, self._changes(data)

    def _changes(self, data: dict[str, Any]) -> Changes:
        return changed(documents=[str(data.get("document_id") or "")], outbox=True)

    def confirmed(self, op: OutboxItem) -> Changes:
        return self._changes(op.data)

    def refused(self, op: OutboxItem, state: Any) -> Changes:
        return self._changes(op.data)


OWNER = NoteSendOwner()
