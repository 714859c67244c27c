"""The clerk's desk as ops (the GUI form of today's admin API and CLI):
`document.register` (登记 of a paper document scanned to PDF), `document.route` (登记
corrections and 分办 of a received one), `task.cancel` / `task.reroute` (with a reason),
`task.remind` (催办), `document.complete` (办结) and `document.archive` (归档).

The route's first tasks join stage 1 of the 收文 stage machine (server.workflow.stages):
to the office head for 拟办, or straight to leaders for 批示, with 传阅 reads alongside.
"""

from __future__ import annotations

from typing import Any

from protocol import ops
from protocol.canonical import document_digest
from protocol.wire.outgoing import (
    DocumentCloseData,
    DocumentRegisterData,
    DocumentRouteData,
    RouteTask,
    TaskCancelData,
    TaskRemindData,
    TaskRerouteData,
)
from server import clock, feed
from server.conflicts import task_context
from server.db import write_tx
from server.errors import Problem
from server.models import Document, Outgoing, OutgoingStep, Reminder, Task, Unit, User
from server.ops import OpOutcome, register_op
from server.serialize import document_json, parse_time, reminder_json
from server.visibility import document_audience, outgoing_audience, reminder_audience
from server.workflow.clerk import (
    archive_document,
    cancel_task,
    document_for_clerk,
    reroute_task,
)
from server.workflow.common import _GATING_KINDS, _active_users, _begin, _Changes, _publish
from server.workflow.outgoing import (
    clerk_required,
    invalid,
    is_clerk_of,
    parse,
    require_clerk,
    require_reason,
)
from server.workflow.registration import _blob_ref, next_registration_number, validate_meta
from server.workflow.stages import _new_task


def _document_of_clerk(user: User, document_id: str) -> Document:
    return document_for_clerk(user, document_id)


def _route(ch: _Changes, clerk: User, tasks: list[RouteTask]) -> None:
    users = _active_users([t.assignee_id for t in tasks], what="tasks")
    if len(users) != len(tasks):
        raise invalid("a user is named twice in tasks")
    for spec in tasks:
        due = parse_time(spec.due_at, field="due_at") if spec.due_at else None
        _new_task(ch, assignee_id=spec.assignee_id, kind=spec.kind, stage=1, parent=None,
                  created_by=clerk.id, due_at=due)


def _redigest(doc: Document) -> None:
    doc.digest = document_digest(document_json(doc))


def register(user: User, data: Any) -> Document:
    """登记 of a scanned paper document, optionally routed at once (status registered)."""
    d = parse(DocumentRegisterData, data)
    meta = d.model_dump(include={"doc_number", "issuer", "doc_type", "title", "classification",
                                 "urgency", "signatory", "issued_on", "notes"})
    # A paper document may lack a 发文字号; validate_meta wants one, so check a stand-in.
    fields = validate_meta({**meta, "doc_number": meta["doc_number"] or "-",
                            "signatory": meta["signatory"] or ""})
    fields["doc_number"] = (meta["doc_number"] or "").strip()
    with write_tx():
        if "clerk" not in (user.roles or []):
            raise Problem(403, "clerk.required", "Clerk required", "only a clerk registers")
        if Document.get_or_none(id=d.document_id) is not None:
            raise invalid("document_id is already used")
        unit = Unit.get_by_id(user.unit_id)
        body = _blob_ref(d.body_sha256, what="body", owner=user)
        atts = []
        for i, att in enumerate(d.attachments):
            name = str(att.get("name") or "").strip()
            if not name or len(name) > 255:
                raise invalid(f"attachment {i} needs a name")
            atts.append({"name": name, **_blob_ref(att["sha256"], what=f"attachment {i}",
                                                   owner=user)})
        now = clock.now()
        doc = Document.create(
            id=d.document_id, unit=unit.id, **fields, received_at=now,
            registration_number=next_registration_number(unit, now.astimezone(clock.CST).year),
            body=body, attachments=atts, status="registered",
            digest=document_digest({**fields, "body": body, "attachments": atts}),
            registered_by=user.id, updated_at=now)
        ch = _Changes(document=doc, audience_before=[], doc_changed=True)
        if d.tasks:
            _route(ch, user, list(d.tasks))
        _publish(ch)
        return doc


def route(user: User, data: Any) -> Document:
    """登记 corrections and 分办 of a document that has no route yet."""
    d = parse(DocumentRouteData, data)
    with write_tx():
        doc = _document_of_clerk(user, d.document_id)
        routed = Task.select().where(Task.document == doc.id, Task.status != "cancelled")
        if doc.status != "registered" or routed.exists():
            raise Problem(409, "document.not_registered", "Already routed",
                          f"the document is {doc.status} and has its route")
        ch = _begin(doc)
        for name in ("title", "doc_number", "notes"):
            value = getattr(d, name)
            if value is not None:
                if name == "title" and not value.strip():
                    raise invalid("title must not be empty")
                setattr(doc, name, value.strip() if name != "notes" else value)
        if d.urgency is not None:
            doc.urgency = d.urgency
        _redigest(doc)
        _route(ch, user, list(d.tasks))
        ch.touch_doc()
        _publish(ch)
        return doc


def complete(user: User, data: Any) -> Document:
    """办结 by the clerk: pending steps that hold the document up are cancelled (传阅 reads
    may still be signed)."""
    d = parse(DocumentCloseData, data)
    with write_tx():
        doc = _document_of_clerk(user, d.document_id)
        if doc.status == "archived":
            raise Problem(409, "document.archived", "Archived", "the document is archived")
        if doc.status == "completed":
            raise Problem(409, "document.completed", "Completed", "the document is completed")
        ch = _begin(doc)
        for task in Task.select().where(Task.document == doc.id, Task.status == "pending",
                                        Task.kind.in_(_GATING_KINDS)):
            task.status = "cancelled"
            task.completed_at = clock.now()
            task.reason = "办结"
            task.cancelled_by = user.id
            ch.touch_task(task)
        doc.status = "completed"
        ch.touch_doc()
        _publish(ch)
        return doc


def _archive(user: User, data: Any) -> None:
    d = parse(DocumentCloseData, data)
    archive_document(user, d.document_id)


def _cancel(user: User, data: Any) -> None:
    require_reason(data)
    d = parse(TaskCancelData, data)
    cancel_task(user, d.task_id, d.reason.strip())


def _reroute(user: User, data: Any) -> None:
    require_reason(data)
    d = parse(TaskRerouteData, data)
    reroute_task(user, d.task_id, d.assignee_id, d.reason.strip())


def remind(user: User, data: Any) -> Reminder:
    """催办: a reminder to the assignee of a pending task (the clerk of the document's unit)
    or outgoing step (the clerk of the drafting unit)."""
    d = parse(TaskRemindData, data)
    if (d.task_id is None) == (d.step_id is None):
        raise invalid("name either task_id or step_id")
    with write_tx():
        if Reminder.get_or_none(id=d.reminder_id) is not None:
            raise invalid("reminder_id is already used")
        document_id = outgoing_id = None
        if "clerk" not in (user.roles or []):  # the role gate, whatever the id names
            raise clerk_required()
        if d.task_id is not None:
            task = Task.get_or_none(id=d.task_id)
            doc = Document.get_by_id(task.document_id) if task is not None else None
            # Another unit's task the clerk may not see: as an unknown one (finding 15).
            if task is None or doc is None or not (is_clerk_of(user, doc.unit_id)
                                   or user.id in document_audience(doc)):
                raise Problem(404, "task.not_found", "Not found", "no such task")
            require_clerk(user, doc.unit_id)
            if task.status != "pending":
                raise Problem(409, "task.not_pending", "Not pending", f"the task is {task.status}",
                              context=task_context(task, user))
            to_id, document_id = task.assignee_id, task.document_id
        else:
            step = OutgoingStep.get_or_none(id=d.step_id)
            out = Outgoing.get_by_id(step.outgoing_id) if step is not None else None
            if step is None or out is None or not (is_clerk_of(user, out.unit_id)
                                   or user.id in outgoing_audience(out)):
                raise Problem(404, "step.not_found", "Not found", "no such step")
            require_clerk(user, out.unit_id)
            if step.status != "pending":
                raise Problem(409, "step.not_pending", "Not pending", f"the step is {step.status}")
            to_id, outgoing_id = step.assignee_id, step.outgoing_id
        now = clock.now()
        reminder = Reminder.create(
            id=d.reminder_id, task_id=d.task_id, step_id=d.step_id, document_id=document_id,
            outgoing_id=outgoing_id, from_id=user.id, to_id=to_id, text=d.text, at=now,
            updated_at=now)
        feed.publish("reminder", reminder.id, reminder_json(reminder),
                     set(reminder_audience(reminder)))
        return reminder


def _op(fn: Any) -> Any:
    def handler(user: User, data: dict[str, Any]) -> OpOutcome:
        fn(user, data)
        return OpOutcome("applied")
    return handler


register_op(ops.DOCUMENT_REGISTER, _op(register))
register_op(ops.DOCUMENT_ROUTE, _op(route))
register_op(ops.DOCUMENT_COMPLETE, _op(complete))
register_op(ops.DOCUMENT_ARCHIVE, _op(_archive))
register_op(ops.TASK_CANCEL, _op(_cancel))
register_op(ops.TASK_REROUTE, _op(_reroute))
register_op(ops.TASK_REMIND, _op(remind))
