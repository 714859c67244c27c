"""`task.complete` (签批): the sign-off's local opinion and the task's local state.

The only writer of `Task.local_state` (a test greps the source for it):
- queued: "pending_sync" (the task leaves 待办 at once), with a local opinion;
- applied/duplicate: the local opinion is done; the task stays "pending_sync" until the
  pull brings its new status (`SETTLED_BY_PULL_SQL`, run by client.sync.apply);
- conflict/rejected: opinion and task marked "conflict"/"rejected", shown as a problem;
- discarded by the user: the task's mark is cleared, the opinion kept as "discarded";
- withdrawn by the user (撤回 before it was ever sent, `withdraw`): the op leaves the
  queue, the task's mark is cleared (back to 待办), the opinion kept as "withdrawn" and
  its text, decision and recipients become the task's draft;
- recalled on the platform (`recalled`, called by the task.recall owner): the same
  mark is cleared and the text becomes the draft again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import peewee

from client import models
from client.changes import Changes, changed
from client.models import LocalOpinion, Opinion, OpinionDraft, Task
from client.services import outbox
from client.services.op_owners.base import OpOwner
from client.types import OpId, OpState, OutboxItem
from protocol import ops

# Local columns a raw INSERT of a synced task must fill (client.sync.apply).
NEW_TASK_COLUMNS: Final[dict[str, Any]] = {"local_state": ""}
# A sign-off made here is confirmed once the platform's task is no longer pending; the
# pull runs this (batched with the page) for each known task that arrives not pending.
SETTLED_BY_PULL_SQL: Final = ("UPDATE task SET local_state = '' WHERE id = ? "
                              "AND local_state = 'pending_sync'")


class TaskCompleteOwner(OpOwner):
    op_type = ops.TASK_COMPLETE

    def queue(self, *, task_id: str, document_id: str, author_id: str,
              op_data: dict[str, Any], extra: dict[str, Any], blobs_first: Sequence[str],
              now: datetime) -> tuple[OpId, Changes]:
        """Queue the op with its local opinion; call inside the sign-off's transaction."""
        op_id = outbox.enqueue(self.op_type, op_data, local_ref=f"task:{task_id}",
                               blobs_first=blobs_first, now=now)
        LocalOpinion.create(op_id=op_id, task_id=task_id, document_id=document_id,
                            author_id=author_id, decision=op_data["decision"],
                            text=op_data["text"],
                            handwriting_sha256=op_data["handwriting_sha256"],
                            forward_to=op_data["forward_to"], extra=extra,
                            signed_at=op_data["signed_at"], signature=op_data["signature"],
                            document_digest=op_data["document_digest"], state="pending_sync",
                            created_at=now.timestamp())
        Task.update(local_state="pending_sync", local_op_id=op_id,
                    local_done_at=now.timestamp()).where(Task.id == task_id).execute()
        return op_id, changed(documents=[document_id], tasks=[task_id],
                              opinions=[f"local:{op_id}"], outbox=True)

    def _touched(self, op_id: str, task_id: str | None) -> Changes:
        doc = LocalOpinion.select(LocalOpinion.document_id).where(
            LocalOpinion.op_id == op_id).scalar()
        return changed(documents=[doc or ""], tasks=[task_id or ""],
                       opinions=[f"local:{op_id}"], outbox=True)

    def confirmed(self, op: OutboxItem) -> Changes:
        LocalOpinion.update(state="done").where(
            (LocalOpinion.op_id == op.op_id) & (LocalOpinion.state == "pending_sync")
        ).execute()
        return self._touched(op.op_id, op.data.get("task_id"))

    def refused(self, op: OutboxItem, state: OpState) -> Changes:
        mark = "conflict" if state == OpState.CONFLICT else "rejected"
        LocalOpinion.update(state=mark).where(LocalOpinion.op_id == op.op_id).execute()
        Task.update(local_state=mark).where(
            (Task.id == op.data.get("task_id")) & (Task.local_op_id == op.op_id)).execute()
        return self._touched(op.op_id, op.data.get("task_id"))

    def resent(self, op: OutboxItem) -> None:
        LocalOpinion.update(state="pending_sync").where(
            (LocalOpinion.op_id == op.op_id) & (LocalOpinion.state == "done")).execute()
        Task.update(local_state="pending_sync", local_op_id=op.op_id).where(
            Task.id == op.data.get("task_id")).execute()

    def redone(self, op_id: str) -> Changes:
        """A refused sign-off was signed again (a new op): the old one leaves the problems."""
        LocalOpinion.update(state="redone").where(LocalOpinion.op_id == op_id).execute()
        outbox.resolve(op_id, "redone")
        return self._touched(op_id, None)

    def discard(self, op_id: str, task_id: str) -> Changes:
        """The user gives up a refused sign-off: the task loses its mark."""
        LocalOpinion.update(state="discarded").where(LocalOpinion.op_id == op_id).execute()
        Task.update(local_state="").where(
            (Task.id == task_id) & (Task.local_op_id == op_id)
            & Task.local_state.in_(("conflict", "rejected"))).execute()
        outbox.resolve(op_id, "discarded")
        return self._touched(op_id, task_id)

    def withdraw(self, op_id: str) -> Changes | None:
        """撤回 a sign-off still queued here and never sent; None when it no longer is
        (sent meanwhile: only the platform can recall it). Inside the caller's
        transaction."""
        lo = LocalOpinion.get_or_none(LocalOpinion.op_id == op_id)
        if lo is None or lo.state != "pending_sync" or not outbox.withdraw(op_id):
            return None
        LocalOpinion.update(state="withdrawn").where(LocalOpinion.op_id == op_id).execute()
        Task.update(local_state="").where(
            (Task.id == lo.task_id) & (Task.local_op_id == op_id)
            & (Task.local_state == "pending_sync")).execute()
        self._keep_as_draft(lo.task_id, lo.author_id, lo.decision, lo.text,
                            list(lo.forward_to or []))
        return self._touched(op_id, lo.task_id)

    def recalled(self, op_id: str, task_id: str) -> Changes:
        """The platform applied the recall of sign-off `op_id`: the task is pending again
        (the pull brings it); nothing waits on this PC any more, and the text is a draft."""
        LocalOpinion.update(state="recalled").where(
            (LocalOpinion.op_id == op_id) & LocalOpinion.state.in_(("pending_sync", "done"))
        ).execute()
        Task.update(local_state="").where(
            (Task.id == task_id) & (Task.local_op_id == op_id)
            & (Task.local_state == "pending_sync")).execute()
        lo = LocalOpinion.get_or_none(LocalOpinion.op_id == op_id)
        if lo is not None:
            self._keep_as_draft(task_id, lo.author_id, lo.decision, lo.text,
                                list(lo.forward_to or []))
        else:  # signed on another PC: the platform's copy holds the text
            for o in Opinion.select().where(
                    (Opinion.task_id == task_id)
                    & (peewee.fn.json_extract(Opinion.data, "$.op_id") == op_id)):
                self._keep_as_draft(task_id, o.author_id, o.decision, o.text,
                                    list(o.forward_to or []))
        return self._touched(op_id, task_id)

    @staticmethod
    def _keep_as_draft(task_id: str, author_id: str, decision: str, text: str,
                       forward_to: list[str]) -> None:
        """The recalled text becomes the task's draft, unless one was written since."""
        if OpinionDraft.get_or_none(OpinionDraft.task_id == task_id) is not None:
            return
        OpinionDraft.create(task_id=task_id, author_id=author_id, decision=decision,
                            text=text, forward_to=forward_to, updated_at=models.now_ts())


OWNER = TaskCompleteOwner()
