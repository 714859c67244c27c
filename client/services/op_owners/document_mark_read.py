"""`document.mark_read`: the document is read here at once; the platform records a receipt.

Neither outcome changes anything more locally: the platform's receipt comes back with
the pull, and a refusal leaves the document read here (the op is listed as a problem).
"""

from __future__ import annotations

from datetime import datetime

from client.changes import Changes, changed
from client.models import Document
from client.services import outbox
from client.services.op_owners.base import OpOwner
from protocol import ops


def _rfc3339(at: datetime) -> str:
    return at.astimezone().isoformat(timespec="seconds")


class DocumentMarkReadOwner(OpOwner):
    op_type = ops.DOCUMENT_MARK_READ

    def queue(self, document_id: str, *, now: datetime) -> Changes:
        """Mark read and queue the op, inside the caller's transaction; empty when the
        document was read already (nothing queued)."""
        n = Document.update(is_read=True).where(
            (Document.id == document_id) & (Document.is_read == False)  # noqa: E712
        ).execute()
        if not n:
            return changed()
        outbox.enqueue(self.op_type, {"document_id": document_id, "at": _rfc3339(now)},
                       local_ref=f"document:{document_id}", now=now)
        return changed(read=[document_id], outbox=True)


OWNER = DocumentMarkReadOwner()
