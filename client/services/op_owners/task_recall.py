"""`task.recall` (撤回 a sign-off the platform has, or may have, applied).

Queued with no local effect on the task: it stays signed here until the platform
answers, because the platform decides (protocol.workflow_rules.check_recall). Applied:
the task.complete owner clears what waits on this PC and keeps the text as a draft
(`TASK_COMPLETE.recalled`); the pull brings the task pending again and the opinion
marked recalled. Refused (`task.recall_too_late` …): the op is a problem, the sign-off
stays shown as signed.
"""

from __future__ import annotations

from datetime import datetime

from client.changes import Changes, changed
from client.models import OutboxOp, Task
from client.services import outbox
from client.services.op_owners.base import OpOwner
from client.services.op_owners.task_complete import OWNER as TASK_COMPLETE
from client.types import OpId, OpState, OutboxItem
from protocol import ops


def _document_of(task_id: str | None) -> str:
    return Task.select(Task.document_id).where(Task.id == task_id).scalar() or ""


class TaskRecallOwner(OpOwner):
    op_type = ops.TASK_RECALL

    def queue(self, *, task_id: str, signoff_op_id: str, document_id: str,
              now: datetime) -> tuple[OpId, Changes]:
        """Queue the recall of sign-off `signoff_op_id`, inside the caller's transaction
        (after that sign-off's own op, so the platform sees them in that order)."""
        # An earlier recall the platform refused leaves the problems: this one asks again.
        for earlier in OutboxOp.select(OutboxOp.op_id).where(
                (OutboxOp.type == self.op_type)
                & (OutboxOp.local_ref == f"recall:{signoff_op_id}")
                & OutboxOp.state.in_(outbox.PROBLEM_STATES)):
            outbox.resolve(earlier.op_id, "redone")
        op_id = outbox.enqueue(self.op_type, {"task_id": task_id, "op_id": signoff_op_id},
                               local_ref=f"recall:{signoff_op_id}", now=now)
        return op_id, changed(documents=[document_id], tasks=[task_id], outbox=True)

    def latest_for(self, signoff_op_id: str) -> OutboxOp | None:
        """The last recall asked for this sign-off (any state)."""
        row: OutboxOp | None = (
            OutboxOp.select().where((OutboxOp.type == self.op_type)
                                    & (OutboxOp.local_ref == f"recall:{signoff_op_id}"))
            .order_by(OutboxOp.id.desc()).first())
        return row

    def confirmed(self, op: OutboxItem) -> Changes:
        task_id = op.data.get("task_id") or ""
        changes = TASK_COMPLETE.recalled(op.data.get("op_id") or "", task_id)
        return changes | changed(documents=[_document_of(task_id)], outbox=True)

    def refused(self, op: OutboxItem, state: OpState) -> Changes:
        task_id = op.data.get("task_id")
        return changed(documents=[_document_of(task_id)], tasks=[task_id or ""], outbox=True)


OWNER = TaskRecallOwner()
