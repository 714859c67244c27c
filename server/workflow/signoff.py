"""签批: the op `task.complete` (parse the data, check it against the shared sign-off
rules `protocol.workflow_rules.check_signoff`, verify the signature, record the opinion,
move the workflow on through `stages`) and the op `document.mark_read` (a read receipt).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from protocol import ops
from protocol.canonical import signoff_message
from protocol.platform_receipt import signed_subject
from protocol.signing import verify_signature_object
from protocol.wire.operations import TaskCompleteData
from protocol.workflow_rules import MAX_OPINION_TEXT, check_signoff
from server import clock, feed, platform_keys
from server.conflicts import task_context
from server.db import write_tx
from server.errors import Problem
from server.models import Document, Opinion, Receipt, SigningKey, Task, User
from server.ops import OpOutcome, current_op_id, register_op
from server.serialize import parse_time, receipt_json
from server.visibility import document_audience, receipt_audience
from server.workflow.common import (
    _active_users,
    _begin,
    _publish,
    check_signed_at,
    contains_nul,
    new_id,
    uploaded_by,
)
from server.workflow.stages import follow_decision


def _rejected(code: str, detail: str, status: int = 403) -> Problem:
    return Problem(status, code, "Sign-off refused", detail)


@dataclass(frozen=True)
class SignOff:
    """The op data of `task.complete`, shape-checked."""

    task_id: str
    decision: str
    text: str
    handwriting_sha256: str | None
    forward_to: list[str]
    signed_at: str
    signature: dict[str, Any]
    document_digest: str | None
    circulate_to: list[str]
    countersign_to: list[str]


def _invalid(detail: str) -> Problem:
    return Problem(422, "op.invalid_data", "Invalid operation data", detail)


def parse_signoff(data: Any) -> SignOff:
    """The op data, shape-checked once, by the shared schema (protocol.wire)."""
    if not isinstance(data, dict):
        raise _invalid("data must be an object")
    if contains_nul(data):
        raise _invalid("text must not contain NUL characters")
    try:
        op = TaskCompleteData.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise _invalid(f"{where}: {first['msg']}") from None
    try:
        parse_time(op.signed_at, field="signed_at")
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    return SignOff(
        task_id=op.task_id, decision=op.decision, text=op.text,
        handwriting_sha256=op.handwriting_sha256, forward_to=list(op.forward_to or ()),
        signed_at=op.signed_at, signature=dict(op.signature),
        document_digest=op.document_digest, circulate_to=list(op.circulate_to or ()),
        countersign_to=list(op.countersign_to or ()),
    )


def _check_signature(user: User, doc: Document, task: Task, so: SignOff) -> bytes:
    """The signed message, once the signature over it verifies."""
    if so.document_digest is not None and so.document_digest != doc.digest:
        raise _rejected("document.digest_mismatch",
                        "the document changed since it was signed; re-read and sign again")
    key_id = so.signature.get("key_id")
    key = SigningKey.get_or_none(id=key_id) if isinstance(key_id, str) else None
    if key is None or key.user_id != user.id:
        raise _rejected("signature.unknown_key", "the signing key is not registered to you")
    if key.revoked_at is not None:
        raise _rejected("signature.key_revoked", "the signing key was revoked")
    check_signed_at(key, task.created_at, so.signed_at)
    message = signoff_message(
        task_id=task.id, document_id=doc.id, document_digest=doc.digest, decision=so.decision,
        text=so.text, handwriting_sha256=so.handwriting_sha256, forward_to=so.forward_to,
        signer_id=user.id, signed_at=so.signed_at,
    )
    if so.signature.get("algorithm") != key.algorithm or not verify_signature_object(
        so.signature, key.public_key, message
    ):
        raise _rejected("signature.invalid", "the signature does not verify")
    return message


_RULE_DETAIL = {
    "task.decision_not_allowed": "the decision or its recipients are not allowed for this task",
    "task.forward_required": "name the users to send the document to",
    "task.forward_to_self": "forward the task to someone else",
    "opinion.reason_required": "a return needs a reason",
    "opinion.too_long": f"the opinion is longer than {MAX_OPINION_TEXT} characters",
}


def _check_routing(user: User, task: Task, so: SignOff) -> None:
    broken = check_signoff(
        kind=task.kind, decision=so.decision, text=so.text, signer_id=user.id,
        recipients={"forward_to": so.forward_to, "circulate_to": so.circulate_to,
                    "countersign_to": so.countersign_to})
    if broken is not None:
        status = 422 if broken.code.startswith("opinion.") else 403
        raise _rejected(broken.code, _RULE_DETAIL[broken.code], status)
    for name in ("forward_to", "circulate_to", "countersign_to"):
        try:
            _active_users(getattr(so, name), what=name)
        except Problem as exc:
            raise _rejected(exc.code, exc.detail, 422) from None


def complete_task(user: User, data: Any) -> dict[str, Any]:
    """The op `task.complete`: verify, record the opinion, move the workflow on.

    Returns {"opinion_id", "task_id", "document_status"}; raises Problem (409 → conflict)."""
    so = parse_signoff(data)
    with write_tx():
        task = Task.get_or_none(id=so.task_id)
        if task is None:
            raise _rejected("task.not_found", "no such task", 404)
        if task.assignee_id != user.id:
            if user.id not in document_audience(task.document_id):
                # A task of a document the caller may not see: as an unknown one (issue
                # 13, finding 15); who sees the document is told it is someone else's.
                raise _rejected("task.not_found", "no such task", 404)
            raise _rejected("task.not_assignee", "the task is assigned to someone else")
        if task.status == "cancelled":
            raise Problem(409, "task.cancelled", "Task cancelled", "the task was cancelled",
                          context=task_context(task, user))
        if task.status != "pending":
            raise Problem(409, "task.not_pending", "Task already completed",
                          f"the task is {task.status}", context=task_context(task, user))
        # No pending step remains once a document is completed, except 传阅 reads, which
        # may still be signed after archiving.
        doc = Document.get_by_id(task.document_id)
        _check_routing(user, task, so)
        if so.handwriting_sha256 is not None and not uploaded_by(user, so.handwriting_sha256):
            raise _rejected("blob.not_found", "the handwriting image was not uploaded", 422)
        message = _check_signature(user, doc, task, so)
        opinion_id = new_id()
        accepted_at, receipt = platform_keys.sign_receipt(
            "opinion", opinion_id, signed_subject(message, str(so.signature.get("value"))))

        ch = _begin(doc)
        routing = {}
        if so.circulate_to:
            routing["circulate_to"] = list(dict.fromkeys(so.circulate_to))
        if so.countersign_to:
            routing["countersign_to"] = list(dict.fromkeys(so.countersign_to))
        opinion = Opinion.create(
            id=opinion_id, task=task.id, document=doc.id, author=user.id, decision=so.decision,
            text=so.text, handwriting_sha256=so.handwriting_sha256,
            forward_to=list(so.forward_to), signed_at=so.signed_at, signature=so.signature,
            document_digest=doc.digest, routing=routing, updated_at=clock.now(),
            op_id=current_op_id(), accepted_at=accepted_at, platform_receipt=receipt,
        )
        ch.opinions[opinion.id] = opinion
        task.status = "returned" if so.decision == "return" else "done"
        task.completed_at = clock.now()
        ch.touch_task(task)
        if doc.status == "registered":
            doc.status = "in_progress"
            ch.doc_changed = True

        follow_decision(ch, task, decision=so.decision, forward_to=so.forward_to,
                        signer_id=user.id, opinion_id=opinion.id)
        if ch.doc_changed:
            ch.touch_doc()
        _publish(ch)
        return {"opinion_id": opinion.id, "task_id": task.id, "document_status": doc.status}


# --- receipts and op handlers ---------------------------------------------------------


def _op_time(data: dict[str, Any], name: str = "at") -> datetime:
    try:
        return parse_time(data.get(name), field=name)
    except ValueError as exc:
        raise _invalid(str(exc)) from None


def mark_document_read(user: User, document_id: Any, at: datetime) -> Receipt:
    """Record that `user` read the document (once: a second read keeps the first)."""
    if not isinstance(document_id, str):
        raise _invalid("document_id must be a string")
    with write_tx():
        doc = Document.get_or_none(id=document_id)
        if doc is None or user.id not in document_audience(doc):
            # Same answer for "absent" and "not yours": ids of others' documents stay secret.
            raise Problem(404, "document.not_found", "Not found", "no such document")
        existing = Receipt.get_or_none(
            Receipt.document_id == doc.id, Receipt.user == user.id, Receipt.kind == "read"
        )
        if existing is not None:
            return existing
        receipt_id, at = new_id(), clock.bounded(at, not_before=doc.received_at)
        receipt = Receipt.create(id=receipt_id, document_id=doc.id, user=user.id, kind="read",
                                 at=at, updated_at=clock.now(),
                                 **platform_keys.receipt_fields(
                                     receipt_id=receipt_id, notice_id=None,
                                     document_id=doc.id, user_id=user.id, kind="read", at=at))
        feed.publish("receipt", receipt.id, receipt_json(receipt), receipt_audience(receipt))
        return receipt


def _op_task_complete(user: User, data: dict[str, Any]) -> OpOutcome:
    complete_task(user, data)
    return OpOutcome("applied")


def _op_document_mark_read(user: User, data: dict[str, Any]) -> OpOutcome:
    if not isinstance(data, dict) or contains_nul(data):
        raise _invalid("data must be an object without NUL characters")
    mark_document_read(user, data.get("document_id"), _op_time(data))
    return OpOutcome("applied")


register_op(ops.TASK_COMPLETE, _op_task_complete)
register_op(ops.DOCUMENT_MARK_READ, _op_document_mark_read)
