"""撤回: the op `task.recall` {"task_id", "op_id"} takes back one's own sign-off.

The sign-off is named by the `op_id` of its `task.complete` (opinion.op_id). The shared
rule (protocol.workflow_rules.check_recall, with recall_next_steps) decides: only the
author, only while none of the sign-off's next steps has started. Applying it:
- the opinion is marked recalled (`recalled_at`), never deleted: opinions are
  append-only, and everyone who still sees the document gets it again, recalled;
- the next steps still pending are cancelled (their holders lose the document unless
  they hold another step on it, as with any cancelled task);
- the tasks a 退回 had superseded are pending again;
- the task is pending again for the same assignee, and a document the sign-off
  completed (办结) is in progress again.
Refusals: `task.recall_too_late`, `task.recall_document_closed`, `task.recall_already`,
`task.recall_not_signed` (conflicts); `task.recall_not_author` (rejected).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from protocol import ops
from protocol.wire.operations import TaskRecallData
from protocol.workflow_rules import GATING_KINDS, StepView, check_recall, recall_next_steps
from server import clock
from server.db import write_tx
from server.errors import Problem
from server.models import Document, Opinion, Task, User
from server.ops import OpOutcome, register_op
from server.visibility import document_audience
from server.workflow.common import _begin, _publish, contains_nul

_DETAIL = {
    "task.recall_not_author": "only the author of a sign-off may recall it",
    "task.recall_already": "the sign-off was already recalled",
    "task.recall_document_closed": "the document is archived",
    "task.recall_too_late": "the next step has started: {steps}",
}


def _fk(row: object, name: str) -> str:
    """A foreign key's raw id (peewee's `<field>_id`, which the type checker cannot see)."""
    return str(getattr(row, f"{name}_id"))


def _step(task: Task) -> StepView:
    return StepView(id=task.id, kind=task.kind, status=task.status, stage=task.stage,
                    origin_opinion_id=task.origin_opinion_id)


def _parse(data: Any) -> TaskRecallData:
    if not isinstance(data, dict) or contains_nul(data):
        raise Problem(422, "op.invalid_data", "Invalid operation data",
                      "data must be an object without NUL characters")
    try:
        return TaskRecallData.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise Problem(422, "op.invalid_data", "Invalid operation data",
                      f"{where}: {first['msg']}") from None


def recall_signoff(user: User, data: Any) -> Opinion:
    """The op `task.recall`; returns the recalled opinion, raises Problem otherwise."""
    req = _parse(data)
    with write_tx():
        opinion = Opinion.get_or_none(Opinion.op_id == req.op_id)
        if opinion is None or _fk(opinion, "task") != req.task_id:
            # Never applied (or refused), or not this task: nothing the platform recorded.
            raise Problem(409, "task.recall_not_signed", "Nothing to recall",
                          "the platform recorded no sign-off with this op_id on this task")
        task = Task.get_by_id(_fk(opinion, "task"))
        doc = Document.get_by_id(_fk(task, "document"))
        author_id = _fk(opinion, "author")
        if author_id != user.id and user.id not in document_audience(doc):
            # Same answer as an unknown sign-off: others' documents stay secret.
            raise Problem(409, "task.recall_not_signed", "Nothing to recall",
                          "the platform recorded no sign-off with this op_id on this task")
        tasks = list(Task.select().where(Task.document == doc.id))
        signed = _step(task)
        next_steps = recall_next_steps(signed, opinion.id, [_step(t) for t in tasks])
        broken = check_recall(caller_id=user.id, author_id=author_id,
                              recalled=opinion.recalled_at is not None,
                              document_status=doc.status, next_steps=next_steps)
        if broken is not None:
            started = ", ".join(f"{t.kind} {t.id} ({t.status})" for t in next_steps
                                if t.status not in ("pending", "cancelled"))
            detail = _DETAIL[broken.code].format(steps=started)
            status = 403 if broken.code == "task.recall_not_author" else 409
            raise Problem(status, broken.code, "Recall refused", detail)

        ch = _begin(doc)
        now = clock.now()
        by_id = {t.id: t for t in tasks}
        for step in next_steps:
            follow = by_id[step.id]
            if follow.status == "pending":
                follow.status = "cancelled"
                follow.completed_at = now
                follow.cancelled_by = user.id
                ch.touch_task(follow)
        for sibling in tasks:
            if sibling.superseded_by_opinion_id == opinion.id and sibling.status == "cancelled":
                sibling.status = "pending"
                sibling.completed_at = None
                sibling.superseded_by_opinion_id = None
                sibling.cancelled_by = None
                ch.touch_task(sibling)
        task.status = "pending"
        task.completed_at = None
        ch.touch_task(task)
        opinion.recalled_at = now
        opinion.version += 1
        opinion.updated_at = now
        opinion.save()
        ch.opinions[opinion.id] = opinion
        if task.kind in GATING_KINDS and doc.status == "completed":
            doc.status = "in_progress"  # the step is open again: not 办结 any more
            ch.doc_changed = True
        if ch.doc_changed:
            ch.touch_doc()
        _publish(ch)
        return opinion


def _op_task_recall(user: User, data: dict[str, Any]) -> OpOutcome:
    recall_signoff(user, data)
    return OpOutcome("applied")


register_op(ops.TASK_RECALL, _op_task_recall)
