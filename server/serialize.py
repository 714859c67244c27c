"""Domain rows → the PROTOCOL JSON objects the change feed carries.

Field names are binding (PROTOCOL.md "Objects"); extra fields are allowed and marked.
Each builder's output is an object of protocol.wire (Document, Task, Opinion, Notice,
Receipt; directory objects in server.directory): tests/unit/test_wire_schemas.py checks
the demo county's whole feed against those schemas. The feed is not validated at run
time: it is served from JSON stored when an object changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server import clock
from server.clock import rfc3339
from server.models import (
    Delivery,
    DocSeries,
    Document,
    Notice,
    Opinion,
    Outgoing,
    OutgoingStep,
    OutgoingVersion,
    Receipt,
    Reminder,
    Task,
)

MIN_YEAR, MAX_YEAR = 1900, 2200


def parse_time(value: Any, *, field: str) -> datetime:
    """Parse a client-supplied RFC 3339 time; ValueError naming `field` when it is not one."""
    if not isinstance(value, str):
        raise ValueError(f"{field} must be an RFC 3339 time string")
    try:
        parsed = clock.parse_rfc3339(value.strip())
    except (ValueError, OverflowError):  # year 9999 at -14:00 overflows on conversion
        raise ValueError(f"{field} is not an RFC 3339 time with offset: {value!r}") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        # Far years overflow later, when shown in China Standard Time.
        raise ValueError(f"{field} is outside the years {MIN_YEAR}-{MAX_YEAR}: {value!r}")
    return parsed


def document_json(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "version": doc.version,
        "updated_at": rfc3339(doc.updated_at),
        "unit_id": doc.unit_id,
        "doc_number": doc.doc_number,
        "issuer": doc.issuer,
        "doc_type": doc.doc_type,
        "title": doc.title,
        "classification": doc.classification,
        "urgency": doc.urgency,
        "signatory": doc.signatory,
        "main_recipients": list(doc.main_recipients or []),
        "cc": list(doc.cc or []),
        "issued_on": doc.issued_on,
        "notes": doc.notes,
        "received_at": rfc3339(doc.received_at),
        "registration_number": doc.registration_number,
        "body": dict(doc.body),
        "attachments": [dict(a) for a in doc.attachments or []],
        "status": doc.status,
        "digest": doc.digest,
        "registered_by": doc.registered_by,
        # Extra: the exchange delivery it was received from (None: registered from paper).
        "delivery_id": doc.delivery_id,
    }


def task_json(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "version": task.version,
        "updated_at": rfc3339(task.updated_at),
        "document_id": task.document_id,
        "assignee_id": task.assignee_id,
        "kind": task.kind,
        "status": task.status,
        "due_at": rfc3339(task.due_at),
        "created_by": task.created_by,
        # Extra fields: where the task sits in the routing.
        "stage": task.stage,
        "parent_task_id": task.parent_task_id,
        "created_at": rfc3339(task.created_at),
        "completed_at": rfc3339(task.completed_at),
        # The sign-off that created it: what a 撤回 of that sign-off would cancel.
        "origin_opinion_id": task.origin_opinion_id,
        # Extra: why a clerk cancelled or re-routed it.
        "reason": task.reason,
    }


def opinion_json(opinion: Opinion) -> dict[str, Any]:
    routing = opinion.routing or {}
    return {
        "id": opinion.id,
        "version": opinion.version,
        "updated_at": rfc3339(opinion.updated_at),
        "task_id": opinion.task_id,
        "document_id": opinion.document_id,
        "author_id": opinion.author_id,
        "decision": opinion.decision,
        "text": opinion.text,
        "handwriting": (
            {"sha256": opinion.handwriting_sha256} if opinion.handwriting_sha256 else None
        ),
        "forward_to": list(opinion.forward_to or []),
        "signed_at": opinion.signed_at,
        "signature": dict(opinion.signature),
        # Extra fields: the digest that was signed, and unsigned routing extras.
        "document_digest": opinion.document_digest,
        "circulate_to": list(routing.get("circulate_to", [])),
        "countersign_to": list(routing.get("countersign_to", [])),
        # 撤回: the op that recorded it (task.recall names it) and when it was recalled;
        # a recalled opinion keeps its text and signature, it no longer counts.
        "op_id": opinion.op_id,
        "recalled_at": rfc3339(opinion.recalled_at),
        # The platform's time of acceptance and its signed receipt (protocol/platform_receipt.py).
        "accepted_at": opinion.accepted_at,
        "platform_receipt": opinion.platform_receipt,
    }


def notice_expired(notice: Notice, now: datetime | None = None) -> bool:
    if notice.expires_at is None:
        return False
    expires = notice.expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    return expires <= (now or clock.now())


def notice_json(notice: Notice, now: datetime | None = None) -> dict[str, Any]:
    return {
        "id": notice.id,
        "version": notice.version,
        "updated_at": rfc3339(notice.updated_at),
        "title": notice.title,
        "body": notice.body,
        "publisher_id": notice.publisher_id,
        "audience_unit_ids": list(notice.audience_unit_ids or []),
        "requires_ack": bool(notice.requires_ack),
        "urgent": bool(notice.urgent),
        "published_at": rfc3339(notice.published_at),
        "expires_at": rfc3339(notice.expires_at),
        "attachments": [dict(a) for a in notice.attachments or []],
        # Extra fields: expiry as of serialisation (clients also compare expires_at).
        "expired": notice_expired(notice, now),
        "withdrawn_at": rfc3339(notice.withdrawn_at),
    }


def receipt_json(receipt: Receipt) -> dict[str, Any]:
    return {
        "id": receipt.id,
        "version": receipt.version,
        "updated_at": rfc3339(receipt.updated_at),
        "notice_id": receipt.notice_id,
        "document_id": receipt.document_id,
        "user_id": receipt.user_id,
        "kind": receipt.kind,
        "at": rfc3339(receipt.at),
        "accepted_at": receipt.accepted_at,
        "platform_receipt": receipt.platform_receipt,
    }


# --- 发文 and 公文交换 (docs/protocol.md "Outgoing documents") ---------------------------


def outgoing_json(out: Outgoing) -> dict[str, Any]:
    return {
        "id": out.id,
        "version": out.version,
        "updated_at": rfc3339(out.updated_at),
        "unit_id": out.unit_id,
        "drafter_id": out.drafter_id,
        "doc_type": out.doc_type,
        "title": out.title,
        "main_recipients": [dict(g) for g in out.main_recipients or []],
        "cc": [dict(g) for g in out.cc or []],
        "classification": out.classification,
        "urgency": out.urgency,
        "notes": out.notes,
        "attachments": [dict(a) for a in out.attachments or []],
        "signatory_id": out.signatory_id,
        "reviewer_id": out.reviewer_id,
        "countersigner_ids": list(out.countersigner_ids or []),
        "series": out.series,
        "status": out.status,
        "current_version": out.current_version,
        "body_sha256": out.body_sha256,
        "digest": out.digest,
        "created_at": rfc3339(out.created_at),
        "doc_number": out.doc_number,
        "issued_on": out.issued_on,
        "signed_by": out.signed_by,
        "numbered_by": out.numbered_by,
        "numbered_at": rfc3339(out.numbered_at),
        "sealed_by": out.sealed_by,
        "sealed_at": rfc3339(out.sealed_at),
        "issued_by": out.issued_by,
        "issued_at": rfc3339(out.issued_at),
        "issued_body": dict(out.issued_body) if out.issued_body else None,
        "cancelled_reason": out.cancelled_reason,
        "in_reply_to": out.in_reply_to,
        "replies": list(out.replies or []),
    }


def outgoing_version_json(v: OutgoingVersion) -> dict[str, Any]:
    return {
        "id": v.id,
        "version": v.version,
        "updated_at": rfc3339(v.updated_at),
        "outgoing_id": v.outgoing_id,
        "number": v.number,
        "body": v.body,
        "body_sha256": v.body_sha256,
        "author_id": v.author_id,
        "created_at": rfc3339(v.created_at),
        "note": v.note,
        # Extra: the digest of the outgoing's metadata with this body (what a signer signs).
        "digest": v.digest,
    }


def outgoing_step_json(step: OutgoingStep) -> dict[str, Any]:
    return {
        "id": step.id,
        "version": step.version,
        "updated_at": rfc3339(step.updated_at),
        "outgoing_id": step.outgoing_id,
        "kind": step.kind,
        "assignee_id": step.assignee_id,
        "status": step.status,
        "created_at": rfc3339(step.created_at),
        "due_at": rfc3339(step.due_at),
        "decision": step.decision,
        "text": step.text,
        "version_number": step.version_number,
        "outgoing_digest": step.outgoing_digest,
        "handwriting": {"sha256": step.handwriting_sha256} if step.handwriting_sha256 else None,
        "signed_at": step.signed_at,
        "signature": dict(step.signature) if step.signature else None,
        "accepted_at": step.accepted_at,
        "platform_receipt": step.platform_receipt,
        "completed_at": rfc3339(step.completed_at),
    }


def delivery_json(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "version": d.version,
        "updated_at": rfc3339(d.updated_at),
        "outgoing_id": d.outgoing_id,
        "sender_unit_id": d.sender_unit_id,
        "recipient_unit_id": d.recipient_unit_id,
        "role": d.role,
        "status": d.status,
        "sent_at": rfc3339(d.sent_at),
        "due_at": rfc3339(d.due_at),
        "document": dict(d.document),
        "received_by": d.received_by,
        "received_at": rfc3339(d.received_at),
        "document_id": d.document_id,
        "refused_by": d.refused_by,
        "refused_at": rfc3339(d.refused_at),
        "reason": d.reason,
        "in_reply_to": d.in_reply_to,
        # Extra: who sent it (the issuing clerk or the exchange account).
        "sender_id": d.sender_id,
    }


def doc_series_json(s: DocSeries) -> dict[str, Any]:
    return {
        "id": s.id,
        "version": s.version,
        "updated_at": rfc3339(s.updated_at),
        "unit_id": s.unit_id,
        "prefix": s.prefix,
        "year": s.year,
        "last_number": s.last_number,
        "gaps": [dict(g) for g in s.gaps or []],
    }


def reminder_json(r: Reminder) -> dict[str, Any]:
    return {
        "id": r.id,
        "version": r.version,
        "updated_at": rfc3339(r.updated_at),
        "task_id": r.task_id,
        "step_id": r.step_id,
        "document_id": r.document_id,
        "outgoing_id": r.outgoing_id,
        "from_id": r.from_id,
        "to_id": r.to_id,
        "text": r.text,
        "at": rfc3339(r.at),
    }
