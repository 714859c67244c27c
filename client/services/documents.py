"""One document as the reading pane shows it: metadata, routing, opinions, receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from client import models
from client.blobstore import BlobStore
from client.changes import Changes
from client.errors import GovDeskError
from client.models import (
    Document,
    LocalOpinion,
    Opinion,
    Receipt,
    Task,
    User,
    from_epoch,
)
from client.services import audit, op_owners, verify
from client.types import (
    Attachment,
    DocumentDetail,
    DocumentId,
    OpinionView,
    ReceiptInfo,
    Sha256,
    TaskId,
    TaskInfo,
    UserId,
)
from protocol.text_rules import clean_filename

# Local sign-offs still worth showing beside the platform's opinions.
SHOWN_LOCAL_STATES = ("pending_sync", "conflict", "rejected")
# 文号 brackets as people type them -> 〔〕 as GB/T 9704 writes them.
_DOC_NUMBER_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "(": "〔",
                                      ")": "〕", "（": "〔", "）": "〕", "【": "〔", "】": "〕"})


class DocumentService:
    def __init__(self, me: UserId, blobs: BlobStore | None = None) -> None:
        self.me = me
        self.blobs = blobs

    def _names(self, ids: set[str]) -> dict[str, tuple[str, str]]:
        if not ids:
            return {}
        rows = User.select(User.id, User.display_name, User.title).where(User.id.in_(list(ids)))
        return {u.id: (u.display_name, u.title) for u in rows}

    def _attachment(self, ref: dict[str, Any], name: str = "") -> Attachment:
        sha = str(ref.get("sha256"))
        return Attachment(name=clean_filename(str(ref.get("name") or name)), sha256=Sha256(sha),
                          media_type=str(ref.get("media_type") or "application/octet-stream"),
                          size=int(ref.get("size") or 0),
                          available=bool(self.blobs and self.blobs.has(sha)))

    def get(self, document_id: str, *, verify_signatures: bool = True) -> DocumentDetail:
        loaded = models.load_document(document_id)
        if loaded is None:
            raise GovDeskError("document.not_found")
        doc, data, _ = loaded
        digest = verify.local_digest(data)
        tasks = list(Task.select().where(Task.document_id == document_id).order_by(Task.id))
        opinions = list(Opinion.select().where(Opinion.document_id == document_id))
        local = list(LocalOpinion.select().where(
            (LocalOpinion.document_id == document_id)
            & LocalOpinion.state.in_(SHOWN_LOCAL_STATES)))
        receipts = list(Receipt.select().where(Receipt.document_id == document_id))
        ids: set[str] = {t.assignee_id for t in tasks} | {r.user_id for r in receipts}
        for o in [*opinions, *local]:
            ids.add(o.author_id)
            ids.update(o.forward_to or [])
        names = self._names(ids)

        def name(uid: str) -> str:
            return names.get(uid, (uid, ""))[0]

        synced_values = {(o.signature or {}).get("value") for o in opinions}
        views: list[OpinionView] = []
        platform_keys = verify.cached_platform_keys() if verify_signatures else {}
        for o in opinions:
            checked = verify.check_row(o, digest, platform_keys) if verify_signatures else None
            views.append(OpinionView(
                id=o.id, task_id=TaskId(o.task_id), document_id=DocumentId(o.document_id),
                author_id=UserId(o.author_id), author_name=name(o.author_id),
                author_title=names.get(o.author_id, ("", ""))[1], decision=o.decision,
                text=o.text, handwriting_sha256=o.handwriting_sha256,
                forward_to=list(o.forward_to or []),
                forward_to_names=[name(u) for u in o.forward_to or []],
                signed_at=o.signed_at, signature=o.signature, local_state="",
                verdict=checked.verdict if checked else None,
                recalled=bool((o.data or {}).get("recalled_at")),
                accepted_at=checked.accepted_at if checked else None))
        for lo in local:
            if lo.signature.get("value") in synced_values:
                continue  # the platform's copy is shown
            views.append(OpinionView(
                id=f"local:{lo.op_id}", task_id=TaskId(lo.task_id),
                document_id=DocumentId(lo.document_id), author_id=UserId(lo.author_id),
                author_name=name(lo.author_id),
                author_title=names.get(lo.author_id, ("", ""))[1], decision=lo.decision,
                text=lo.text, handwriting_sha256=lo.handwriting_sha256,
                forward_to=list(lo.forward_to or []),
                forward_to_names=[name(u) for u in lo.forward_to or []],
                signed_at=lo.signed_at, signature=lo.signature, local_state=lo.state,
                verdict=verify.verify_row(lo, digest) if verify_signatures else None))
        views.sort(key=lambda v: (models.to_epoch(v.signed_at) or 0, v.id))
        body = data.get("body")
        return DocumentDetail(
            id=DocumentId(doc.id), doc_number=doc.doc_number, issuer=doc.issuer,
            doc_type=doc.doc_type, title=doc.title, classification=doc.classification,
            urgency=doc.urgency, signatory=doc.signatory,
            main_recipients=list(data.get("main_recipients") or []),
            cc=list(data.get("cc") or []), issued_on=doc.issued_on,
            notes=str(data.get("notes") or ""), received_at=from_epoch(doc.received_at),
            registration_number=doc.registration_number, status=doc.status,
            digest=doc.digest, local_digest=digest or "",
            body=self._attachment(body, "正文") if isinstance(body, dict) else None,
            attachments=[self._attachment(a) for a in data.get("attachments") or []],
            tasks=[TaskInfo(id=TaskId(t.id), document_id=DocumentId(t.document_id),
                            assignee_id=UserId(t.assignee_id), assignee_name=name(t.assignee_id),
                            kind=t.kind, status=t.status, due_at=from_epoch(t.due_at),
                            created_by=UserId(t.created_by) if t.created_by else None,
                            local_state=t.local_state) for t in tasks],
            opinions=views,
            receipts=[ReceiptInfo(user_id=UserId(r.user_id), user_name=name(r.user_id),
                                  kind=r.kind, at=from_epoch(r.at)) for r in receipts],
            is_read=bool(doc.is_read), data=data)

    def mark_read(self, document_id: str, *, now: datetime) -> Changes:
        """Mark read here and queue `document.mark_read`; empty (falsy) when already read."""
        db = models.database_proxy.obj
        with db.atomic():
            return op_owners.DOCUMENT_MARK_READ.queue(document_id, now=now)

    def open(self, document_id: str, *, now: datetime) -> DocumentDetail:
        """What a person opening a document does: audit, mark read, load."""
        return self.open_with_changes(document_id, now=now)[0]

    def open_with_changes(self, document_id: str, *,
                          now: datetime) -> tuple[DocumentDetail, Changes]:
        """`open`, and what it changed (the read mark)."""
        detail = self.get(document_id)
        db = models.database_proxy.obj
        with db.atomic():
            audit.record("document.view", user_id=self.me, obj=f"document:{document_id}",
                         detail={"doc_number": detail.doc_number}, at=now)
            changes = self.mark_read(document_id, now=now)
        return detail, changes

    def body_text(self, document_id: str) -> str | None:
        loaded = models.load_document(document_id)
        return None if loaded is None else loaded[2]

    def set_body_text(self, document_id: str, text: str) -> None:
        """Store text extracted from the body (sync engine, after download) and index it."""
        set_body_text(document_id, text)

    def find(self, ref: str) -> list[DocumentId]:
        """The documents `ref` names: the one with that id, else those with that 文号.

        A 文号 typed with ASCII or full-width brackets ([2026], （2026）) finds the one
        written with 〔〕; newest first when several share it.
        """
        ref = ref.strip()
        if Document.get_or_none(Document.id == ref) is not None:
            return [DocumentId(ref)]
        numbers = dict.fromkeys([ref, ref.translate(_DOC_NUMBER_BRACKETS)])
        rows = (Document.select(Document.id).where(Document.doc_number.in_(list(numbers)))
                .order_by(Document.received_at.desc()))
        return [DocumentId(d.id) for d in rows]


def set_body_text(document_id: str, text: str) -> None:
    """Store the text extracted from a document's body and index it for search.

    Needs no user: client.bodytext calls it for every body downloaded.
    """
    from client import search_index

    db = models.database_proxy.obj
    with db.atomic():
        loaded = models.load_document(document_id)
        if loaded is None:
            return
        doc, data, _ = loaded
        models.DocumentData.update(body_text=text).where(
            models.DocumentData.pk == doc.pk).execute()
        search_index.index_document(db, doc.pk, data, text)

