"""What is still waiting to be sent, in words a clerk reads: each unsent operation, what
it acts on (the document's 文号 and title, the notice's title), since when, and why the
last attempt failed. The same ops the status bar counts as waiting (outbox unsent:
queued, sent but not answered, set aside)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from client.models import Document, Notice, OutboxOp, Task, from_epoch
from client.services import lookup
from client.services.outbox import UNSENT_STATES
from client.types import OpState
from protocol import ops

WAITING_STATES = (*UNSENT_STATES, OpState.SET_ASIDE.value)


@dataclass(frozen=True)
class QueuedOp:
    op_id: str
    type: str                 # the op type (protocol.ops); the UI names it
    doc_number: str           # 文号 of the document it acts on ("" when none)
    subject: str              # the document's or notice's title, or what else it names
    since: datetime           # when the user did it
    state: OpState            # queued, sent (no answer yet), set aside
    attempts: int
    last_error: str | None    # why the last attempt failed, when one did
    can_recall: bool = False  # a sign-off: 撤回 is offered (client.services.recall)


def _document_ids(rows: list[OutboxOp]) -> dict[str, str]:
    """The document each op acts on, by op id."""
    signoffs = (ops.TASK_COMPLETE, ops.TASK_RECALL)
    task_ids = [r.data.get("task_id") for r in rows if r.type in signoffs]
    task_doc = {t.id: t.document_id for t in Task.select(Task.id, Task.document_id)
                .where(Task.id.in_([t for t in task_ids if t]))}
    out: dict[str, str] = {}
    for r in rows:
        if r.type in signoffs and r.data.get("task_id") in task_doc:
            out[r.op_id] = task_doc[r.data["task_id"]]
        elif r.data.get("document_id") and r.type != ops.TASK_COMPLETE:
            # mark_read and the clerk's ops on a 收文 (route, complete, archive)
            out[r.op_id] = r.data["document_id"]
    return out


def waiting(limit: int = 500) -> list[QueuedOp]:
    """The unsent ops, oldest first (the order they will be sent in)."""
    rows = list(OutboxOp.select().where(OutboxOp.state.in_(WAITING_STATES))
                .order_by(OutboxOp.id).limit(limit))
    doc_of = _document_ids(rows)
    docs = {d.id: d for d in Document.select(Document.id, Document.doc_number, Document.title)
            .where(Document.id.in_(list(set(doc_of.values()))))}
    notice_ids = [r.data.get("notice_id") for r in rows if r.data.get("notice_id")]
    notices = {n.id: n.title for n in Notice.select(Notice.id, Notice.title)
               .where(Notice.id.in_(notice_ids))}
    titles = lookup.titles([r.data["delivery_id"] for r in rows if r.data.get("delivery_id")])
    out: list[QueuedOp] = []
    for r in rows:
        doc = docs.get(doc_of.get(r.op_id, ""))
        if doc is not None:
            number, subject = doc.doc_number or "", doc.title
        elif r.data.get("notice_id"):
            number, subject = "", notices.get(r.data["notice_id"], r.data["notice_id"])
        elif r.data.get("delivery_id"):  # 签收 / 拒收: the delivered document's title
            number, subject = "", titles.get(r.data["delivery_id"], r.data["delivery_id"])
        else:
            number = ""
            subject = str(r.data.get("title") or r.data.get("task_id")
                          or r.data.get("document_id") or r.data.get("key_id") or "")
        out.append(QueuedOp(op_id=r.op_id, type=r.type, doc_number=number, subject=subject,
                            since=from_epoch(r.created_at) or datetime.min,
                            state=OpState(r.state), attempts=r.attempts,
                            last_error=(r.result_detail if r.attempts or r.next_attempt_at
                                        else None),
                            can_recall=r.type == ops.TASK_COMPLETE))
    return out
