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
from server.models import Document, Notice, Opinion, Receipt, Task

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
    }
