"""Conflicts in words: who made a step or notice go away, when, and who holds it now.

A conflict or rejection of `POST /ops` may carry `context` (docs/protocol.md
"Conflicts in words"), so the client can tell its user "此环节已由王丽于12月1日 10:12
改派给李强，您的批示未被记录" and offer to send the kept text on to the holder. The
facts come from what the platform records: `task.cancelled_by`, `task.replaced_by`,
`task.completed_at`, the opinion of a completed task, `notice.withdrawn_by/_at`.

`action` names what happened: `rerouted`, `cancelled`, `returned` (a sibling's 退回
superseded it), `recalled` (the sign-off that made it was 撤回), `completed` (办结),
`signed` (the task was already signed, e.g. from another PC), `withdrawn` (a notice).
Only facts the caller may know are given: the caller is the task's assignee, a clerk of
the document's unit, or in the notice's audience (the raisers check that first).
"""

from __future__ import annotations

from typing import Any

from protocol.workflow_rules import GATING_KINDS as _GATING_KINDS
from server import clock
from server.models import Document, Notice, Opinion, Task, User


def _name(user_id: str | None) -> str | None:
    if not user_id:
        return None
    user = User.get_or_none(id=user_id)
    return user.display_name if user is not None else None


def _action(task: Task, doc: Document) -> str:
    if task.status in ("done", "returned"):
        return "signed"
    if task.replaced_by:
        return "rerouted"
    if task.superseded_by_opinion_id:
        return "returned"
    if task.origin_opinion_id:
        origin = Opinion.get_or_none(id=task.origin_opinion_id)
        if origin is not None and origin.recalled_at is not None:
            return "recalled"
    if task.reason == "办结" and doc.status in ("completed", "archived"):
        return "completed"
    return "cancelled"


def _by(task: Task, action: str) -> str | None:
    if action == "signed":
        opinion = (Opinion.select().where(Opinion.task == task.id)
                   .order_by(Opinion.updated_at.desc()).first())
        return opinion.author_id if opinion is not None else task.assignee_id
    return task.cancelled_by


def _holder(task: Task, caller_id: str) -> Task | None:
    """The pending task that holds the step now: a re-route's replacement, else the
    document's newest pending step (of the same stage first) held by someone else, or
    the caller's own when a 撤回 gave it back."""
    seen = {task.id}
    step = task
    while step.replaced_by and step.replaced_by not in seen:  # re-routed, maybe again
        seen.add(step.replaced_by)
        new = Task.get_or_none(id=step.replaced_by)
        if new is None:
            break
        if new.status == "pending":
            return new
        step = new
    pending = list(Task.select().where(Task.document == task.document_id,
                                       Task.status == "pending", Task.id != task.id)
                   .order_by(Task.created_at.desc(), Task.id))
    if not pending:
        return None

    def rank(t: Task) -> tuple[int, int, int]:
        return (t.kind not in _GATING_KINDS, t.stage != task.stage,
                t.assignee_id == caller_id)
    return min(pending, key=rank)


def _clean(context: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in context.items() if v not in (None, "")}


def task_context(task: Task, caller: User) -> dict[str, Any]:
    """Who, when and who now, for a task that is no longer pending."""
    doc = Document.get_by_id(task.document_id)
    action = _action(task, doc)
    by = _by(task, action)
    holder = _holder(task, caller.id)
    return _clean({
        "action": action, "by": by, "by_name": _name(by),
        "at": clock.rfc3339(task.completed_at), "reason": task.reason,
        "task_id": task.id, "task_kind": task.kind, "document_id": doc.id,
        # The caller saw the document, and may not any more (a re-route takes it away).
        "document_title": doc.title,
        "holder_id": holder.assignee_id if holder else None,
        "holder_name": _name(holder.assignee_id) if holder else None,
        "holder_task_id": holder.id if holder else None,
    })


def notice_context(notice: Notice) -> dict[str, Any]:
    """Who withdrew a notice, and when."""
    by = notice.withdrawn_by or notice.publisher_id
    return _clean({"action": "withdrawn", "by": by, "by_name": _name(by),
                   "at": clock.rfc3339(notice.withdrawn_at), "notice_id": notice.id})
