"""The clerk's desk (收发): 收文办理 after 签收, as the 2012 regulation's chapter 6 runs it.

- 待登记/待分办: received documents with no route yet (made at 签收, status
  `registered`), and scanned paper documents registered here and not yet sent.
- 登记 form: metadata prefilled from the delivered document and editable, or typed for
  a scanned PDF from disk (`document.register`; the PDF is uploaded before the op through
  the blob store, as notices' attachments are).
- 分办/拟办 (`document.route`): to the office head (拟办) or straight to leaders (批示),
  传阅 readers, due dates.
- 在办: every open task with its deadline; 催办 (`task.remind`), 撤销 (`task.cancel`) and
  改派 (`task.reroute`), each with its reason.
- 办结 (`document.complete`) and 归档 (`document.archive`).
- Reminders addressed to me: shown once as a tray alert and recorded (`mark_announced`).

Every action is an op queued offline; the desk shows it as 待发送 until the platform
answers (client.services.op_owners.clerk).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from client import models
from client.blobstore import BlobStore
from client.changes import Changes
from client.errors import GovDeskError
from client.models import Document, OutboxOp, Reminder, Task, User, from_epoch, load_document
from client.services import audit, outbox
from client.services.directory import DirectoryService
from client.services.exchange import DeliveryDetail, ExchangeService, Queued
from client.services.op_owners import (
    DOCUMENT_ARCHIVE,
    DOCUMENT_COMPLETE,
    DOCUMENT_REGISTER,
    DOCUMENT_ROUTE,
    TASK_CANCEL,
    TASK_REMIND,
    TASK_REROUTE,
)
from client.services.op_owners.delivery import PENDING_STATES
from client.types import (
    Attachment,
    DocumentDetail,
    DocumentId,
    OpId,
    Person,
    Sha256,
    SortKey,
    UserId,
)
from protocol.outgoing_rules import DOC_TYPES, MAX_REASON
from protocol.text_rules import clean_filename
from protocol.wire.outgoing import DocumentRegisterData, DocumentRouteData, TaskRemindData

MAX_LIMIT: Final = 500
NO_DUE: Final = 2**62
# Reminders older than this when they first reach this PC are recorded, not alerted.
ALERT_WITHIN: Final = timedelta(days=7)
MAX_SCAN_BYTES: Final = 200 * 1024 * 1024
# Kinds a clerk routes to (protocol task kinds).
ROUTE_KINDS: Final = ("propose", "instruct", "handle", "read", "countersign")


def _now(now: datetime | None) -> datetime:
    return now or datetime.now().astimezone()


def _rfc(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class DeskCounts:
    to_receive: int       # 待签收
    to_route: int         # 待登记/待分办
    in_progress: int      # open tasks (在办)
    overdue: int          # open tasks past their deadline
    completed: int        # 已办结, not archived


@dataclass(frozen=True)
class DeskDocRow:
    """A document of 待分办, 已办结 or 归档 (or a registration waiting to be sent)."""

    document_id: str
    title: str
    doc_number: str
    issuer: str
    doc_type: str
    urgency: str
    registration_number: str
    received_at: datetime | None
    status: str
    delivery_id: str | None
    waiting: str          # "" or the action queued here: route, register, complete, archive
    sort_key: SortKey


@dataclass(frozen=True)
class TaskRow:
    """An open task of 在办."""

    task_id: str
    document_id: str
    title: str
    doc_number: str
    urgency: str
    kind: str
    assignee_id: str
    assignee_name: str
    due_at: datetime | None
    overdue: bool
    reminders: int                 # 催办 sent on it so far
    last_reminded_at: datetime | None
    waiting: str                   # "" or cancel / reroute / remind queued here
    sort_key: SortKey


@dataclass(frozen=True)
class DeskPage:
    rows: list[Any]
    next_after: SortKey | None


@dataclass(frozen=True)
class RouteTask:
    assignee_id: str
    kind: str                       # propose 拟办, instruct 批示, read 传阅, ...
    due_at: datetime | None = None


@dataclass(frozen=True)
class RegistrationForm:
    """The 登记 form's fields, prefilled from the delivered document (or empty)."""

    document_id: str | None
    delivery_id: str | None
    doc_number: str = ""
    issuer: str = ""
    doc_type: str = "通知"
    title: str = ""
    urgency: str = "normal"
    classification: str = "none"
    signatory: str = ""
    issued_on: str = ""
    notes: str = ""
    registration_number: str = ""
    received_at: datetime | None = None
    body_sha256: str | None = None
    body_media_type: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class RoutingPeople:
    office_heads: list[Person]      # 拟办 (办公室主任, the reviewer role)
    leaders: list[Person]           # 批示
    everyone: list[Person]          # 传阅 readers, 承办


@dataclass(frozen=True)
class ReminderAlert:
    id: str
    from_name: str
    text: str
    document_id: str | None
    title: str
    task_kind: str
    at: datetime | None


@dataclass(frozen=True)
class DeliveryPreview:
    """A delivery of 待签收 as the clerk reads it before 签收 or 拒收: the document's
    elements, its body (when on this PC) and attachments, and the delivery's facts."""

    delivery: DeliveryDetail
    document: DocumentDetail
    body: bytes | None              # the body's bytes when this PC holds them
    waiting: bool                   # 签收/拒收 made here, not yet confirmed


@dataclass(frozen=True)
class Registered:
    document_id: str
    op_id: OpId
    body_sha256: str
    changes: Changes


def _form_error(exc: ValidationError) -> GovDeskError:
    first = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in first["loc"])
    return GovDeskError("desk.invalid_form", field=where, detail=first["msg"])


class ClerkDeskService:
    def __init__(self, me: UserId, blobs: BlobStore | None = None) -> None:
        self.me = me
        self.blobs = blobs
        self.exchange = ExchangeService(me)

    def _db(self) -> Any:
        return models.database_proxy.obj

    def _require_clerk(self) -> None:
        self.exchange._clerk_unit()

    # --- counts -----------------------------------------------------------------------
    def counts(self, *, now: datetime | None = None) -> DeskCounts:
        ts = int(_now(now).timestamp())
        row = self._db().execute_sql(
            """SELECT
              (SELECT COUNT(*) FROM document d WHERE d.status = 'registered'
                 AND NOT EXISTS (SELECT 1 FROM task t WHERE t.document_id = d.id)),
              (SELECT COUNT(*) FROM task t JOIN document d ON d.id = t.document_id
                 WHERE t.status = 'pending' AND t.kind != 'read'),
              (SELECT COUNT(*) FROM task t JOIN document d ON d.id = t.document_id
                 WHERE t.status = 'pending' AND t.kind != 'read' AND t.due_at < ?),
              (SELECT COUNT(*) FROM document d WHERE d.status = 'completed')""",
            (ts,)).fetchone()
        waiting_registrations = len(DOCUMENT_REGISTER.waiting())
        box = self.exchange.box_counts(now=now)
        return DeskCounts(to_receive=box.to_receive,
                          to_route=int(row[0]) + waiting_registrations,
                          in_progress=int(row[1]), overdue=int(row[2]), completed=int(row[3]))

    # --- 待签收: what a delivery holds, before 签收 ---------------------------------------
    def _attachment(self, ref: dict[str, Any], name: str) -> Attachment:
        sha = str(ref.get("sha256") or "")
        return Attachment(name=clean_filename(str(ref.get("name") or name)), sha256=Sha256(sha),
                          media_type=str(ref.get("media_type") or "application/octet-stream"),
                          size=int(ref.get("size") or 0),
                          available=bool(self.blobs is not None and sha and self.blobs.has(sha)))

    def delivery_preview(self, delivery_id: str) -> DeliveryPreview:
        """The delivered document to read before 签收 (double-click in 待签收 opens it; it
        never signs)."""
        self._require_clerk()
        d = self.exchange.get(delivery_id)
        doc = d.document
        body_ref = doc.get("body") or None
        body = self._attachment(body_ref, "正文") if body_ref else None
        data = None
        if body is not None and body.available and self.blobs is not None:
            data = self.blobs.open_bytes(body.sha256)

        def names(xs: Any) -> list[str]:
            return [str(x.get("name", "")) if isinstance(x, dict) else str(x) for x in xs or []]

        detail = DocumentDetail(
            id=DocumentId(f"delivery:{d.id}"), doc_number=str(doc.get("doc_number") or ""),
            issuer=str(doc.get("issuer") or d.sender_unit), doc_type=str(doc.get("doc_type") or ""),
            title=str(doc.get("title") or ""), classification=str(doc.get("classification")
                                                                  or "none"),
            urgency=str(doc.get("urgency") or "normal"), signatory=str(doc.get("signatory") or ""),
            main_recipients=names(doc.get("main_recipients")), cc=names(doc.get("cc")),
            issued_on=str(doc.get("issued_on") or ""), notes=str(doc.get("notes") or ""),
            received_at=None, registration_number="", status="", digest=str(doc.get("digest")
                                                                           or ""),
            local_digest="", body=body,
            attachments=[self._attachment(a, f"附件{i}")
                         for i, a in enumerate(doc.get("attachments") or [], start=1)],
            tasks=[], opinions=[], receipts=[], is_read=True, data=doc)
        return DeliveryPreview(delivery=d, document=detail, body=data,
                               waiting=d.local_state in PENDING_STATES)

    # --- document lists ---------------------------------------------------------------
    def _doc_page(self, where: str, params: list[Any], *, after: SortKey | None,
                  limit: int, waiting: dict[str, str]) -> DeskPage:
        limit = max(1, min(int(limit), MAX_LIMIT))
        keys = "COALESCE(d.received_at, 0), d.pk"
        sql = ("SELECT d.id, d.title, d.doc_number, d.issuer, d.doc_type, d.urgency, "
               "d.registration_number, d.received_at, d.status, d.delivery_id, "
               f"{keys} FROM document d WHERE {where}")
        if after is not None:
            sql += " AND (COALESCE(d.received_at, 0), d.pk) < (?, ?)"
            params = [*params, *after]
        sql += " ORDER BY COALESCE(d.received_at, 0) DESC, d.pk DESC LIMIT ?"
        fetched = self._db().execute_sql(sql, [*params, limit + 1]).fetchall()
        more = len(fetched) > limit
        rows = [DeskDocRow(document_id=r[0], title=r[1], doc_number=r[2], issuer=r[3],
                           doc_type=r[4], urgency=r[5], registration_number=r[6],
                           received_at=from_epoch(r[7]), status=r[8], delivery_id=r[9],
                           waiting=waiting.get(r[0], ""), sort_key=(r[10], r[11]))
                for r in fetched[:limit]]
        return DeskPage(rows, rows[-1].sort_key if more and rows else None)

    def to_route(self, *, after: SortKey | None = None, limit: int = 50) -> DeskPage:
        """待登记/待分办: received documents with no route yet, newest first; the first
        page starts with scanned registrations not yet sent."""
        routed = DOCUMENT_ROUTE.waiting()
        page = self._doc_page(
            "d.status = 'registered' AND NOT EXISTS "
            "(SELECT 1 FROM task t WHERE t.document_id = d.id)", [], after=after,
            limit=limit, waiting={k: "route" for k in routed})
        if after is not None:
            return page
        return DeskPage([*self._waiting_registrations(), *page.rows], page.next_after)

    def _waiting_registrations(self) -> list[DeskDocRow]:
        ids = DOCUMENT_REGISTER.waiting()
        out: list[DeskDocRow] = []
        for op in OutboxOp.select().where(OutboxOp.op_id.in_(list(ids.values()))).order_by(
                OutboxOp.id.desc()):
            d = op.data
            out.append(DeskDocRow(
                document_id=d["document_id"], title=d.get("title", ""),
                doc_number=d.get("doc_number", ""), issuer=d.get("issuer", ""),
                doc_type=d.get("doc_type", ""), urgency=d.get("urgency", "normal"),
                registration_number="", received_at=from_epoch(op.created_at),
                status="registered", delivery_id=None, waiting="register", sort_key=()))
        return out

    def closed(self, status: str = "completed", *, after: SortKey | None = None,
               limit: int = 50) -> DeskPage:
        """已办结 (`completed`) or 归档 (`archived`), newest first."""
        if status not in ("completed", "archived"):
            raise ValueError(status)
        waiting = {k: "archive" for k in DOCUMENT_ARCHIVE.waiting()}
        return self._doc_page("d.status = ?", [status], after=after, limit=limit,
                              waiting=waiting)

    def in_progress(self, *, after: SortKey | None = None, limit: int = 50,
                    now: datetime | None = None, overdue_only: bool = False) -> DeskPage:
        """在办: open tasks (not 传阅 reads), the nearest deadline first, none last."""
        limit = max(1, min(int(limit), MAX_LIMIT))
        ts = int(_now(now).timestamp())
        keys = f"COALESCE(t.due_at, {NO_DUE}), t.id"
        sql = ("SELECT t.id, t.document_id, d.title, d.doc_number, d.urgency, t.kind, "
               "t.assignee_id, t.due_at, "
               "(SELECT COUNT(*) FROM reminder r WHERE r.task_id = t.id), "
               "(SELECT MAX(r.at) FROM reminder r WHERE r.task_id = t.id), "
               f"{keys} FROM task t JOIN document d ON d.id = t.document_id "
               "WHERE t.status = 'pending' AND t.kind != 'read'")
        params: list[Any] = []
        if overdue_only:
            sql += " AND t.due_at < ?"
            params.append(ts)
        if after is not None:
            sql += f" AND ({keys}) > (?, ?)"
            params.extend(after)
        sql += f" ORDER BY {keys} LIMIT ?"
        params.append(limit + 1)
        fetched = self._db().execute_sql(sql, params).fetchall()
        more = len(fetched) > limit
        fetched = fetched[:limit]
        names = DirectoryService().names(list({r[6] for r in fetched}))
        waiting: dict[str, str] = {}
        for owner, label in ((TASK_REMIND, "remind"), (TASK_REROUTE, "reroute"),
                             (TASK_CANCEL, "cancel")):
            waiting.update({k: label for k in owner.waiting()})
        rows = [TaskRow(task_id=r[0], document_id=r[1], title=r[2], doc_number=r[3],
                        urgency=r[4], kind=r[5], assignee_id=r[6],
                        assignee_name=names.get(r[6], ""), due_at=from_epoch(r[7]),
                        overdue=r[7] is not None and ts > r[7], reminders=int(r[8]),
                        last_reminded_at=from_epoch(r[9]), waiting=waiting.get(r[0], ""),
                        sort_key=(r[10], r[11])) for r in fetched]
        return DeskPage(rows, rows[-1].sort_key if more and rows else None)

    # --- 登记 and 分办 -----------------------------------------------------------------
    def registration_form(self, document_id: str | None = None) -> RegistrationForm:
        """The 登记 form of a received document, prefilled; empty for a scanned one."""
        if document_id is None:
            return RegistrationForm(document_id=None, delivery_id=None)
        loaded = load_document(document_id)
        if loaded is None:
            raise GovDeskError("document.not_found")
        doc, data, _text = loaded
        body = data.get("body") or {}
        return RegistrationForm(
            document_id=doc.id, delivery_id=doc.delivery_id, doc_number=doc.doc_number,
            issuer=doc.issuer, doc_type=doc.doc_type, title=doc.title, urgency=doc.urgency,
            classification=doc.classification, signatory=doc.signatory,
            issued_on=doc.issued_on, notes=str(data.get("notes") or ""),
            registration_number=doc.registration_number,
            received_at=from_epoch(doc.received_at),
            body_sha256=body.get("sha256"), body_media_type=str(body.get("media_type") or ""),
            attachments=list(data.get("attachments") or []))

    def routing_people(self) -> RoutingPeople:
        """Whom a document may be routed to: the office heads of my unit (拟办), the
        leaders (批示), and everyone (传阅, 承办)."""
        everyone = DirectoryService().people(limit=5000)
        mine = self.exchange.my_unit()
        heads = [p for p in everyone if p.id != self.me and p.unit_id == mine
                 and ("reviewer" in p.roles or "主任" in p.title)]
        # The office head (办公室主任, the reviewer role) before the deputies.
        heads.sort(key=lambda p: ("reviewer" not in p.roles,
                                  not p.title.startswith("办公室主任"), "副" in p.title))
        leaders = [p for p in everyone if "leader" in p.roles]
        return RoutingPeople(office_heads=heads, leaders=leaders,
                             everyone=[p for p in everyone if p.id != self.me])

    @staticmethod
    def _tasks(tasks: Sequence[RouteTask]) -> list[dict[str, Any]]:
        seen: set[tuple[str, str]] = set()
        out: list[dict[str, Any]] = []
        for t in tasks:
            if (t.assignee_id, t.kind) in seen:
                continue  # the same person twice in one list is one task
            seen.add((t.assignee_id, t.kind))
            out.append({"assignee_id": t.assignee_id, "kind": t.kind,
                        "due_at": _rfc(t.due_at)})
        if not any(t["kind"] != "read" for t in out):
            raise GovDeskError("desk.route_empty")
        return out

    def route(self, document_id: str, tasks: Sequence[RouteTask], *,
              title: str | None = None, doc_number: str | None = None,
              urgency: str | None = None, notes: str | None = None,
              now: datetime | None = None) -> Queued:
        """登记 corrections and 分办 of a received document (`document.route`)."""
        now = _now(now)
        self._require_clerk()
        with self._db().atomic():
            doc = Document.get_or_none(Document.id == document_id)
            if doc is None:
                raise GovDeskError("document.not_found")
            has_tasks = Task.select().where(Task.document_id == document_id).exists()
            if doc.status != "registered" or has_tasks or document_id in DOCUMENT_ROUTE.waiting():
                raise GovDeskError("document.not_registered")
            loaded = load_document(document_id)
            old_notes = str((loaded[1] if loaded else {}).get("notes") or "")
            data: dict[str, Any] = {"document_id": document_id, "tasks": self._tasks(tasks)}
            # Only what the clerk changed travels as a correction.
            for name, new, old in (("title", title, doc.title),
                                   ("doc_number", doc_number, doc.doc_number),
                                   ("urgency", urgency, doc.urgency),
                                   ("notes", notes, old_notes)):
                if new is not None and new.strip() != (old or ""):
                    data[name] = new.strip()
            if "title" in data and not data["title"]:
                raise GovDeskError("desk.title_required")
            try:
                data = DocumentRouteData.model_validate(data).model_dump(exclude_none=True,
                                                                 mode="json")
            except ValidationError as exc:
                raise _form_error(exc) from None
            op_id, changes = DOCUMENT_ROUTE.queue(data, now=now)
            audit.record("document.route", user_id=self.me, obj=f"document:{document_id}",
                         detail={"tasks": len(data["tasks"]), "op_id": op_id}, at=now)
        return Queued(op_id, changes)

    def register_scanned(self, pdf: bytes, *, doc_number: str, issuer: str, doc_type: str,
                         title: str, urgency: str = "normal", signatory: str = "",
                         issued_on: str = "", notes: str = "",
                         tasks: Sequence[RouteTask] = (),
                         now: datetime | None = None) -> Registered:
        """登记 of a paper document scanned to PDF (`document.register`): the PDF goes into
        the blob store now and is uploaded before the op; works offline."""
        now = _now(now)
        self._require_clerk()
        if self.blobs is None:
            raise GovDeskError("blob.unavailable")
        if not pdf.startswith(b"%PDF-"):
            raise GovDeskError("desk.not_pdf")
        if len(pdf) > MAX_SCAN_BYTES:
            raise GovDeskError("desk.file_too_large", limit_mb=MAX_SCAN_BYTES // 2**20)
        if not title.strip():
            raise GovDeskError("desk.title_required")
        if not issuer.strip():
            raise GovDeskError("desk.issuer_required")
        if doc_type not in DOC_TYPES:
            raise GovDeskError("desk.invalid_form", field="doc_type", detail=doc_type)
        task_list = self._tasks(tasks) if tasks else []
        document_id = f"reg-{uuid.uuid4()}"
        with self._db().atomic():
            sha = self.blobs.put_bytes(pdf, "application/pdf", upload=True)
            raw = {"document_id": document_id, "doc_number": doc_number.strip(),
                   "issuer": issuer.strip(), "doc_type": doc_type, "title": title.strip(),
                   "urgency": urgency, "signatory": signatory.strip() or None,
                   "issued_on": issued_on.strip() or None, "notes": notes.strip(),
                   "body_sha256": sha, "attachments": [], "tasks": task_list}
            try:
                data = DocumentRegisterData.model_validate(raw).model_dump(mode="json")
            except ValidationError as exc:
                raise _form_error(exc) from None
            op_id, changes = DOCUMENT_REGISTER.queue(data, blobs_first=[sha], now=now)
            audit.record("document.register", user_id=self.me, obj=f"document:{document_id}",
                         detail={"title": data["title"], "op_id": op_id}, at=now)
        return Registered(document_id, op_id, sha, changes)

    def register_scanned_file(self, path: Path | str, **fields: Any) -> Registered:
        """The same, from a scanned PDF on disk."""
        path = Path(path)
        try:
            if path.stat().st_size > MAX_SCAN_BYTES:
                raise GovDeskError("desk.file_too_large", limit_mb=MAX_SCAN_BYTES // 2**20)
            pdf = path.read_bytes()
        except OSError as exc:
            raise GovDeskError("desk.file_unreadable", path=str(path),
                               reason=exc.strerror or str(exc)) from None
        return self.register_scanned(pdf, **fields)

    # --- 在办: 催办, 撤销, 改派 ------------------------------------------------------------
    def _pending_task(self, task_id: str) -> Task:
        self._require_clerk()
        task = Task.get_or_none(Task.id == task_id)
        if task is None:
            raise GovDeskError("task.not_found")
        if task.status != "pending":
            raise GovDeskError("task.not_pending")
        return task

    @staticmethod
    def _reason(reason: str) -> str:
        reason = (reason or "").strip()
        if not reason:
            raise GovDeskError("desk.reason_required")
        if len(reason) > MAX_REASON:
            raise GovDeskError("opinion.too_long", limit=MAX_REASON)
        return reason

    def remind(self, task_id: str, text: str = "", *,
               now: datetime | None = None) -> Queued:
        """催办: a reminder for the task's assignee (a tray alert on their PC)."""
        now = _now(now)
        with self._db().atomic():
            task = self._pending_task(task_id)
            text = (text or "").strip()
            try:
                data = TaskRemindData.model_validate(
                    {"reminder_id": f"rem-{uuid.uuid4()}", "task_id": task_id, "text": text}
                ).model_dump(exclude_none=True)
            except ValidationError as exc:
                raise _form_error(exc) from None
            op_id, changes = TASK_REMIND.queue(data, now=now)
            audit.record("task.remind", user_id=self.me, obj=f"task:{task_id}",
                         detail={"to": task.assignee_id, "text": text, "op_id": op_id}, at=now)
        return Queued(op_id, changes | Changes(documents=frozenset({task.document_id})))

    def cancel(self, task_id: str, reason: str, *, now: datetime | None = None) -> Queued:
        """撤销 a task, with its reason."""
        now = _now(now)
        reason = self._reason(reason)
        with self._db().atomic():
            task = self._pending_task(task_id)
            op_id, changes = TASK_CANCEL.queue({"task_id": task_id, "reason": reason}, now=now)
            audit.record("task.cancel", user_id=self.me, obj=f"task:{task_id}",
                         detail={"reason": reason, "op_id": op_id}, at=now)
        return Queued(op_id, changes | Changes(documents=frozenset({task.document_id})))

    def reroute(self, task_id: str, assignee_id: str, reason: str, *,
                now: datetime | None = None) -> Queued:
        """改派 a task to another person, with its reason."""
        now = _now(now)
        reason = self._reason(reason)
        with self._db().atomic():
            task = self._pending_task(task_id)
            if User.get_or_none(User.id == assignee_id) is None:
                raise GovDeskError("user.not_found")
            if assignee_id == task.assignee_id:
                raise GovDeskError("task.same_assignee")
            op_id, changes = TASK_REROUTE.queue(
                {"task_id": task_id, "assignee_id": assignee_id, "reason": reason}, now=now)
            audit.record("task.reroute", user_id=self.me, obj=f"task:{task_id}",
                         detail={"to": assignee_id, "reason": reason, "op_id": op_id}, at=now)
        return Queued(op_id, changes | Changes(documents=frozenset({task.document_id})))

    # --- 办结 and 归档 -------------------------------------------------------------------
    def complete(self, document_id: str, *, now: datetime | None = None) -> Queued:
        """办结 a document in progress."""
        now = _now(now)
        self._require_clerk()
        with self._db().atomic():
            doc = Document.get_or_none(Document.id == document_id)
            if doc is None:
                raise GovDeskError("document.not_found")
            if doc.status == "archived":
                raise GovDeskError("document.archived")
            if doc.status == "completed" or document_id in DOCUMENT_COMPLETE.waiting():
                raise GovDeskError("desk.already_completed")
            op_id, changes = DOCUMENT_COMPLETE.queue({"document_id": document_id}, now=now)
            audit.record("document.complete", user_id=self.me, obj=f"document:{document_id}",
                         detail={"op_id": op_id}, at=now)
        return Queued(op_id, changes)

    def archive(self, document_id: str, *, now: datetime | None = None) -> Queued:
        """归档 a completed document."""
        now = _now(now)
        self._require_clerk()
        with self._db().atomic():
            doc = Document.get_or_none(Document.id == document_id)
            if doc is None:
                raise GovDeskError("document.not_found")
            if doc.status == "archived" or document_id in DOCUMENT_ARCHIVE.waiting():
                raise GovDeskError("document.archived")
            if doc.status != "completed":
                raise GovDeskError("document.not_completed")
            op_id, changes = DOCUMENT_ARCHIVE.queue({"document_id": document_id}, now=now)
            audit.record("document.archive", user_id=self.me, obj=f"document:{document_id}",
                         detail={"op_id": op_id}, at=now)
        return Queued(op_id, changes)

    # --- reminders addressed to me -------------------------------------------------------
    def reminders_to_announce(self, *, now: datetime | None = None) -> list[ReminderAlert]:
        """Reminders to me this PC has not shown yet, oldest first. Those older than
        ALERT_WITHIN (a first sync of a new PC) are recorded as shown without an alert."""
        now = _now(now)
        cutoff = int((now - ALERT_WITHIN).timestamp())
        with self._db().atomic():
            stale = Reminder.update(announced_at=now.timestamp()).where(
                (Reminder.to_id == self.me) & Reminder.announced_at.is_null()
                & (Reminder.at < cutoff)).execute()
            if stale:
                audit.record("reminder.old", user_id=self.me, detail={"count": stale}, at=now)
        rows = list(Reminder.select().where((Reminder.to_id == self.me)
                                            & Reminder.announced_at.is_null())
                    .order_by(Reminder.at, Reminder.id))
        names = DirectoryService().names(list({r.from_id for r in rows}))
        docs = {d.id: d.title for d in Document.select(Document.id, Document.title).where(
            Document.id.in_([r.document_id for r in rows if r.document_id]))}
        kinds = {t.id: t.kind for t in Task.select(Task.id, Task.kind).where(
            Task.id.in_([r.task_id for r in rows if r.task_id]))}
        return [ReminderAlert(id=r.id, from_name=names.get(r.from_id, ""), text=r.text,
                              document_id=r.document_id,
                              title=docs.get(r.document_id or "", ""),
                              task_kind=kinds.get(r.task_id or "", ""), at=from_epoch(r.at))
                for r in rows]

    def mark_announced(self, reminder_ids: Sequence[str], *,
                       now: datetime | None = None) -> None:
        """The alerts were shown: recorded in the cache and the audit log."""
        now = _now(now)
        with self._db().atomic():
            for rid in reminder_ids:
                n = Reminder.update(announced_at=now.timestamp()).where(
                    (Reminder.id == rid) & Reminder.announced_at.is_null()).execute()
                if n:
                    audit.record("reminder.shown", user_id=self.me, obj=f"reminder:{rid}",
                                 at=now)

    def unsent(self) -> int:
        return outbox.counts().unsent
