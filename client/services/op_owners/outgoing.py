"""发文 ops: `outgoing.submit`, `outgoing.step`, and the clerk's `outgoing.number`,
`outgoing.seal`, `outgoing.issue` and `outgoing.cancel` (docs/protocol.md "Outgoing").

The only writers of the local marks of 发文 (as task_complete is of Task.local_state):
- `OutgoingDraft.state`: "queued" (待发送) with the submit op; "submitted" once applied
  or once the pull brings the outgoing of that id; "conflict"/"rejected" when refused
  (the draft is kept, and can be reopened and submitted again);
- `OutgoingStep.local_mark`: "pending_sync" once completed here (it leaves 待核稿 /
  待签发 at once) until the pull brings it no longer pending; "conflict"/"rejected";
- `Outgoing.local_action`: the clerk action queued here (number, seal, issue, cancel)
  until the pull brings a status other than the one it was queued on; cleared when
  refused, so the clerk can act again (the refusal is listed as a problem).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from client.changes import Changes, changed
from client.models import Outgoing, OutgoingDraft, OutgoingStep
from client.services import outbox
from client.services.op_owners.base import OpOwner
from client.types import OpId, OpState, OutboxItem
from protocol import ops

# Local columns a raw INSERT of a synced row must fill (client.sync.apply).
NEW_OUTGOING_COLUMNS: Final[dict[str, Any]] = {"local_action": "", "local_from_status": ""}
NEW_STEP_COLUMNS: Final[dict[str, Any]] = {"local_mark": ""}
# Run by the pull (batched with the page), each with (id, new status) or (id,).
OUTGOING_SETTLED_BY_PULL_SQL: Final = (
    "UPDATE outgoing SET local_action = '', local_op_id = NULL WHERE id = ? "
    "AND local_action != '' AND local_from_status != ?")
STEP_SETTLED_BY_PULL_SQL: Final = (
    "UPDATE outgoing_step SET local_mark = '' WHERE id = ? AND local_mark = 'pending_sync'")
DRAFT_SUBMITTED_BY_PULL_SQL: Final = (
    "UPDATE outgoing_draft SET state = 'submitted' WHERE id = ? AND state = 'queued'")


class OutgoingSubmitOwner(OpOwner):
    op_type = ops.OUTGOING_SUBMIT

    def queue(self, draft_id: str, data: dict[str, Any], *, blobs_first: Sequence[str],
              now: datetime) -> tuple[OpId, Changes]:
        """Queue the draft's submission, inside the caller's transaction."""
        op_id = outbox.enqueue(self.op_type, data, local_ref=f"outgoing_draft:{draft_id}",
                               blobs_first=blobs_first, now=now)
        OutgoingDraft.update(state="queued", op_id=op_id, updated_at=now.timestamp()).where(
            OutgoingDraft.id == draft_id).execute()
        return op_id, changed(outbox=True, outgoing=[draft_id])

    def _mark(self, op: OutboxItem, state: str, *, only_from: str | None = None) -> Changes:
        draft_id = str(op.data.get("outgoing_id") or "")
        q = OutgoingDraft.update(state=state).where(
            (OutgoingDraft.id == draft_id) & (OutgoingDraft.op_id == op.op_id))
        if only_from is not None:
            q = q.where(OutgoingDraft.state == only_from)
        q.execute()
        return changed(outbox=True, outgoing=[draft_id])

    def confirmed(self, op: OutboxItem) -> Changes:
        return self._mark(op, "submitted", only_from="queued")

    def refused(self, op: OutboxItem, state: OpState) -> Changes:
        return self._mark(op, "conflict" if state == OpState.CONFLICT else "rejected")

    def reopen(self, draft_id: str) -> Changes:
        """The drafter edits a refused submission again: it is a draft once more, and the
        refused op leaves the problems list."""
        d = OutgoingDraft.get_or_none(OutgoingDraft.id == draft_id)
        if d is None or d.state not in ("conflict", "rejected"):
            return changed()
        OutgoingDraft.update(state="draft").where(OutgoingDraft.id == draft_id).execute()
        if d.op_id:
            outbox.resolve(d.op_id, "redone")
        return changed(outbox=True, outgoing=[draft_id])


class OutgoingStepOwner(OpOwner):
    op_type = ops.OUTGOING_STEP

    def queue(self, *, step_id: str, outgoing_id: str, data: dict[str, Any],
              blobs_first: Sequence[str], now: datetime) -> tuple[OpId, Changes]:
        op_id = outbox.enqueue(self.op_type, data, local_ref=f"outgoing_step:{step_id}",
                               blobs_first=blobs_first, now=now)
        OutgoingStep.update(local_mark="pending_sync", local_op_id=op_id).where(
            OutgoingStep.id == step_id).execute()
        return op_id, changed(outbox=True, outgoing=[outgoing_id])

    def _touched(self, op: OutboxItem) -> Changes:
        step = OutgoingStep.get_or_none(OutgoingStep.id == op.data.get("step_id"))
        return changed(outbox=True, outgoing=[step.outgoing_id if step else ""])

    def confirmed(self, op: OutboxItem) -> Changes:
        return self._touched(op)  # the step stays pending_sync until the pull settles it

    def refused(self, op: OutboxItem, state: OpState) -> Changes:
        mark = "conflict" if state == OpState.CONFLICT else "rejected"
        OutgoingStep.update(local_mark=mark).where(
            (OutgoingStep.id == op.data.get("step_id"))
            & (OutgoingStep.local_op_id == op.op_id)).execute()
        return self._touched(op)


class OutgoingClerkOwner(OpOwner):
    """编号, 用印, 核发 and 撤销: one owner class, one instance per op type."""

    def __init__(self, op_type: str, action: str) -> None:
        self.op_type = op_type  # type: ignore[misc]  # per instance, not per class
        self.action = action

    def queue(self, *, outgoing_id: str, data: dict[str, Any], from_status: str,
              now: datetime) -> tuple[OpId, Changes]:
        op_id = outbox.enqueue(self.op_type, data, local_ref=f"outgoing:{outgoing_id}",
                               now=now)
        Outgoing.update(local_action=self.action, local_from_status=from_status,
                        local_op_id=op_id).where(Outgoing.id == outgoing_id).execute()
        return op_id, changed(outbox=True, outgoing=[outgoing_id])

    def confirmed(self, op: OutboxItem) -> Changes:
        return changed(outbox=True, outgoing=[str(op.data.get("outgoing_id") or "")])

    def refused(self, op: OutboxItem, state: OpState) -> Changes:
        outgoing_id = str(op.data.get("outgoing_id") or "")
        Outgoing.update(local_action="", local_from_status="", local_op_id=None).where(
            (Outgoing.id == outgoing_id) & (Outgoing.local_op_id == op.op_id)).execute()
        return changed(outbox=True, outgoing=[outgoing_id])


SUBMIT: Final = OutgoingSubmitOwner()
STEP: Final = OutgoingStepOwner()
NUMBER: Final = OutgoingClerkOwner(ops.OUTGOING_NUMBER, "number")
SEAL: Final = OutgoingClerkOwner(ops.OUTGOING_SEAL, "seal")
ISSUE: Final = OutgoingClerkOwner(ops.OUTGOING_ISSUE, "issue")
CANCEL: Final = OutgoingClerkOwner(ops.OUTGOING_CANCEL, "cancel")
CLERK: Final = {"number": NUMBER, "seal": SEAL, "issue": ISSUE, "cancel": CANCEL}
