"""Sign-off (签批): complete a task with a decision, an opinion and a signature, offline.

The digest is recomputed from the document the cache holds (one signs what one sees),
the canonical payload is signed with the device key, and the local opinion, the task's
new local state and the outbox op (all three by the op's owner,
client.services.op_owners.task_complete) are written in ONE transaction: either the sign-off
exists with its op, or nothing happened. The task leaves 待办 at once.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from client import models
from client.blobstore import BlobStore
from client.changes import Changes
from client.errors import ConflictError, GovDeskError
from client.models import LocalOpinion, OpinionDraft, OutboxOp, Task, User
from client.services import audit, op_owners, verify
from client.types import Draft, OpId, Sha256, SignoffResult, TaskId, TaskInfo, UserId
from protocol import workflow_rules as rules
from protocol.canonical import signoff_message
from protocol.signing import Signer

log = logging.getLogger(__name__)

DECISION_LABELS = {"approve": "同意", "return": "退回", "forward": "转办", "read": "已阅",
                   "done": "办结"}
MAX_TEXT = rules.MAX_OPINION_TEXT


def allowed_decisions(task: TaskInfo | Task | str) -> tuple[str, ...]:
    kind = task if isinstance(task, str) else task.kind
    return rules.allowed_decisions(kind)


def forward_required(kind: str, decision: str) -> bool:
    rule = rules.rule_for(kind, decision)
    return rule is not None and rule.forward_to is rules.Need.REQUIRED


def forward_allowed(kind: str, decision: str) -> bool:
    rule = rules.rule_for(kind, decision)
    return rule is not None and rule.forward_to is not rules.Need.FORBIDDEN


def _rfc3339(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("`now` must be an aware datetime")
    # Milliseconds: the signing time is compared with key revocation times (also ms), so a
    # sign-off made just after a revocation never reads as made before it.
    return at.astimezone().isoformat(timespec="milliseconds")


class SignoffService:
    def __init__(self, me: UserId, blobs: BlobStore) -> None:
        self.me = me
        self.blobs = blobs

    def _check(self, task: Task | None, decision: str, text: str,
               forward_to: Sequence[str], circulate_to: Sequence[str] = (),
               countersign_to: Sequence[str] = ()) -> Task:
        if task is None:
            raise GovDeskError("task.not_found")
        if task.assignee_id != self.me:
            raise GovDeskError("task.not_assignee")
        if task.status != "pending" or task.local_state == "pending_sync":
            raise ConflictError("task.not_pending")
        if not isinstance(text, str):
            raise GovDeskError("opinion.too_long", limit=MAX_TEXT)
        broken = rules.check_signoff(
            kind=task.kind, decision=decision, text=text, signer_id=self.me,
            recipients={"forward_to": forward_to, "circulate_to": circulate_to,
                        "countersign_to": countersign_to})
        if broken is not None:
            raise GovDeskError(broken.code, limit=MAX_TEXT)
        unknown = [u for u in forward_to if User.get_or_none(User.id == u) is None]
        if unknown:
            raise GovDeskError("user.unknown")
        return task

    def complete_task(self, task_id: str, *, decision: str, text: str,
                      forward_to: Sequence[str] = (), circulate_to: Sequence[str] = (),
                      countersign_to: Sequence[str] = (),
                      handwriting_png: bytes | None = None, signer: Signer,
                      now: datetime) -> SignoffResult:
        """Sign and record the sign-off, and queue `task.complete`, atomically.

        `circulate_to` (传阅, instruct+approve) and `countersign_to` (会签, propose+approve)
        are unsigned routing extras the platform accepts beside `forward_to`.
        """
        if signer.user_id != self.me:
            raise GovDeskError("signature.wrong_user")
        forward = list(dict.fromkeys(forward_to))
        task = self._check(Task.get_or_none(Task.id == task_id), decision, text, forward,
                           circulate_to, countersign_to)
        loaded = models.load_document(task.document_id)
        if loaded is None:
            raise GovDeskError("document.not_found")
        doc, doc_data, _ = loaded
        digest = verify.local_digest(doc_data)
        if digest is None:
            raise GovDeskError("document.incomplete")
        if doc.digest and doc.digest != digest:
            log.warning("document %s: local digest differs from the platform's", doc.id)
        hw_sha: Sha256 | None = None
        if handwriting_png is not None:
            if not handwriting_png.startswith(b"\x89PNG\r\n\x1a\n"):
                raise GovDeskError("handwriting.not_png")
            # Written before the transaction: an orphan blob if it fails is harmless.
            hw_sha = self.blobs.put_bytes(handwriting_png, "image/png", upload=True)
        signed_at = _rfc3339(now)
        message = signoff_message(task_id=task.id, document_id=doc.id, document_digest=digest,
                                  decision=decision, text=text, handwriting_sha256=hw_sha,
                                  forward_to=forward, signer_id=self.me, signed_at=signed_at)
        signature = signer.sign(message)
        op_data: dict[str, Any] = {"task_id": task.id, "decision": decision, "text": text,
                                   "handwriting_sha256": hw_sha, "forward_to": forward,
                                   "signed_at": signed_at, "signature": signature,
                                   # Lets the platform answer document.digest_mismatch
                                   # rather than a bare signature.invalid.
                                   "document_digest": digest}
        extra: dict[str, Any] = {}
        if circulate_to:
            op_data["circulate_to"] = extra["circulate_to"] = list(dict.fromkeys(circulate_to))
        if countersign_to:
            op_data["countersign_to"] = extra["countersign_to"] = list(
                dict.fromkeys(countersign_to))
        db = models.database_proxy.obj
        with db.atomic("IMMEDIATE") if db.transaction_depth() == 0 else db.atomic():
            # Re-read inside the write lock: another thread may have signed it meanwhile.
            self._check(Task.get_or_none(Task.id == task.id), decision, text, forward)
            op_id, changes = op_owners.TASK_COMPLETE.queue(
                task_id=task.id, document_id=doc.id, author_id=self.me, op_data=op_data,
                extra=extra, blobs_first=[hw_sha] if hw_sha else [], now=now)
            OpinionDraft.delete().where(OpinionDraft.task_id == task.id).execute()
            audit.record("task.signoff", user_id=self.me, obj=f"task:{task.id}",
                         detail={"document_id": doc.id, "decision": decision,
                                 "op_id": op_id, "key_id": signature.get("key_id")}, at=now)
        return SignoffResult(op_id=op_id, task_id=TaskId(task.id), document_id=doc.id,
                             signed_at=signed_at, signature=signature,
                             handwriting_sha256=hw_sha, changes=changes)

    # --- conflicts --------------------------------------------------------------------
    def my_pending_tasks_on(self, document_id: str) -> list[Task]:
        return list(Task.select().where(
            (Task.document_id == document_id) & (Task.assignee_id == self.me)
            & (Task.status == "pending") & (Task.local_state != "pending_sync")))

    def kept_opinion(self, op_id: str) -> LocalOpinion:
        lo = LocalOpinion.get_or_none(LocalOpinion.op_id == op_id)
        if lo is None:
            raise GovDeskError("op.not_found")
        return lo

    def redo(self, op_id: str, *, signer: Signer, now: datetime, task_id: str | None = None,
             decision: str | None = None, text: str | None = None,
             forward_to: Sequence[str] | None = None,
             handwriting_png: bytes | None = None) -> SignoffResult:
        """Re-apply a conflicted/rejected sign-off's kept text on the current state.

        By default it goes to my one other pending task on the same document (e.g. the
        task the workflow gave me after a return); the old record is kept as "redone".
        """
        old = self.kept_opinion(op_id)
        if old.state not in ("conflict", "rejected"):
            raise GovDeskError("op.not_in_conflict")
        if task_id is None:
            candidates = self.my_pending_tasks_on(old.document_id)
            if old.task_id in {t.id for t in candidates}:
                task_id = old.task_id
            elif len(candidates) == 1:
                task_id = candidates[0].id
            else:
                raise ConflictError("task.choose")
        if handwriting_png is None and old.handwriting_sha256 and self.blobs.has(
                old.handwriting_sha256):
            handwriting_png = self.blobs.open_bytes(old.handwriting_sha256)
        db = models.database_proxy.obj
        with db.atomic("IMMEDIATE"):
            result = self.complete_task(
                task_id, decision=decision or old.decision,
                text=old.text if text is None else text,
                forward_to=list(old.forward_to or []) if forward_to is None else forward_to,
                circulate_to=(old.extra or {}).get("circulate_to", ()),
                countersign_to=(old.extra or {}).get("countersign_to", ()),
                handwriting_png=handwriting_png, signer=signer, now=now)
            redone = op_owners.TASK_COMPLETE.redone(op_id)
        return dataclasses.replace(result, changes=result.changes | redone)

    def discard(self, op_id: str, *, now: datetime) -> Changes:
        """Give up a conflicted/rejected sign-off (its text stays in the audit log)."""
        old = self.kept_opinion(op_id)
        db = models.database_proxy.obj
        with db.atomic():
            changes = op_owners.TASK_COMPLETE.discard(op_id, old.task_id)
            audit.record("task.signoff_discarded", user_id=self.me, obj=f"task:{old.task_id}",
                         detail={"op_id": op_id, "text": old.text}, at=now)
        return changes

    def problem_opinions(self) -> list[LocalOpinion]:
        return list(LocalOpinion.select().where(
            LocalOpinion.state.in_(("conflict", "rejected"))).order_by(LocalOpinion.created_at))

    def op_state(self, op_id: OpId) -> str | None:
        op = OutboxOp.get_or_none(OutboxOp.op_id == op_id)
        return None if op is None else op.state

    # --- drafts -----------------------------------------------------------------------
    def save_draft(self, task_id: str, *, text: str, decision: str | None = None,
                   forward_to: Sequence[str] = ()) -> None:
        (OpinionDraft.insert(task_id=task_id, author_id=self.me, decision=decision,
                             text=text, forward_to=list(forward_to), updated_at=models.now_ts())
         .on_conflict(conflict_target=[OpinionDraft.task_id],
                      update={OpinionDraft.decision: decision, OpinionDraft.text: text,
                              OpinionDraft.forward_to: list(forward_to),
                              OpinionDraft.updated_at: models.now_ts()})
         .execute())

    def draft(self, task_id: str) -> Draft | None:
        d = OpinionDraft.get_or_none(OpinionDraft.task_id == task_id)
        if d is None:
            return None
        return Draft(task_id=TaskId(d.task_id), decision=d.decision, text=d.text,
                     forward_to=[UserId(u) for u in d.forward_to or []],
                     updated_at=models.from_epoch(d.updated_at))

    def delete_draft(self, task_id: str) -> None:
        OpinionDraft.delete().where(OpinionDraft.task_id == task_id).execute()
