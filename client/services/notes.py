"""留言 (notes): a short text to someone on a document's route (op `note.send`).

Typical use: a sign-off met a re-route, the 批示 was not recorded, and the user sends
what they wrote to whoever holds the step now (the problem's `result_context` names
them). A note is queued offline like every op and shown on its document's page (留言)
at once, as 待发送, until the pull brings the platform's copy; its recipient gets a
tray alert once (as for a 催办) and sees it on the document.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from client import models
from client.changes import Changes
from client.errors import GovDeskError
from client.models import Document, Note, OutboxOp, from_epoch
from client.services import audit, outbox
from client.services.directory import DirectoryService
from client.services.op_owners import NOTE_SEND, TASK_COMPLETE
from client.types import OpId, OpState
from protocol.text_rules import clean_text
from protocol.wire.notes import MAX_NOTE_TEXT

# Notes older than this when they first reach this PC are recorded, not alerted.
ALERT_WITHIN: Final = timedelta(days=7)


@dataclass(frozen=True)
class NoteRow:
    """One note on a document's page."""

    id: str
    from_id: str
    from_name: str
    to_id: str
    to_name: str
    text: str
    at: datetime | None
    pending: bool        # queued here, not confirmed by the platform yet
    refused: bool = False  # the platform refused it (the text is kept in 同步问题)


@dataclass(frozen=True)
class NoteAlert:
    id: str
    from_name: str
    text: str
    document_id: str
    title: str
    at: datetime | None


@dataclass(frozen=True)
class SentNote:
    op_id: OpId
    note_id: str
    changes: Changes


def _now(now: datetime | None) -> datetime:
    return now or datetime.now().astimezone()


def check_text(text: str) -> str:
    """The note's text as it will be sent; GovDeskError when empty or too long."""
    cleaned = clean_text(text).strip()
    if not cleaned:
        raise GovDeskError("note.empty")
    if len(cleaned) > MAX_NOTE_TEXT:
        raise GovDeskError("note.too_long", limit=MAX_NOTE_TEXT)
    return cleaned


class NotesService:
    def __init__(self, me: str) -> None:
        self.me = me

    def _db(self) -> Any:
        return models.database_proxy.obj

    def send(self, document_id: str, to_user_id: str, text: str, *,
             about_op_id: str | None = None, dismiss: bool = False,
             now: datetime | None = None) -> SentNote:
        """Queue a note; with `about_op_id` it passes on that sync problem's text, and
        `dismiss` takes the problem off the list in the same transaction (its text now
        travels in the note, which becomes a problem of its own if refused)."""
        now = _now(now)
        if not document_id:
            raise GovDeskError("document.not_found")
        if to_user_id == self.me:
            raise GovDeskError("note.to_self")
        body = check_text(text)
        note_id = f"note-{uuid.uuid4()}"
        with self._db().atomic():
            op_id, changes = NOTE_SEND.queue({"note_id": note_id, "document_id": document_id,
                                              "to_user_id": to_user_id, "text": body},
                                             about_op_id=about_op_id, now=now)
            if about_op_id and dismiss:
                changes |= self._dismiss(about_op_id)
            audit.record("note.send", user_id=self.me, obj=f"document:{document_id}",
                         detail={"op_id": op_id, "to": to_user_id, "about": about_op_id},
                         at=now)
        return SentNote(op_id, note_id, changes)

    def _dismiss(self, op_id: str) -> Changes:
        """The problem leaves the list as the user dismissing it would (a sign-off's
        task loses its conflict mark), recorded as passed on in a note."""
        op = OutboxOp.get_or_none(OutboxOp.op_id == op_id)
        if op is None or op.state not in outbox.PROBLEM_STATES:
            return Changes(outbox=True)
        changes = Changes(outbox=True)
        if op.type == TASK_COMPLETE.op_type:
            changes |= TASK_COMPLETE.discard(op_id, str(op.data.get("task_id") or ""))
        else:
            changes |= outbox.resolve(op_id, "noted")
        OutboxOp.update(result_code="user.noted").where(OutboxOp.op_id == op_id).execute()
        return changes

    def for_document(self, document_id: str) -> list[NoteRow]:
        """The document's notes this user sent or received, oldest first; those still
        waiting to be sent (or refused) from this PC included."""
        rows = list(Note.select().where(Note.document_id == document_id)
                    .order_by(Note.at, Note.id))
        known = {n.id for n in rows}
        # Mine not in the cache yet: waiting, refused, or applied and not pulled yet.
        waiting = [op for op in OutboxOp.select().where(
            (OutboxOp.type == NOTE_SEND.op_type)
            & OutboxOp.local_ref.startswith(f"note:{document_id}")
            & (OutboxOp.state.in_((*outbox.UNSENT_STATES, OpState.CONFLICT.value,
                                   OpState.REJECTED.value))
               | ((OutboxOp.state == OpState.DONE.value)
                  & OutboxOp.result_code.in_(outbox.APPLIED_CODES)))).order_by(OutboxOp.id)
            if op.data.get("note_id") not in known
            and str(op.local_ref).split(":")[1] == document_id]
        names = DirectoryService().names(list(
            {n.from_id for n in rows} | {n.to_id for n in rows} | {self.me}
            | {str(op.data.get("to_user_id")) for op in waiting}))
        out = [NoteRow(id=n.id, from_id=n.from_id, from_name=names.get(n.from_id, ""),
                       to_id=n.to_id, to_name=names.get(n.to_id, ""), text=n.text,
                       at=from_epoch(n.at), pending=False) for n in rows]
        for op in waiting:
            to = str(op.data.get("to_user_id") or "")
            out.append(NoteRow(id=str(op.data.get("note_id") or op.op_id), from_id=self.me,
                               from_name=names.get(self.me, ""), to_id=to,
                               to_name=names.get(to, ""), text=str(op.data.get("text") or ""),
                               at=from_epoch(op.created_at),
                               pending=op.state in outbox.UNSENT_STATES,
                               refused=op.state in outbox.PROBLEM_STATES))
        return out

    def forwarded(self, op_ids: Iterable[str]) -> dict[str, str]:
        """Problem op id → recipient id, for the problems whose text was sent as a note."""
        wanted = set(op_ids)
        out: dict[str, str] = {}
        for op in OutboxOp.select(OutboxOp.local_ref, OutboxOp.data).where(
                (OutboxOp.type == NOTE_SEND.op_type) & OutboxOp.local_ref.startswith("note:")):
            parts = str(op.local_ref).split(":", 2)
            if len(parts) == 3 and parts[2] in wanted:
                out[parts[2]] = str(op.data.get("to_user_id") or "")
        return out

    # --- notes addressed to me: one tray alert each -------------------------------------
    def to_announce(self, *, now: datetime | None = None) -> list[NoteAlert]:
        """Notes to me this PC has not shown yet, oldest first. Those older than
        ALERT_WITHIN (a first sync of a new PC) are recorded as shown without an alert."""
        now = _now(now)
        cutoff = int((now - ALERT_WITHIN).timestamp())
        with self._db().atomic():
            Note.update(announced_at=now.timestamp()).where(
                (Note.to_id == self.me) & Note.announced_at.is_null()
                & (Note.at < cutoff)).execute()
        rows = list(Note.select().where((Note.to_id == self.me) & Note.announced_at.is_null())
                    .order_by(Note.at, Note.id))
        names = DirectoryService().names(list({r.from_id for r in rows}))
        titles = {d.id: d.title for d in Document.select(Document.id, Document.title).where(
            Document.id.in_([r.document_id for r in rows]))}
        return [NoteAlert(id=r.id, from_name=names.get(r.from_id, ""), text=r.text,
                          document_id=r.document_id, title=titles.get(r.document_id, ""),
                          at=from_epoch(r.at)) for r in rows]

    def mark_announced(self, note_ids: Sequence[str], *, now: datetime | None = None) -> None:
        now = _now(now)
        with self._db().atomic():
            for nid in note_ids:
                n = Note.update(announced_at=now.timestamp()).where(
                    (Note.id == nid) & Note.announced_at.is_null()).execute()
                if n:
                    audit.record("note.shown", user_id=self.me, obj=f"note:{nid}", at=now)
