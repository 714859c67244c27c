"""The clerk's ops on received documents and their tasks (收文办理 after 签收):
`document.register` (登记 of a scanned paper document), `document.route` (登记
corrections and 分办), `task.cancel`, `task.reroute`, `task.remind` (催办),
`document.complete` (办结) and `document.archive` (归档).

None changes a synchronised row locally: the platform's document, tasks and reminder
come back with the pull. Until then the desk shows the action as 待发送, from the op's
outbox row (`local_ref` "<action>:<id>", `waiting`); a refusal is listed as a problem
and the desk shows the document where it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from client.changes import Changes, changed
from client.models import OutboxOp
from client.services import outbox
from client.services.op_owners.base import OpOwner
from client.types import OpId, OutboxItem
from protocol import ops


class _ClerkOwner(OpOwner):
    # The local_ref prefix of this op, and the data field naming what it acts on.
    action: ClassVar[str] = ""
    key: ClassVar[str] = "document_id"

    def queue(self, data: dict[str, Any], *, blobs_first: Sequence[str] = (),
              now: datetime | None = None) -> tuple[OpId, Changes]:
        """Queue the op (data as protocol.wire.outgoing defines it), inside the caller's
        transaction."""
        ident = str(data.get(self.key) or data.get("step_id") or "")
        op_id = outbox.enqueue(self.op_type, data, local_ref=f"{self.action}:{ident}",
                               blobs_first=blobs_first, now=now)
        return op_id, self._changes(data)

    def _changes(self, data: dict[str, Any]) -> Changes:
        return changed(documents=[str(data.get("document_id") or "")],
                       tasks=[str(data.get("task_id") or "")], outbox=True,
                       exchange=["desk"])

    def confirmed(self, op: OutboxItem) -> Changes:
        return self._changes(op.data)

    def refused(self, op: OutboxItem, state: Any) -> Changes:
        return self._changes(op.data)

    def waiting(self) -> dict[str, str]:
        """id → op id of this op type's actions not yet answered by the platform."""
        prefix = f"{self.action}:"
        out: dict[str, str] = {}
        for op in (OutboxOp.select(OutboxOp.local_ref, OutboxOp.op_id)
                   .where((OutboxOp.type == self.op_type)
                          & OutboxOp.state.in_(outbox.UNSENT_STATES))):
            ref = str(op.local_ref or "")
            if ref.startswith(prefix):
                out[ref[len(prefix):]] = str(op.op_id)
        return out


class DocumentRegisterOwner(_ClerkOwner):
    op_type = ops.DOCUMENT_REGISTER
    action = "register"


class DocumentRouteOwner(_ClerkOwner):
    op_type = ops.DOCUMENT_ROUTE
    action = "route"


class TaskCancelOwner(_ClerkOwner):
    op_type = ops.TASK_CANCEL
    action = "cancel"
    key = "task_id"


class TaskRerouteOwner(_ClerkOwner):
    op_type = ops.TASK_REROUTE
    action = "reroute"
    key = "task_id"


class TaskRemindOwner(_ClerkOwner):
    op_type = ops.TASK_REMIND
    action = "remind"
    key = "task_id"


class DocumentCompleteOwner(_ClerkOwner):
    op_type = ops.DOCUMENT_COMPLETE
    action = "complete"


class DocumentArchiveOwner(_ClerkOwner):
    op_type = ops.DOCUMENT_ARCHIVE
    action = "archive"


REGISTER = DocumentRegisterOwner()
ROUTE = DocumentRouteOwner()
CANCEL = TaskCancelOwner()
REROUTE = TaskRerouteOwner()
REMIND = TaskRemindOwner()
COMPLETE = DocumentCompleteOwner()
ARCHIVE = DocumentArchiveOwner()
