"""留言: the op `note.send` (docs/protocol.md "Conflicts in words").

A note is a short text one user sends another about a document: typically the 批示 a
conflict kept from being recorded, sent on to whoever holds the step now. Who may send:
a user who sees the document, or who held a step of it (a re-route takes the document
away from its former holder, who is exactly the one with something to pass on). To
whom: a user who sees the document, not oneself. The note reaches the feeds of its
sender and recipient only; it changes nothing on the document.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from protocol import ops, text_rules
from protocol.wire.notes import NoteSendData
from server import clock, feed
from server.db import write_tx
from server.errors import Problem
from server.models import Document, Note, Task, User
from server.ops import OpOutcome, register_op
from server.visibility import document_audience
from server.workflow.common import contains_nul


def _invalid(detail: str) -> Problem:
    return Problem(422, "op.invalid_data", "Invalid operation data", detail)


def note_json(note: Note) -> dict[str, Any]:
    return {"id": note.id, "version": note.version, "updated_at": clock.rfc3339(note.updated_at),
            "document_id": note.document_id, "from_id": note.from_id, "to_id": note.to_id,
            "text": note.text, "at": clock.rfc3339(note.at)}


def note_audience(note: Note) -> set[str]:
    return {note.from_id, note.to_id}


def _may_send(user: User, doc: Document, audience: list[str]) -> bool:
    if user.id in audience:
        return True
    return bool(Task.select().where(Task.document == doc.id, Task.assignee == user.id).exists())


def send_note(user: User, data: Any) -> Note:
    if not isinstance(data, dict) or contains_nul(data):
        raise _invalid("data must be an object without NUL characters")
    try:
        d = NoteSendData.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        raise _invalid(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
    text = text_rules.clean_text(d.text).strip()
    if not text:
        raise Problem(422, "note.empty", "Empty note", "the note has no text")
    with write_tx():
        if Note.get_or_none(id=d.note_id) is not None:
            raise _invalid("note_id is already used")
        doc = Document.get_or_none(id=d.document_id)
        audience = document_audience(doc) if doc is not None else []
        if doc is None or not _may_send(user, doc, audience):
            # Same answer for "absent" and "not yours": ids of others' documents stay secret.
            raise Problem(404, "document.not_found", "Not found", "no such document")
        if d.to_user_id == user.id:
            raise Problem(422, "note.to_self", "Note to oneself", "send the note to someone else")
        recipient = User.get_or_none(id=d.to_user_id)
        if recipient is None or not recipient.active or recipient.id not in audience:
            raise Problem(403, "note.recipient_not_allowed", "Recipient not allowed",
                          "the recipient does not handle this document")
        now = clock.now()
        note = Note.create(id=d.note_id, document_id=doc.id, from_id=user.id, to_id=recipient.id,
                           text=text, at=now, updated_at=now)
        feed.publish("note", note.id, note_json(note), note_audience(note))
        return note


def _op_note_send(user: User, data: dict[str, Any]) -> OpOutcome:
    send_note(user, data)
    return OpOutcome("applied")


register_op(ops.NOTE_SEND, _op_note_send)
