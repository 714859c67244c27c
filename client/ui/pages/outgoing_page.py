"""The 发文 page: 我的拟稿 / 待核稿 / 待签发 / 已发文, the drafting editor, an open step
(核稿 with the version diff, 会签, 签发, 修改) and an outgoing's record with the clerk's
buttons and the 回执 table.

Every data call runs on the database thread through the profile's services
(services.drafting, services.outgoing); writes go through `ctx.act`, which announces
what they changed, and the page refreshes itself from `Changes.outgoing`.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from client.changes import Changes
from client.services.drafting import DraftInfo
from client.services.outgoing import CLERK_NEXT, VIEWS, OutgoingDetail, OutgoingRow, StepView
from client.services.receipts import ReceiptSummary
from client.ui import fmt
from client.ui.context import Queued
from client.ui.delivery import DeliveryWatch
from client.ui.drafting_editor import DraftEditor
from client.ui.outgoing_views import (
    STEP_TITLES,
    OutgoingRecord,
    StepPanel,
    StepRequest,
    status_label,
)
from client.ui.pages import error_text
from client.ui.pages.system_open import open_copy

ROW_ROLE = Qt.ItemDataRole.UserRole + 1


def _now() -> datetime:
    return datetime.now().astimezone()


class ViewButtons(QWidget):
    """The four lists as a 2 × 2 group of toggle buttons: they fit the narrow list
    column at any text size, where a tab bar would scroll."""

    currentChanged = Signal(int)  # noqa: N815 (as QTabBar)

    def __init__(self, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        for i in range(count):
            b = QPushButton()
            b.setCheckable(True)
            self.group.addButton(b, i)
            grid.addWidget(b, i // 2, i % 2)
        self.group.button(0).setChecked(True)
        self.group.idToggled.connect(self._toggled)

    def _toggled(self, index: int, checked: bool) -> None:
        if checked:
            self.currentChanged.emit(index)

    def setCurrentIndex(self, index: int) -> None:  # noqa: N802 (as QTabBar)
        self.group.button(index).setChecked(True)

    def currentIndex(self) -> int:  # noqa: N802 (as QTabBar)
        return self.group.checkedId()

    def setTabText(self, index: int, text: str) -> None:  # noqa: N802 (as QTabBar)
        self.group.button(index).setText(text)

    def tabText(self, index: int) -> str:  # noqa: N802 (as QTabBar)
        return self.group.button(index).text()


class OutgoingPage(QWidget):
    message = Signal(str, int)
    error = Signal(str)
    counts_changed = Signal(int)  # steps waiting for me (the navigation's badge)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outgoingPage")
        self.ctx = ctx
        self.view = "mine"
        self._rows: list[OutgoingRow] = []
        self._shown: tuple[str, str] | None = None  # ("draft"|"step"|"record", id)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Horizontal)
        layout.addWidget(split)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 0, 8)
        self.tabs = ViewButtons(len(VIEWS))
        self.tabs.currentChanged.connect(self._tab_changed)
        # 收发待办 only for the unit's clerk (shown once the counts say I am one).
        self.tabs.group.button(VIEWS.index("clerk")).hide()
        left_layout.addWidget(self.tabs)
        self.clerk_summary = QLabel()
        self.clerk_summary.setObjectName("muted")
        self.clerk_summary.setWordWrap(True)
        self.clerk_summary.hide()
        left_layout.addWidget(self.clerk_summary)
        self.new_button = QPushButton(self.tr("New draft"))
        self.new_button.setObjectName("primary")
        self.new_button.clicked.connect(self.new_draft)
        left_layout.addWidget(self.new_button)
        self.list = QListWidget()
        self.list.setObjectName("outgoingList")
        self.list.setAccessibleName(self.tr("Outgoing documents"))
        self.list.setWordWrap(True)  # long titles wrap, never cut
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentItemChanged.connect(self._row_chosen)
        left_layout.addWidget(self.list, 1)
        self.empty = QLabel()
        self.empty.setObjectName("muted")
        self.empty.setWordWrap(True)
        left_layout.addWidget(self.empty)
        left.setMinimumWidth(200)
        split.addWidget(left)

        self.stack = QStackedWidget()
        self.placeholder = QLabel(self.tr("Choose a document on the left, or start a new "
                                          "draft."))
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setObjectName("muted")
        self.editor = DraftEditor()
        self.step = StepPanel()
        self.record = OutgoingRecord()
        for w in (self.placeholder, self.editor, self.step, self.record):
            self.stack.addWidget(w)
        split.addWidget(self.stack)
        split.setStretchFactor(1, 3)
        split.setSizes([260, 1100])

        self.editor.save_requested.connect(self._save_draft)
        self.editor.submit_requested.connect(self._submit)
        self.editor.delete_requested.connect(self._delete)
        self.editor.attach_requested.connect(self._attach)
        self.step.act_requested.connect(self._act_on_step)
        self.record.action_requested.connect(self._clerk_action)
        self.record.open_pdf_requested.connect(lambda _oid: self.open_issued_pdf())
        # Each action says whether it is being sent now or waits for the network, and
        # asks for a sync at once: the 60-second timer left a submitted draft, a 核稿 or a
        # 编号 "waiting to be sent" while online, and the next clerk step greyed out.
        self.delivery = DeliveryWatch(ctx, self)
        self.delivery.message.connect(self.message)
        self._counts: dict[str, int] = {}
        self.retranslate()

    @property
    def services(self) -> Any:
        return self.ctx.services

    def retranslate(self) -> None:
        labels = self.labels()
        for i, key in enumerate(VIEWS):
            n = self._counts.get(key, 0)
            self.tabs.setTabText(i, f"{labels[key]} ({n})" if n else labels[key])

    def refresh_counts(self) -> None:
        """The lists' counts (and the navigation's badge) without reloading a list: the
        page may be hidden while a sync brings a step for me."""
        svc = self.services.outgoing
        self.ctx.ops.db(svc.counts, self._set_counts, self._failed, owner=self,
                        label="outgoing counts")

    def _set_counts(self, counts: dict[str, int]) -> None:
        self._counts = counts
        self.tabs.group.button(VIEWS.index("clerk")).setVisible("clerk" in counts)
        self.retranslate()
        self.counts_changed.emit(sum(counts.values()))

    def labels(self) -> dict[str, str]:
        return {"mine": self.tr("My drafts"), "review": self.tr("To review"),
                "sign": self.tr("To sign for issue"), "issued": self.tr("Issued"),
                "clerk": self.tr("Clerk's to-do")}

    def clerk_step_labels(self) -> dict[str, str]:
        return {"number": self.tr("To number"), "seal": self.tr("To seal"),
                "issue": self.tr("To issue")}

    # --- lists ---------------------------------------------------------------------------
    def open_from_navigation(self) -> None:
        """Shown from the navigation (its badge counts what waits for me): on the list
        that holds it, unless the list open now holds some (a leader found 我的拟稿, empty,
        with the 签发 waiting one button away)."""
        waiting = [v for v in ("sign", "review", "mine", "clerk") if self._counts.get(v)]
        if waiting and not self._counts.get(self.view):
            self.tabs.setCurrentIndex(VIEWS.index(waiting[0]))  # the toggle reloads
        else:
            self.reload()

    def show_view(self, view: str) -> None:
        if view in VIEWS:
            self.tabs.setCurrentIndex(VIEWS.index(view))
            self.reload()

    def _tab_changed(self, index: int) -> None:
        self.editor.save_now()
        self.view = VIEWS[index]
        self.reload()

    def reload(self, keep: str | None = None,
               then: Callable[[], None] | None = None) -> None:
        view = self.view
        svc = self.services.outgoing

        def read() -> tuple[list[OutgoingRow], dict[str, int], dict[str, int] | None]:
            return (svc.rows(view), svc.counts(),
                    svc.clerk_counts() if view == "clerk" else None)

        def done(result: tuple[list[OutgoingRow], dict[str, int], dict[str, int] | None]
                 ) -> None:
            if view == self.view:
                self._set_counts(result[1])
                self._show_clerk_counts(result[2])
                self.set_rows(result[0], keep)
                if then is not None:
                    then()
        self.ctx.ops.db(read, done, self._failed, owner=self, label="outgoing")

    def _show_clerk_counts(self, counts: dict[str, int] | None) -> None:
        """待编号 2 · 待用印 1 · 待核发 0 above the clerk's list."""
        self.clerk_summary.setVisible(counts is not None)
        if counts is not None:
            labels = self.clerk_step_labels()
            self.clerk_summary.setText("  ·  ".join(
                f"{labels[k]} {counts.get(k, 0)}" for k in ("number", "seal", "issue")))

    def set_rows(self, rows: list[OutgoingRow], keep: str | None = None) -> None:
        self._rows = rows
        self.list.blockSignals(True)
        self.list.clear()
        select = None
        for row in rows:
            item = QListWidgetItem(self._row_text(row))
            item.setData(ROW_ROLE, row)
            item.setToolTip(row.title)
            self.list.addItem(item)
            if keep and row.id == keep:
                select = item
        self.list.blockSignals(False)
        self.empty.setText("" if rows else self.tr("Nothing here."))
        if select is not None:
            self.list.blockSignals(True)
            self.list.setCurrentItem(select)
            self.list.blockSignals(False)

    def _row_text(self, row: OutgoingRow) -> str:
        title = row.title or self.tr("(untitled)")
        status = status_label(row.status)
        if self.view == "clerk" and row.status in CLERK_NEXT:
            status = self.clerk_step_labels()[CLERK_NEXT[row.status]]  # the next step
        if row.step_kind == "revise":
            status = self.tr("Returned to you: revise it")
        elif row.local == "pending_sync" and not row.is_draft:
            status = self.tr("Done here; waiting to be sent")
        elif row.local in ("conflict", "rejected"):
            status = self.tr("Refused by the platform")
        elif row.local:
            status += "　" + self.tr("(waiting to be sent)")
        parts = (row.doc_type, row.doc_number, status, row.drafter_name)
        if self.view == "clerk":
            # The next step first: a long 发文字号 elided it at the line's end.
            parts = (status, row.doc_type, row.doc_number, row.drafter_name)
        second = "　".join(x for x in parts if x)
        urgent = fmt.urgency_text(row.urgency)
        return (f"【{urgent}】" if urgent else "") + f"{title}\n{second}"

    def _row_chosen(self, current: QListWidgetItem | None, _prev: Any) -> None:
        self.editor.save_now()
        if current is None:
            return
        row: OutgoingRow = current.data(ROW_ROLE)
        if row.is_draft:
            self.open_draft(row.id)
        elif row.step_id and row.local == "" and (self.view in ("review", "sign")
                                                  or row.step_kind == "revise"):
            self.open_step(row.step_id)
        else:
            self.open_record(row.id)

    # --- drafts --------------------------------------------------------------------------
    def new_draft(self) -> None:
        d = self.services.drafting

        def done(draft: DraftInfo) -> None:
            if self.view != "mine":
                self.tabs.setCurrentIndex(VIEWS.index("mine"))
            self.reload(keep=draft.id)
            self._show_draft(draft)
        self.ctx.ops.db(lambda: d.new_draft(now=_now()), done, self._failed, owner=self,
                        label="draft")

    def open_draft(self, draft_id: str) -> None:
        d = self.services.drafting
        self.ctx.ops.db(lambda: d.get(draft_id), self._show_draft, self._failed, owner=self,
                        label="draft")

    def _show_draft(self, draft: DraftInfo) -> None:
        d = self.services.drafting

        def with_choices(choices: Any) -> None:
            self.editor.set_choices(choices)
            self.editor.load(draft)
            self._shown = ("draft", draft.id)
            self.stack.setCurrentWidget(self.editor)
        self.ctx.ops.db(d.choices, with_choices, self._failed, owner=self, label="choices")

    def _save_draft(self, draft_id: str, fields: dict[str, Any], body: dict[str, Any]) -> None:
        d = self.services.drafting

        def saved(info: DraftInfo) -> None:
            if self.editor.draft_id() == draft_id:
                self.editor.mark_saved(fmt.datetime_text(info.updated_at))
            for i in range(self.list.count()):
                item = self.list.item(i)
                row: OutgoingRow = item.data(ROW_ROLE)
                if row.id == draft_id and row.title != info.title:
                    self.reload(keep=draft_id)
                    break
        self.ctx.ops.db(lambda: d.save(draft_id, fields=fields, body=body, now=_now()),
                        saved, lambda e: self.editor.show_message(error_text(e)),
                        owner=self, label="autosave")

    def _submit(self, draft_id: str) -> None:
        d = self.services.drafting

        def done(queued: Queued) -> None:
            self._queued(queued.op_id, self.tr("Submitted; sending it to the platform…"),
                         self.tr("Submitted; it is sent when online."),
                         self.tr("Submitted to the platform."))
            self.open_draft(draft_id)
            self.reload(keep=draft_id)

        self.ctx.act(lambda: Queued(*d.submit(draft_id, now=_now())), done,
                     lambda e: self.editor.show_message(error_text(e)), owner=self,
                     label="submit")

    def _delete(self, draft_id: str) -> None:
        d = self.services.drafting

        def done(_c: Any) -> None:
            self.stack.setCurrentWidget(self.placeholder)
            self._shown = None
            self.reload()
        self.ctx.act(lambda: d.delete(draft_id), done, self._failed, owner=self,
                     label="delete draft")

    def _attach(self, draft_id: str) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Attach files"))
        if paths:
            self.attach_paths(draft_id, [Path(p) for p in paths])

    def attach_paths(self, draft_id: str, paths: list[Path]) -> None:
        d = self.services.drafting

        def add() -> DraftInfo:
            info = d.get(draft_id)
            for p in paths:
                info = d.add_attachment(draft_id, name=p.stem, data=p.read_bytes(),
                                        media_type=mimetypes.guess_type(p.name)[0]
                                        or "application/octet-stream", now=_now())
            return info

        def done(info: DraftInfo) -> None:
            if self.editor.draft_id() == draft_id:
                self.editor.set_attachments(info.fields["attachments"])
        self.ctx.ops.db(add, done, lambda e: self.editor.show_message(error_text(e)),
                        owner=self, label="attach")

    # --- steps ---------------------------------------------------------------------------
    def open_step(self, step_id: str) -> None:
        svc = self.services.outgoing

        def show(view: StepView) -> None:
            self.step.show_step(view)
            self._shown = ("step", step_id)
            self.stack.setCurrentWidget(self.step)
        self.ctx.ops.db(lambda: svc.open_step(step_id), show, self._failed, owner=self,
                        label="step")

    def _act_on_step(self, req: StepRequest) -> None:
        svc = self.services.outgoing

        def run() -> Any:
            kind = svc.open_step(req.step_id).step.kind
            # A 修改 (resubmit) is not signed; the others sign with this PC's key.
            key = self.ctx.signer() if kind != "revise" else None
            return svc.complete_step(
                req.step_id, decision=req.decision, text=req.text, body=req.body,
                version_note=req.version_note, metadata=req.metadata,
                handwriting_png=req.handwriting_png, signer=key,
                shown_digest=req.shown_digest, now=_now())

        def done(result: Any) -> None:
            title = STEP_TITLES.get(self.step.view.step.kind if self.step.view else "", "")
            self._queued(result.op_id,
                         self.tr("%1 signed on this PC; sending it to the platform…")
                         .replace("%1", title),
                         self.tr("%1 signed on this PC; it is sent when online.")
                         .replace("%1", title),
                         self.tr("%1 delivered to the platform.").replace("%1", title))
            # The record is what is shown from now on: the changes announced right after
            # this must refresh it, not reopen the step over it.
            self._shown = ("record", result.outgoing_id)
            self.open_record(result.outgoing_id)
            self.reload(keep=result.outgoing_id)

        self.ctx.act(run, done, lambda e: self.step.failed(error_text(e)), owner=self,
                     label="outgoing step")

    # --- records and the clerk -----------------------------------------------------------
    def open_record(self, outgoing_id: str) -> None:
        svc = self.services.outgoing
        me = self.ctx.user_id

        def read() -> tuple[OutgoingDetail, ReceiptSummary, bool, bool]:
            detail = svc.detail(outgoing_id)
            clerk = svc.is_clerk_of(str(detail.data.get("unit_id")))
            may_cancel = clerk or (detail.data.get("drafter_id") == me
                                   and detail.status in ("reviewing", "countersigning",
                                                         "signing", "revising"))
            return detail, svc.receipts(outgoing_id, now=_now()), clerk, may_cancel

        def show(result: tuple[OutgoingDetail, ReceiptSummary, bool, bool]) -> None:
            detail, receipts, clerk, may_cancel = result
            self.record.show_record(detail, receipts, is_clerk=clerk, may_cancel=may_cancel)
            self._shown = ("record", outgoing_id)
            self.stack.setCurrentWidget(self.record)
        self.ctx.ops.db(read, show, self._failed, owner=self, label="record")

    def _clerk_action(self, outgoing_id: str, action: str, reason: str) -> None:
        svc = self.services.outgoing
        words = {"number": self.tr("Numbering"), "seal": self.tr("Sealing"),
                 "issue": self.tr("Issuing"), "cancel": self.tr("Cancelling")}

        def done(queued: Queued) -> None:
            word = words[action]
            self._queued(queued.op_id,
                         self.tr("%1 queued; sending it to the platform…").replace("%1", word),
                         self.tr("%1 queued; it is sent when online.").replace("%1", word),
                         self.tr("%1 done on the platform.").replace("%1", word))
            self.open_record(outgoing_id)
            self.reload(keep=outgoing_id)
        self.ctx.act(lambda: Queued(*svc.clerk_action(outgoing_id, action, reason=reason,
                                                      now=_now())),
                     done, self._failed, owner=self, label=f"outgoing {action}")

    def _queued(self, op_id: str | None, online: str, offline: str, delivered: str) -> None:
        self.delivery.queued(op_id, online_text=online, offline_text=offline,
                             delivered=delivered,
                             refused=self.tr("The platform did not accept it; see Problems."))
        self.ctx.request_sync()

    def open_issued_pdf(self, *, fetched: bool = False) -> None:
        """The issued PDF with the system's PDF reader; fetched first when it is not on
        this computer yet (and the platform can be reached)."""
        detail = self.record.detail
        ref = (detail.data.get("issued_body") or {}) if detail is not None else {}
        sha = str(ref.get("sha256") or "")
        if detail is None or not sha:
            return
        data = detail.data
        name = f"{data.get('doc_number') or ''} {data.get('title') or ''}".strip() + ".pdf"

        def open_it(pdf: bytes | None) -> None:
            if pdf is not None:
                open_copy(self, self.ctx.profile.dir, name, pdf,
                          error=self.error.emit, message=self.message.emit)
            elif self.ctx.online and not fetched:
                self.message.emit(self.tr("Downloading the issued document…"), 4000)
                self.ctx.ops.net(lambda: self.ctx.download_blob(sha),
                                 lambda _ok: self.open_issued_pdf(fetched=True),
                                 self._failed, owner=self, label="issued pdf")
            else:
                self.error.emit(self.tr("The issued document is not on this computer yet: "
                                        "open it again when online."))
        self.ctx.ops.db(lambda: self.ctx.blob_bytes(sha), open_it, self._failed, owner=self,
                        label="issued pdf")

    # --- what changed --------------------------------------------------------------------
    def apply_changes(self, changes: Changes, *, visible: bool) -> None:
        self.delivery.apply_changes(changes)
        if not (changes.outgoing or changes.everything or changes.directory):
            return
        if not visible:
            return
        shown = self._shown
        keep = shown[1] if shown and shown[0] != "step" else None
        if shown is not None and shown[0] == "draft" and self.editor.body.isReadOnly() \
                and (shown[1] in changes.outgoing or "*" in changes.outgoing
                     or changes.everything):
            # A submitted draft the platform has taken: show what it is now (its record,
            # 核稿中). It stayed "已提交，待发送", and a click on its row, already the current
            # one, did nothing.
            self.reload(keep=keep, then=self._reopen_current)
            return
        self.reload(keep=keep)
        if shown is None:
            return
        kind, ident = shown
        if kind == "record" and (ident in changes.outgoing or "*" in changes.outgoing
                                 or changes.everything):
            self.open_record(ident)
        elif kind == "step" and self.step.view is not None and (
                self.step.view.detail.id in changes.outgoing or changes.everything):
            self.open_step(ident)

    def _reopen_current(self) -> None:
        item = self.list.currentItem()
        if item is not None and self._shown is not None \
                and item.data(ROW_ROLE).id == self._shown[1]:
            self._row_chosen(item, None)

    def _failed(self, exc: BaseException) -> None:
        self.error.emit(error_text(exc))

    def save_draft(self) -> None:
        """Leaving the page, locking, quitting: what is typed is stored now."""
        self.editor.save_now()
