"""AppContext: the UI's single doorway to the signed-in profile's services.

Thin on purpose: each method forwards to a service in client/services (or to the
profile / sync manager) and packs the answer for one screen. Methods marked "db" run on
the background-op writer thread, "net" on the network pool; none touches a widget.
The profile's services and blob store use its own cache from any thread; the methods
that read the models or the outbox themselves run in `profile.cache_context()` (the
writer thread serves whichever profile submitted the job).
"""

from __future__ import annotations

import functools
import itertools
import logging
import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from client.changes import NO_CHANGES, Changes, changed
from client.services import lookup, queue_view, sync_status
from client.services.notices import DRAFT_PREFIX
from client.services.queue_view import QueuedOp
from client.services.sync_status import SyncStatusInfo
from client.types import (
    BadgeCounts,
    DocumentDetail,
    Draft,
    InboxFilters,
    InboxPage,
    InboxRow,
    InboxSort,
    InboxView,
    NoticeDetail,
    NoticeRow,
    OutboxItem,
    Person,
    Phrase,
    RecallInfo,
    RecallOutcome,
    ReceiptStatus,
    SortKey,
    TaskInfo,
    UnitNode,
)
from client.ui.ops import BackgroundOps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentBundle:
    """Everything the document page shows, read in one db op."""

    detail: DocumentDetail
    task: TaskInfo | None        # my pending task on it, if any
    decisions: list[str]         # what that task allows (from the sign-off service)
    draft: Draft | None
    images: dict[str, bytes]     # handwriting sha256 → PNG bytes held locally
    body: bytes | None           # body bytes when held locally
    changes: Changes = NO_CHANGES  # what opening it changed (the read mark)
    recall: RecallInfo | None = None  # my most recent sign-off on it, for 撤回

    def shows(self, changes: Changes) -> bool:
        """Whether this page is stale after `changes`."""
        return changes.touches_document(self.detail.id,
                                        task_ids=[t.id for t in self.detail.tasks],
                                        opinion_ids=[o.id for o in self.detail.opinions])


@dataclass(frozen=True)
class Queued:
    """An action queued as one op, and what queuing it changed."""

    op_id: str
    changes: Changes


def _now() -> datetime:
    return datetime.now().astimezone()


R = TypeVar("R")


def _in_cache(method: Callable[..., R]) -> Callable[..., R]:
    """Run an AppContext method on its profile's cache, from whichever thread."""

    @functools.wraps(method)
    def run(self: AppContext, *args: Any, **kwargs: Any) -> R:
        with self.profile.cache_context():
            return method(self, *args, **kwargs)
    return run


class AppContext(QObject):
    # (kind, payload) from the sync manager, re-emitted on the GUI thread:
    # started | finished(report) | failed(message) | online(bool)
    # | very_urgent([(id, title)]) | urgent_notice([(id, title)])
    sync_event = Signal(str, object)
    # From the sync thread only an id crosses (the payload waits in `_posted`): PySide
    # 6.12 frees a queued `object` argument without holding the GIL (see ops.py).
    _sync_posted = Signal(int)
    # What an action or a sync changed (client.changes.Changes), on the GUI thread: the
    # one signal every view refreshes from.
    changes_applied = Signal(object)

    def __init__(self, profile: Any, ops: BackgroundOps, *, manager: Any = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.profile = profile
        self.ops = ops
        self.manager = manager
        info = profile.info
        self.user_id: str = info.user_id
        self.display_name: str = getattr(info, "display_name", "") or profile.username
        self.roles: list[str] = list(getattr(info, "roles", []) or [])
        self.unit_name: str = ""
        self.auto_lock_minutes: float = profile.settings.auto_lock_minutes
        # Only a policy file locks it; otherwise the user chooses it in Settings.
        self.auto_lock_locked: bool = profile.settings.is_locked("auto_lock_minutes")
        self._online = False
        self._signer: Any = None
        self._posted: dict[int, tuple[str, object]] = {}
        self._post_ids = itertools.count(1)
        self._post_lock = threading.Lock()
        self._sync_posted.connect(self._deliver_sync)
        self._progress_phase = ""
        self._progress_at = 0.0
        if manager is not None:
            manager.add_listener(self._from_sync)

    @property
    def services(self) -> Any:
        return self.profile.services

    @property
    def online(self) -> bool:
        """The sync manager's word when there is one (the one source of online/offline)."""
        if self.manager is not None and str(self.manager.state) not in ("stopped", "starting"):
            return str(self.manager.state) in ("online", "syncing")
        return self._online

    @online.setter
    def online(self, value: bool) -> None:
        self._online = value

    # -- sync (listener runs on the sync thread: it only posts) ------------------------
    def _post(self, kind: str, payload: object) -> None:
        with self._post_lock:
            post_id = next(self._post_ids)
            self._posted[post_id] = (kind, payload)
        self._sync_posted.emit(post_id)  # queued when called from another thread

    def _deliver_sync(self, post_id: int) -> None:  # GUI thread
        with self._post_lock:
            posted = self._posted.pop(post_id, None)
        if posted is None:
            return
        self.sync_event.emit(*posted)
        kind, payload = posted
        if kind == "finished":
            report_changes = getattr(payload, "changes", NO_CHANGES)
            self.changes_applied.emit(report_changes | Changes(outbox=True, sync_state=True))
        elif kind == "failed":
            # What the run changed before it failed is not reported: refresh everything.
            self.changes_applied.emit(Changes(everything=True, outbox=True, sync_state=True))

    def act(self, fn: Callable[[], Any], done: Callable[[Any], None] | None = None,
            failed: Callable[[BaseException], None] | None = None, *,
            owner: QObject | None = None, label: str = "") -> None:
        """Run a service call that writes (db thread); on success call `done`, then
        announce what it changed: its result is a `Changes` or carries `.changes`."""
        def finished(result: Any) -> None:
            if done is not None:
                done(result)
            changes = result if isinstance(result, Changes) else getattr(
                result, "changes", None)
            if changes:
                self.changes_applied.emit(changes)
        self.ops.db(fn, finished, failed, owner=owner, label=label)

    def _from_sync(self, event: Any) -> None:
        state = str(event.state)
        if event.kind == "state":
            online = state in ("online", "syncing")
            if state in ("online", "offline", "auth_required"):
                self._online = online
                self._post("online", online)
            if state == "syncing":
                self._post("started", None)
        elif event.kind == "synced":
            self._online = True
            report = event.report
            self._post("finished", report)
            if report is not None and report.very_urgent:
                self._post("very_urgent", list(report.very_urgent))
            if report is not None and report.urgent_notices:
                self._post("urgent_notice", list(report.urgent_notices))
        elif event.kind == "error":
            err = event.error
            self._post("failed", getattr(err, "message", None) or str(err))
        elif event.kind == "progress" and event.progress is not None:
            # Chunks arrive many times a second: at most 4 posts a second, but a new
            # phase always goes through (the display must say what happens now).
            p = event.progress
            now = time.monotonic()
            if p.phase != self._progress_phase or now - self._progress_at >= 0.25:
                self._progress_phase, self._progress_at = p.phase, now
                self._post("progress", p)

    def request_sync(self) -> None:
        if self.manager is not None:
            self.manager.sync_now()

    def verify_password(self, password: str, done: Callable[[bool], None]) -> None:
        """Check the password offline on a worker (scrypt takes most of a second on
        purpose) and call `done(ok)` on the GUI thread; an error counts as wrong."""
        # The answer goes to whoever asked (the lock overlay) only while it still exists.
        asker = getattr(done, "__self__", None)
        owner = asker if isinstance(asker, QObject) else self
        self.ops.net(lambda: bool(self.profile.check_password(password)), done,
                     lambda _exc: done(False), owner=owner, label="unlock")

    def forget_signer(self) -> None:
        """After an enrolment: the next signature uses the newly enrolled key."""
        self._signer = None

    def signer(self) -> Any:
        if self._signer is None:
            self._signer = self.profile.signer()
        return self._signer

    # -- inbox (db) ---------------------------------------------------------------------
    def inbox_fetcher(self, view: InboxView, filters: InboxFilters,
                      sort: InboxSort) -> Callable[[SortKey | None, int], InboxPage]:
        inbox = self.services.inbox

        def fetch(after: SortKey | None, limit: int) -> InboxPage:
            return inbox.page(view, filters, sort=sort, after=after, limit=limit)
        return fetch

    def badge_counts(self) -> BadgeCounts:
        return self.services.inbox.badges()

    def issuers(self) -> list[str]:
        """Known 来文机关 in the cache, for completing the issuer filter."""
        return self.services.inbox.issuers()

    def next_todo(self, exclude_task: str | None,
                  view: InboxView = InboxView.TODO) -> InboxRow | None:
        """The next task to handle in `view` (待办 or 传阅), other than `exclude_task`."""
        return self.services.inbox.next_pending(view, exclude_task)

    @_in_cache
    def status_info(self) -> SyncStatusInfo:
        """The sync state the status bar, the problems page and the window all show."""
        return sync_status.read(online=self.online)

    @_in_cache
    def op_states(self, op_ids: list[str]) -> dict[str, str | None]:
        """Where each of these ops is now (queued, sent, done, conflict…; "withdrawn":
        recalled here before it was sent; None: unknown)."""
        from client.services import outbox

        states: dict[str, str | None] = {}
        for op_id in op_ids:
            item = outbox.get(op_id)
            states[op_id] = None if item is None else (
                "withdrawn" if item.result_code == "user.withdrawn" else str(item.state))
        return states

    @_in_cache
    def unit_name_of_me(self) -> str:
        return lookup.unit_name(getattr(self.profile.info, "unit_id", None))

    @_in_cache
    def titles(self, ids: list[str]) -> dict[str, str]:
        return lookup.titles(ids)

    # -- documents (db) -----------------------------------------------------------------
    def open_document(self, document_id: str, task_id: str | None) -> DocumentBundle:
        """A person opens the document: audited and marked read."""
        detail, changes = self.services.documents.open_with_changes(document_id, now=_now())
        return self._bundle(detail, task_id, changes)

    def reload_document(self, document_id: str, task_id: str | None) -> DocumentBundle:
        """The open document again, after something changed it (no audit, no read mark)."""
        return self._bundle(self.services.documents.get(document_id), task_id, NO_CHANGES)

    def _bundle(self, detail: DocumentDetail, task_id: str | None,
                changes: Changes) -> DocumentBundle:
        from client.services.signoff import allowed_decisions

        s = self.services
        mine = [t for t in detail.tasks if t.assignee_id == self.user_id
                and t.status == "pending" and t.local_state not in ("pending_sync",)]
        task = next((t for t in mine if t.id == task_id), mine[0] if mine else None)
        decisions = list(allowed_decisions(task)) if task else []
        draft = s.signoff.draft(task.id) if task else None
        images: dict[str, bytes] = {}
        for o in detail.opinions:
            sha = o.handwriting_sha256
            if sha and sha not in images:
                data = self.blob_bytes(sha)
                if data is not None:
                    images[sha] = data
        body = self.blob_bytes(detail.body.sha256) if detail.body else None
        return DocumentBundle(detail, task, decisions, draft, images, body, changes,
                              recall=s.recall.info(detail.id))

    def blob_bytes(self, sha256: str) -> bytes | None:
        blobs = self.profile.blobs
        if blobs is None or not blobs.has(sha256):
            return None
        return blobs.open_bytes(sha256)

    @_in_cache
    def download_blob(self, sha256: str) -> bool:  # net
        from client.sync import blobs as blob_sync

        blob_sync.download(self.profile.api, self.profile.blobs, sha256)
        return True

    def sign(self, req: Any) -> Any:
        if getattr(req, "redo_op_id", None):
            return self.services.signoff.redo(
                req.redo_op_id, signer=self.signer(), now=_now(), task_id=req.task_id,
                decision=req.decision, text=req.text, forward_to=req.forward_to,
                handwriting_png=req.handwriting_png)
        return self.services.signoff.complete_task(
            req.task_id, decision=req.decision, text=req.text, forward_to=req.forward_to,
            circulate_to=getattr(req, "circulate_to", ()),
            countersign_to=getattr(req, "countersign_to", ()),
            handwriting_png=req.handwriting_png, signer=self.signer(), now=_now())

    def recall(self, signoff_op_id: str) -> RecallOutcome:
        """撤回 my sign-off: withdrawn here if never sent, else task.recall queued."""
        return self.services.recall.recall(signoff_op_id, now=_now())

    def save_draft(self, task_id: str, decision: str | None, text: str,
                   forward_to: list[str]) -> None:
        self.services.signoff.save_draft(task_id, decision=decision, text=text,
                                         forward_to=forward_to)

    # -- phrases and directory (db) ---------------------------------------------------
    def phrases(self) -> list[Phrase]:
        return self.services.phrases.list()

    def add_phrase(self, text: str) -> list[Phrase]:
        self.services.phrases.add(text)
        return self.services.phrases.list()

    def directory(self) -> tuple[list[UnitNode], list[Person]]:
        d = self.services.directory
        return d.units_tree(), d.people(limit=5000)

    # -- notices (db) -----------------------------------------------------------------
    def notices(self) -> list[NoticeRow]:
        rows, _ = self.services.notices.list(now=_now(), limit=500)
        return rows

    def notice_detail(self, notice_id: str) -> NoticeDetail:
        return self.services.notices.read(notice_id, now=_now())

    def notice_again(self, notice_id: str) -> NoticeDetail:
        """The shown notice again, after something changed it (not a new reading)."""
        return self.services.notices.get(notice_id)

    def ack_notice(self, notice_id: str) -> Changes:
        return self.services.notices.acknowledge(notice_id, now=_now())

    def publish_notice(self, form: Any) -> Queued:
        from client.services.notices import NewAttachment

        n = self.services.notices
        attachments = [NewAttachment(name=p.name, data=p.read_bytes(),
                                     media_type=mimetypes.guess_type(p.name)[0]
                                     or "application/octet-stream")
                       for p in form.attachment_paths]
        expires = (datetime.fromisoformat(form.expires_on + "T23:59:59+08:00")
                   if form.expires_on else None)
        ref = n.save_draft(title=form.title, body=form.body,
                           audience_unit_ids=form.audience_unit_ids,
                           requires_ack=form.requires_ack, urgent=form.urgent,
                           expires_at=expires, attachments=attachments,
                           client_ref=getattr(form, "client_ref", None))
        op_id = n.publish(ref, now=_now())
        # Listed at once as waiting to be sent; the notice itself comes with the pull.
        return Queued(op_id=op_id, changes=changed(outbox=True,
                                                   notices=[DRAFT_PREFIX + ref]))

    def receipts(self, notice_id: str) -> tuple[ReceiptStatus, dict[str, str]]:
        status = self.services.notices.receipt_status(notice_id)
        names = self.services.directory.names(list(status.missing))
        return status, names

    # -- problems (db) ----------------------------------------------------------------
    @_in_cache
    def problems(self) -> tuple[list[OutboxItem], dict[str, str], dict[str, str]]:
        from client.services import outbox

        items = outbox.problems()
        ids = [str(it.data.get("task_id") or it.data.get("notice_id")
                   or it.data.get("delivery_id") or it.data.get("document_id") or "")
               for it in items]
        task_docs = lookup.documents_of_tasks([i for i in ids if i])
        titles_by_id = self.titles([*task_docs.values(), *ids])
        # A document the user no longer holds (re-routed away) left the cache: the title
        # the platform's context gave, for every problem on that document.
        for it in items:
            ctx = it.result_context or {}
            if ctx.get("document_id") and ctx.get("document_title"):
                titles_by_id.setdefault(ctx["document_id"], ctx["document_title"])
        titles: dict[str, str] = {}
        for it, ref in zip(items, ids, strict=True):
            doc = task_docs.get(ref) or (it.result_context or {}).get("document_id")
            titles[it.op_id] = (titles_by_id.get(doc or "") or titles_by_id.get(ref)
                                or it.data.get("title") or ref)
        # Problems whose text was sent on as a note (kept on the list): to whom.
        sent = self.services.notes.forwarded([it.op_id for it in items])
        names = self.services.directory.names(list(set(sent.values())))
        forwarded = {op_id: names.get(uid, uid) for op_id, uid in sent.items()}
        return items, titles, forwarded

    @_in_cache
    def waiting_ops(self) -> list[QueuedOp]:
        """What is still waiting to be sent, in words (oldest first)."""
        return queue_view.waiting()

    def redo_target(self, item: OutboxItem) -> tuple[str, str | None] | None:
        """Where to redo a refused sign-off: the document, and my pending task on it now."""
        s = self.services.signoff
        old = s.kept_opinion(item.op_id)
        pending = s.my_pending_tasks_on(old.document_id)
        ids = [t.id for t in pending]
        task_id = old.task_id if old.task_id in ids else (ids[0] if ids else None)
        return old.document_id, task_id

    @_in_cache
    def send_note(self, document_id: str, to_user_id: str, text: str, *,
                  about_op_id: str | None = None, dismiss: bool = False) -> Any:
        """留言 (client.services.notes): queued, sent with the next sync."""
        return self.services.notes.send(document_id, to_user_id, text,
                                        about_op_id=about_op_id, dismiss=dismiss, now=_now())

    @_in_cache
    def notes_of(self, document_id: str) -> Any:
        return self.services.notes.for_document(document_id)

    @_in_cache
    def retry(self, item: OutboxItem) -> Changes:
        from client.services import outbox

        return outbox.retry(item.op_id)

    @_in_cache
    def discard(self, item: OutboxItem) -> Changes:
        from client.services import outbox

        if item.type == "task.complete":
            return self.services.signoff.discard(item.op_id, now=_now())
        return outbox.resolve(item.op_id, "discarded")
