"""撤回 (recall) of the user's own most recent sign-off on a document.

Two cases, decided in one write transaction so a push in progress cannot make it both
or neither:
- the sign-off's op is still queued here and was never posted: it is withdrawn
  (client.services.outbox.withdraw, by the task.complete owner): the task is back in
  待办 with the text, decision and recipients as its draft; nothing reaches the platform;
- otherwise (posted, or applied, or signed on another PC of the same user): a
  `task.recall` is queued after it and the platform decides
  (protocol.workflow_rules.check_recall); until it answers the sign-off stays signed.

`info` says where the most recent sign-off stands and whether a recall is possible as
far as this PC knows: the same rule the platform applies, on the cached tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import peewee

from client import models
from client.errors import ConflictError
from client.models import Document, LocalOpinion, Opinion, OutboxOp, Task
from client.services import audit, op_owners, outbox
from client.types import (
    DocumentId,
    OpId,
    OpState,
    RecallInfo,
    RecallOutcome,
    RecallStage,
    TaskId,
    UserId,
)
from protocol import workflow_rules as rules


def op_id_of(model: type[Opinion]) -> peewee.ColumnBase:
    """The op_id in a synced opinion's JSON (the platform's extra field)."""
    expr: peewee.ColumnBase = peewee.fn.json_extract(model.data, "$.op_id")
    return expr


_UNSENT = (OpState.QUEUED.value, OpState.SENT.value)
_REFUSED = (OpState.CONFLICT.value, OpState.REJECTED.value)


@dataclass(frozen=True)
class _Signed:
    op_id: str
    task_id: str
    decision: str
    signed_at: float
    opinion_id: str | None     # the platform's opinion, once pulled
    recalled: bool


def _step(task: Task) -> rules.StepView:
    data = task.data or {}
    return rules.StepView(id=task.id, kind=task.kind, status=task.status,
                          stage=int(data.get("stage") or 0),
                          origin_opinion_id=data.get("origin_opinion_id"))


class RecallService:
    def __init__(self, me: UserId) -> None:
        self.me = me

    def _my_signoffs(self, document_id: str) -> list[_Signed]:
        """My sign-offs on the document that took (or may yet): the platform's copies,
        and those made here not yet pulled; newest last."""
        found: dict[str, _Signed] = {}
        for o in Opinion.select().where((Opinion.document_id == document_id)
                                        & (Opinion.author_id == self.me)):
            data = o.data or {}
            if data.get("op_id"):
                found[data["op_id"]] = _Signed(
                    op_id=data["op_id"], task_id=o.task_id, decision=o.decision,
                    signed_at=models.to_epoch_precise(o.signed_at) or 0.0, opinion_id=o.id,
                    recalled=bool(data.get("recalled_at")))
        for lo in LocalOpinion.select().where(
                (LocalOpinion.document_id == document_id) & (LocalOpinion.author_id == self.me)
                & LocalOpinion.state.in_(("pending_sync", "done"))):
            found.setdefault(lo.op_id, _Signed(
                op_id=lo.op_id, task_id=lo.task_id, decision=lo.decision,
                signed_at=models.to_epoch_precise(lo.signed_at) or 0.0, opinion_id=None,
                recalled=False))
        return sorted(found.values(), key=lambda s: s.signed_at)

    def info(self, document_id: str) -> RecallInfo | None:
        """My most recent sign-off on the document and whether it may be recalled; None
        when there is none, or it was recalled."""
        mine = self._my_signoffs(document_id)
        if not mine or mine[-1].recalled:
            return None
        return self._info(document_id, mine[-1])

    def _info(self, document_id: str, s: _Signed) -> RecallInfo | None:
        def result(stage: RecallStage, reason: str | None = None, *,
                   allowed: bool | None = None) -> RecallInfo:
            return RecallInfo(signoff_op_id=OpId(s.op_id), task_id=TaskId(s.task_id),
                              document_id=DocumentId(document_id), decision=s.decision,
                              stage=stage, allowed=reason is None if allowed is None
                              else allowed, reason=reason)

        op = OutboxOp.get_or_none(OutboxOp.op_id == s.op_id)
        if op is not None and op.state in _REFUSED:
            return None  # the sign-off itself was refused: Problems deals with it
        if outbox.never_sent(s.op_id):
            return result(RecallStage.QUEUED)
        asked = op_owners.TASK_RECALL.latest_for(s.op_id)
        if asked is not None and asked.state in _UNSENT:
            return result(RecallStage.REQUESTED, allowed=False)
        broken = self._rule(document_id, s)
        if asked is not None and asked.state in _REFUSED:
            return result(RecallStage.REFUSED, asked.result_code or broken,
                          allowed=broken is None)
        return result(RecallStage.SIGNED, broken)

    def _rule(self, document_id: str, s: _Signed) -> str | None:
        """check_recall on what this PC holds (the platform has the last word)."""
        doc = Document.get_or_none(Document.id == document_id)
        task = Task.get_or_none(Task.id == s.task_id)
        if doc is None or task is None or s.opinion_id is None:
            return None  # not pulled yet: nothing here says it is too late
        tasks = [_step(t) for t in Task.select().where(Task.document_id == document_id)]
        broken = rules.check_recall(
            caller_id=self.me, author_id=self.me, recalled=s.recalled,
            document_status=doc.status,
            next_steps=rules.recall_next_steps(_step(task), s.opinion_id, tasks))
        return broken.code if broken else None

    def recall(self, signoff_op_id: str, *, now: datetime) -> RecallOutcome:
        """Recall my sign-off `signoff_op_id`: withdraw it here, or queue task.recall."""
        db = models.database_proxy.obj
        with db.atomic("IMMEDIATE") if db.transaction_depth() == 0 else db.atomic():
            doc_id = (LocalOpinion.select(LocalOpinion.document_id)
                      .where(LocalOpinion.op_id == signoff_op_id).scalar()
                      or Opinion.select(Opinion.document_id).where(
                          (Opinion.author_id == self.me)
                          & (op_id_of(Opinion) == signoff_op_id)).scalar())
            signed = next((s for s in self._my_signoffs(doc_id or "")
                           if s.op_id == signoff_op_id), None) if doc_id else None
            info = self._info(doc_id, signed) if doc_id and signed else None
            if info is None or signed is None or signed.recalled:
                raise ConflictError("task.recall_nothing")
            if info.stage is RecallStage.REQUESTED:
                raise ConflictError("task.recall_already")
            if not info.allowed:
                raise ConflictError(info.reason or "task.recall_too_late")
            withdrawn = op_owners.TASK_COMPLETE.withdraw(signoff_op_id)
            if withdrawn is not None:
                audit.record("task.signoff_withdrawn", user_id=self.me,
                             obj=f"task:{info.task_id}",
                             detail={"op_id": signoff_op_id, "document_id": doc_id}, at=now)
                return RecallOutcome(withdrawn=True, op_id=None, task_id=info.task_id,
                                     document_id=info.document_id, changes=withdrawn)
            op_id, changes = op_owners.TASK_RECALL.queue(
                task_id=info.task_id, signoff_op_id=signoff_op_id, document_id=doc_id,
                now=now)
            audit.record("task.recall", user_id=self.me, obj=f"task:{info.task_id}",
                         detail={"op_id": signoff_op_id, "recall_op_id": op_id,
                                 "document_id": doc_id}, at=now)
            return RecallOutcome(withdrawn=False, op_id=op_id, task_id=info.task_id,
                                 document_id=info.document_id, changes=changes)
