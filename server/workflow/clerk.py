"""Clerk actions on a unit's documents: cancel or re-route a pending task, archive (归档)
a completed document, republish the documents when the unit's clerks change. Clerks act
for documents of their own unit, admins for any (`check_clerk_of`, also asked by
registration and by server/api/admin.py).
"""

from __future__ import annotations

from server import clock
from server.conflicts import task_context
from server.db import write_tx
from server.errors import Problem
from server.models import Document, Task, User
from server.visibility import document_audience
from server.workflow.common import _GATING_KINDS, _active_users, _begin, _Changes, _publish
from server.workflow.stages import _advance_if_stage_done, _new_task


def _role(user: User, role: str) -> bool:
    return role in (user.roles or [])


def check_clerk_of(user: User, unit_id: str) -> None:
    """Clerks act for documents of their own unit; admins for any."""
    if _role(user, "admin"):
        return
    if not _role(user, "clerk") or user.unit_id != unit_id:
        raise _forbidden()


def _forbidden() -> Problem:
    return Problem(403, "auth.forbidden", "Forbidden",
                   "only a clerk of the receiving unit may do this")


def document_not_found() -> Problem:
    return Problem(404, "document.not_found", "Not found", "no such document")


def task_not_found() -> Problem:
    return Problem(404, "task.not_found", "Not found", "no such task")


def _check_clerk_of_document(user: User, doc: Document, not_found: Problem) -> None:
    """Past the role gate: a clerk of another unit who may not see the document gets
    `not_found`, the answer for an unknown id (issue 13, finding 15: a 403 told that the
    id exists); one who sees it (they hold a task on it) is told it is not theirs."""
    try:
        check_clerk_of(user, doc.unit_id)
    except Problem:
        if user.id in document_audience(doc):
            raise
        raise not_found from None


def _check_clerk_role(user: User) -> None:
    """The role gate, before any id is looked up: the same answer whatever the id."""
    if not (_role(user, "admin") or _role(user, "clerk")):
        raise _forbidden()


def document_for_clerk(user: User, document_id: str) -> Document:
    """The document, for a clerk of its unit or an admin; else 403 by role, or 404 as
    for an unknown id when the caller may not see it."""
    _check_clerk_role(user)
    doc = Document.get_or_none(id=document_id)
    if doc is None:
        raise document_not_found()
    _check_clerk_of_document(user, doc, document_not_found())
    return doc


def _pending_task_for_clerk(actor: User, task_id: str) -> tuple[Task, Document]:
    _check_clerk_role(actor)
    task = Task.get_or_none(id=task_id)
    if task is None:
        raise task_not_found()
    doc = Document.get_by_id(task.document_id)
    _check_clerk_of_document(actor, doc, task_not_found())
    if task.status == "cancelled":
        raise Problem(409, "task.cancelled", "Task cancelled", "the task was already cancelled",
                      context=task_context(task, actor))
    if task.status != "pending":
        raise Problem(409, "task.not_pending", "Task not pending", f"the task is {task.status}",
                      context=task_context(task, actor))
    return task, doc


def cancel_task(actor: User, task_id: str, reason: str | None = None) -> Task:
    """Cancel a pending task; if that finishes its stage the workflow moves on. The last
    live task of a stage cannot be cancelled (re-route it instead), or the document
    would stall."""
    with write_tx():
        task, doc = _pending_task_for_clerk(actor, task_id)
        if task.kind in _GATING_KINDS:
            others = Task.select().where(
                Task.document == doc.id, Task.stage == task.stage, Task.id != task.id,
                Task.kind.in_(_GATING_KINDS), Task.status.in_(("pending", "done")),
            )
            if not others.exists():
                raise Problem(409, "task.last_in_stage", "Last task of its step",
                              "this is the only task of its step: re-route it instead")
        ch = _begin(doc)
        task.status = "cancelled"
        task.completed_at = clock.now()
        task.reason = reason
        task.cancelled_by = actor.id
        ch.touch_task(task)
        if task.kind in _GATING_KINDS:
            _advance_if_stage_done(ch, doc.id, task.stage)
        if ch.doc_changed:
            ch.touch_doc()
        _publish(ch)
        return task


def reroute_task(actor: User, task_id: str, assignee_id: str, reason: str | None = None
                 ) -> Task:
    """Move a pending task to another user: the old one is cancelled (its holder loses
    the document unless they hold another task on it), a same-step task is created."""
    with write_tx():
        task, doc = _pending_task_for_clerk(actor, task_id)
        (target,) = _active_users([assignee_id], what="assignee_id")
        if target.id == task.assignee_id:
            raise Problem(409, "task.same_assignee", "Same assignee",
                          "the task is already assigned to this user")
        ch = _begin(doc)
        task.status = "cancelled"
        task.completed_at = clock.now()
        task.reason = reason
        task.cancelled_by = actor.id
        parent = Task.get_or_none(id=task.parent_task_id) if task.parent_task_id else None
        new = _new_task(ch, assignee_id=target.id, kind=task.kind, stage=task.stage,
                        parent=parent, created_by=task.created_by, due_at=task.due_at,
                        origin=task.origin_opinion_id)  # the same step, for a 撤回 too
        task.replaced_by = new.id  # whose step it is now, for a sign-off that meets it
        ch.touch_task(task)
        _publish(ch)
        return new


def republish_unit_documents(unit_id: str) -> int:
    """Re-send the unit's documents, and its outgoing documents, deliveries and series,
    to their current audience (after a clerk joins or leaves the unit). Returns how many
    documents."""
    from server.workflow.outgoing import republish_unit

    count = 0
    with write_tx():
        for doc in Document.select().where(Document.unit == unit_id):
            ch = _Changes(document=doc, audience_before=[])  # forces a full republish
            _publish(ch)
            count += 1
        republish_unit(unit_id)
    return count


def archive_document(actor: User, document_id: str) -> Document:
    """归档: only a completed document; archiving twice is a conflict."""
    with write_tx():
        doc = document_for_clerk(actor, document_id)
        if doc.status == "archived":
            raise Problem(409, "document.archived", "Already archived", "the document is archived")
        if doc.status != "completed":
            raise Problem(409, "document.not_completed", "Not completed",
                          f"only a completed document can be archived (it is {doc.status})")
        ch = _begin(doc)
        doc.status = "archived"
        ch.touch_doc()
        _publish(ch)
        return doc
