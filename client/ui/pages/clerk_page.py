"""The clerk's desk (收发), for users with the role `clerk`: 待签收 with 签收 and 拒收,
待登记/待分办 with the 登记 form, 在办 with 催办 / 撤销 / 改派 and 办结, 已办结 with 归档,
and 归档. Thin: every read and write runs on the database thread through the services
(client.services.exchange, client.services.clerk_desk); the page only shows and asks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from client.changes import Changes
from client.services.clerk_desk import DeskCounts, DeskDocRow, TaskRow
from client.services.exchange import COMMON_REFUSAL_REASONS, BoxRow
from client.textfmt import CHINA_TZ
from client.types import Attachment, DocumentDetail, DocumentId, Sha256
from client.ui import fmt, theme
from client.ui.context import AppContext
from client.ui.delivery import DeliveryWatch
from client.ui.delivery_preview import DeliveryPreviewDialog
from client.ui.desk_dialogs import CancelDialog, RefuseDialog, RemindDialog, RerouteDialog
from client.ui.desk_model import Column, PagedRows
from client.ui.pages import error_text
from client.ui.registration_form import RegistrationFormView, RegistrationInput

TABS = ("box", "route", "progress", "completed", "archived")


def _now() -> datetime:
    return datetime.now().astimezone()


def _urgency_style(urgency: str) -> tuple[Any, Any, bool] | None:
    if urgency == "very_urgent":
        return theme.URGENT_RED, None, True
    if urgency == "urgent":
        return theme.URGENT_ORANGE, None, True
    return None


def _overdue_style(overdue: bool) -> tuple[Any, Any, bool] | None:
    return (theme.OVERDUE_TEXT, theme.OVERDUE_BACKGROUND, True) if overdue else None


def scan_detail(value: RegistrationInput, data: bytes) -> DocumentDetail:
    """The document view's picture of a scanned document not registered yet."""
    import hashlib

    body = Attachment(name=value.scan_path.name if value.scan_path else "scan.pdf",
                      sha256=Sha256(hashlib.sha256(data).hexdigest()),
                      media_type="application/pdf", size=len(data), available=True)
    return DocumentDetail(
        id=DocumentId("scan"), doc_number=value.doc_number, issuer=value.issuer,
        doc_type=value.doc_type, title=value.title or body.name,
        classification="none", urgency=value.urgency, signatory=value.signatory,
        main_recipients=[], cc=[], issued_on=value.issued_on, notes=value.notes,
        received_at=None, registration_number="", status="registered", digest="",
        local_digest="", body=body, attachments=[], tasks=[], opinions=[], receipts=[],
        is_read=True)


def announce_reminders(ctx: Any, tray: Any, owner: QObject) -> None:
    """催办 addressed to me (any role) that this PC has not shown yet: one tray alert each,
    then recorded as shown (client.services.clerk_desk.mark_announced)."""
    desk = ctx.services.clerk_desk

    def announce(alerts: list[Any]) -> None:
        for a in alerts:
            text = a.text or QCoreApplication.translate(
                "ClerkPage", "Please handle this document as soon as possible.")
            tray.notify_reminder(a.document_id or "", a.from_name,
                                 f"{a.title}：{text}" if a.title else text)
        if alerts:
            ids = [a.id for a in alerts]
            ctx.ops.db(lambda: desk.mark_announced(ids), owner=owner, label="reminders shown")
    ctx.ops.db(desk.reminders_to_announce, announce, owner=owner, label="reminders")


def announce_notes(ctx: Any, tray: Any, owner: QObject) -> None:
    """留言 to me this PC has not shown yet: one tray alert each (as a 催办), recorded.

    One round at a time (read, alert, record): a second call while one runs (the window's
    start and a sync's changes) would read the same notes before they are recorded as
    shown and alert twice; it asks for one more round after the running one instead."""
    notes = ctx.services.notes
    if getattr(tray, "notes_round", None) is not None:
        tray.notes_round = "again"
        return
    tray.notes_round = "running"

    def finish(_result: object = None) -> None:
        again = tray.notes_round == "again"
        tray.notes_round = None
        if again:
            announce_notes(ctx, tray, owner)

    def announce(alerts: list[Any]) -> None:
        for a in alerts:
            tray.notify_note(a.document_id, a.from_name,
                             f"{a.title}：{a.text}" if a.title else a.text)
        if not alerts:
            finish()
            return
        ids = [a.id for a in alerts]
        ctx.ops.db(lambda: notes.mark_announced(ids), finish, finish, owner=owner,
                   label="notes shown")
    ctx.ops.db(notes.to_announce, announce, finish, owner=owner, label="notes")


class ClerkPage(QWidget):
    message = Signal(str, int)
    error = Signal(str)
    counts_changed = Signal(object)          # DeskCounts
    open_document = Signal(str)              # a document of 在办 / 已办结 / 归档

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName(self.tr("Clerk desk"))
        self.delivery = DeliveryWatch(ctx, self)
        self.delivery.message.connect(self.message)
        self.counts: DeskCounts | None = None
        self._fetched: set[str] = set()   # blobs the preview asked for (see below)
        self.preview: DeliveryPreviewDialog | None = None  # the last delivery opened
        self.stack = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

        desk = QWidget()
        layout = QVBoxLayout(desk)
        layout.setContentsMargins(12, 8, 12, 8)
        self.heading = QLabel(self.tr("Clerk desk"))
        self.heading.setObjectName("viewTitle")
        layout.addWidget(self.heading)
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        layout.addWidget(self.summary)
        self.tabs = QTabWidget()
        self.tabs.currentChanged.connect(lambda _i: self.reload())
        layout.addWidget(self.tabs, 1)
        self.stack.addWidget(desk)
        self.form = RegistrationFormView()
        self.form.back_requested.connect(self.show_desk)
        self.form.submitted.connect(self.submit_registration)
        self.form.scan_chosen.connect(self._preview_scan)
        self.form.preview.fetch_blob.connect(self._fetch_preview_blob)
        self.stack.addWidget(self.form)

        self.models: dict[str, PagedRows] = {}
        self.tables: dict[str, QTableView] = {}
        self.buttons: dict[str, QPushButton] = {}
        self._build_box()
        self._build_route()
        self._build_progress()
        self._build_closed("completed")
        self._build_closed("archived")
        self.retranslate_tabs()

    # -- building ---------------------------------------------------------------------
    def _table(self, key: str, columns: list[Column]) -> tuple[QWidget, QHBoxLayout]:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 6, 0, 0)
        actions = QHBoxLayout()
        layout.addLayout(actions)
        model = PagedRows(self.ctx.ops, columns, self)
        model.on_loaded = lambda k=key: self._loaded(k)
        table = QTableView()
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(round(34 * theme.current_scale()))
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.selectionModel().selectionChanged.connect(lambda *_a, k=key: self._selected(k))
        table.doubleClicked.connect(lambda _i, k=key: self._activated(k))
        layout.addWidget(table, 1)
        self.models[key] = model
        self.tables[key] = table
        self.tabs.addTab(page, "")
        return page, actions

    def _button(self, actions: QHBoxLayout, key: str, text: str, slot: Any, *,
                primary: bool = False) -> QPushButton:
        b = QPushButton(text)
        b.setMinimumHeight(36)
        if primary:
            b.setObjectName("primary")
        b.clicked.connect(slot)
        actions.addWidget(b)
        self.buttons[key] = b
        return b

    def _build_box(self) -> None:
        cols = [
            Column(self.tr("Urgency"), lambda r: fmt.urgency_text(r.urgency),
                   lambda r: _urgency_style(r.urgency)),
            Column(self.tr("Number"), lambda r: r.doc_number),
            Column(self.tr("Title"), lambda r: r.title,
                   lambda r: (None, None, True) if r.urgency != "normal" else None),
            # 来文单位 as printed on the document (富锦市人民政府), as 待登记 shows it; the
            # sending office (市政府办公室) only when the document names none.
            Column(self.tr("From"), lambda r: r.issuer or r.sender_unit),
            Column(self.tr("Delivered"), lambda r: fmt.short_datetime_text(r.sent_at)),
            Column(self.tr("Receive by"), lambda r: self._time_left(r.due_at, r.overdue),
                   lambda r: _overdue_style(r.overdue)),
            Column(self.tr("State"), self._box_state,
                   lambda r: (theme.ACCENT, None, True) if r.waiting else
                   ((theme.OVERDUE_TEXT, None, True) if r.local_state in ("conflict",
                                                                          "rejected")
                    else None)),
        ]
        _page, actions = self._table("box", cols)
        self._button(actions, "receive", self.tr("&Receive (签收)"), self.receive_selected,
                     primary=True)
        self._button(actions, "refuse", self.tr("Re&fuse…"), self.refuse_selected)
        actions.addStretch(1)
        # 来文单位 is the full issuing body now (富锦市二龙山镇人民政府): room for it.
        self._widths("box", (70, 180, 0, 240, 120, 120, 150), stretch=2)
        QShortcut(QKeySequence("Ctrl+Return"), self.tables["box"], self.receive_selected)
        # Enter (and a double-click) opens the delivery to read; only its 签收 signs.
        self.tables["box"].installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if (watched is self.tables.get("box") and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                          Qt.KeyboardModifier.KeypadModifier)):
            self.open_preview()
            return True
        return super().eventFilter(watched, event)

    def _widths(self, key: str, widths: tuple[int, ...], *, stretch: int) -> None:
        """Fixed widths (at the current text size) and the title column taking the rest."""
        table = self.tables[key]
        header = table.horizontalHeader()
        for i, w in enumerate(widths):
            if i != stretch:
                # Never narrower than its heading: 紧急程度 was cut to "紧急程" at 70 px.
                table.setColumnWidth(i, max(round(w * theme.current_scale()),
                                            header.sectionSizeHint(i)))
        table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)

    def _time_left(self, due: datetime | None, overdue: bool) -> str:
        """签收/办理 deadline as a clerk reads it: 还剩 5 小时, 已超时 2 天."""
        if due is None:
            return ""
        seconds = abs((due - _now()).total_seconds())
        span = (self.tr("%1 h").replace("%1", str(max(1, round(seconds / 3600))))
                if seconds < 48 * 3600 else
                self.tr("%1 d").replace("%1", str(round(seconds / 86400))))
        return (self.tr("Overdue by %1") if overdue else self.tr("%1 left")).replace("%1", span)

    def _box_state(self, r: BoxRow) -> str:
        state = {"receive_pending": self.tr("Received, waiting to send"),
                 "refuse_pending": self.tr("Refused, waiting to send"),
                 "conflict": self.tr("Not accepted (see Problems)"),
                 "rejected": self.tr("Not accepted (see Problems)")}.get(
            r.local_state, self.tr("To receive"))
        return state if r.role == "main" else self.tr("%1 (copy)").replace("%1", state)

    def _doc_columns(self) -> list[Column]:
        return [
            Column(self.tr("Reg. no."), lambda r: r.registration_number),
            Column(self.tr("Number"), lambda r: r.doc_number),
            Column(self.tr("Title"), lambda r: r.title,
                   lambda r: _urgency_style(r.urgency)),
            Column(self.tr("Issuer"), lambda r: r.issuer),
            Column(self.tr("Received"), lambda r: fmt.short_datetime_text(r.received_at)),
            Column(self.tr("State"), self._doc_state,
                   lambda r: (theme.ACCENT, None, True) if r.waiting else None),
        ]

    def _doc_state(self, r: DeskDocRow) -> str:
        return {"route": self.tr("Routed, waiting to send"),
                "register": self.tr("Registered, waiting to send"),
                "archive": self.tr("Archived, waiting to send")}.get(
            r.waiting, fmt.document_status_text(r.status))

    def _build_route(self) -> None:
        _page, actions = self._table("route", self._doc_columns())
        self._button(actions, "register", self.tr("Register and &route…"),
                     self.open_registration, primary=True)
        self._button(actions, "scan", self.tr("Register a &paper document…"),
                     lambda: self.open_registration(scanned=True))
        actions.addStretch(1)
        self._widths("route", (150, 190, 0, 210, 120, 140), stretch=2)

    def _build_progress(self) -> None:
        cols = [
            Column(self.tr("Number"), lambda r: r.doc_number),
            Column(self.tr("Title"), lambda r: r.title, lambda r: _urgency_style(r.urgency)),
            Column(self.tr("Step"), lambda r: fmt.task_kind_text(r.kind)),
            Column(self.tr("Person"), lambda r: r.assignee_name),
            Column(self.tr("Due"), lambda r: self._time_left(r.due_at, r.overdue),
                   lambda r: _overdue_style(r.overdue)),
            Column(self.tr("Reminders"), lambda r: str(r.reminders) if r.reminders else ""),
            Column(self.tr("State"), lambda r: {
                "remind": self.tr("Reminder waiting to send"),
                "cancel": self.tr("Cancelled, waiting to send"),
                "reroute": self.tr("Reassigned, waiting to send")}.get(r.waiting, ""),
                lambda r: (theme.ACCENT, None, True) if r.waiting else None),
        ]
        _page, actions = self._table("progress", cols)
        self._button(actions, "remind", self.tr("Send a re&minder…"), self.remind_selected,
                     primary=True)
        self._button(actions, "cancel", self.tr("&Cancel task…"), self.cancel_selected)
        self._button(actions, "reroute", self.tr("Reassi&gn…"), self.reroute_selected)
        self._button(actions, "complete", self.tr("Mark &completed (办结)"),
                     self.complete_selected)
        actions.addStretch(1)
        self._widths("progress", (180, 0, 70, 100, 120, 90, 150), stretch=1)

    def _build_closed(self, key: str) -> None:
        _page, actions = self._table(key, self._doc_columns())
        if key == "completed":
            self._button(actions, "archive", self.tr("&Archive (归档)"), self.archive_selected,
                         primary=True)
        actions.addStretch(1)
        self._widths(key, (150, 190, 0, 210, 120, 140), stretch=2)

    def retranslate_tabs(self) -> None:
        c = self.counts
        labels = {
            "box": (self.tr("To receive"), c.to_receive if c else 0),
            "route": (self.tr("To register and route"), c.to_route if c else 0),
            "progress": (self.tr("In progress"), c.in_progress if c else 0),
            "completed": (self.tr("Completed"), c.completed if c else 0),
            "archived": (self.tr("Archived"), 0),
        }
        for i, key in enumerate(TABS):
            label, n = labels[key]
            self.tabs.setTabText(i, f"{label} ({n})" if n else label)
        if c is not None:
            parts = [self.tr("%1 to receive").replace("%1", str(c.to_receive)),
                     self.tr("%1 to route").replace("%1", str(c.to_route)),
                     self.tr("%1 in progress").replace("%1", str(c.in_progress))]
            if c.overdue:
                parts.append(self.tr("%1 overdue").replace("%1", str(c.overdue)))
            self.summary.setText(" · ".join(parts))
        self._selected(self.current_key())

    # -- data ---------------------------------------------------------------------------
    def current_key(self) -> str:
        return TABS[max(0, self.tabs.currentIndex())]

    def reload(self, key: str | None = None) -> None:
        key = key or self.current_key()
        ex, desk = self.ctx.services.exchange, self.ctx.services.clerk_desk
        fetchers = {
            "box": lambda after, limit: ex.box_page(after=after, limit=limit, now=_now()),
            "route": lambda after, limit: desk.to_route(after=after, limit=limit),
            "progress": lambda after, limit: desk.in_progress(after=after, limit=limit,
                                                              now=_now()),
            "completed": lambda after, limit: desk.closed("completed", after=after,
                                                          limit=limit),
            "archived": lambda after, limit: desk.closed("archived", after=after,
                                                         limit=limit),
        }
        self.models[key].load(fetchers[key])
        self.refresh_counts()

    def refresh_counts(self) -> None:
        def done(counts: DeskCounts) -> None:
            self.counts = counts
            self.retranslate_tabs()
            self.counts_changed.emit(counts)
        self.ctx.ops.db(lambda: self.ctx.services.clerk_desk.counts(now=_now()), done,
                        lambda e: self.error.emit(error_text(e)), owner=self,
                        label="desk counts")

    def apply_changes(self, changes: Changes, *, visible: bool) -> None:
        if not (changes.exchange or changes.documents or changes.tasks or changes.outbox
                or changes.everything or changes.directory):
            return
        if visible and self.stack.currentWidget() is not self.form:
            self.reload()
        else:
            self.refresh_counts()

    def _loaded(self, key: str) -> None:
        if key == self.current_key():
            self._selected(key)

    def selected(self, key: str | None = None) -> list[Any]:
        key = key or self.current_key()
        table = self.tables[key]
        rows = sorted({i.row() for i in table.selectionModel().selectedRows()})
        model = self.models[key]
        return [r for r in (model.row_at(i) for i in rows) if r is not None]

    def select_row(self, key: str, row: int) -> None:
        self.tables[key].selectRow(row)

    def _selected(self, key: str) -> None:
        rows = self.selected(key)
        one = len(rows) == 1
        if key == "box":
            actionable = [r for r in rows if not r.waiting]
            self.buttons["receive"].setEnabled(bool(actionable))
            self.buttons["refuse"].setEnabled(one and bool(actionable))
        elif key == "route":
            self.buttons["register"].setEnabled(one and not rows[0].waiting)
        elif key == "progress":
            free = one and not rows[0].waiting
            for b in ("remind", "cancel", "reroute", "complete"):
                self.buttons[b].setEnabled(free)
        elif key == "completed":
            self.buttons["archive"].setEnabled(one and not rows[0].waiting)

    def _activated(self, key: str) -> None:
        rows = self.selected(key)
        if not rows:
            return
        if key == "box":
            self.open_preview()
        elif key == "route":
            self.open_registration()
        else:
            self.open_document.emit(rows[0].document_id)

    # -- 签收 and 拒收 ----------------------------------------------------------------------
    def _queued(self, result: Any, online: str, offline: str, delivered: str) -> None:
        self.delivery.queued(result.op_id, online_text=online, offline_text=offline,
                             delivered=delivered,
                             refused=self.tr("The platform did not accept it; see Problems."))
        # "正在发送…" must be true: without asking, the op waited for the 60-second timer.
        self.ctx.request_sync()

    def open_preview(self) -> None:
        """The selected delivery to read before 签收 or 拒收 (a double-click signed it)."""
        rows = self.selected("box")
        if not rows:
            return
        row: BoxRow = rows[0]
        dialog = DeliveryPreviewDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.preview = dialog
        fetched: set[str] = set()
        desk = self.ctx.services.clerk_desk

        def load() -> None:
            self.ctx.ops.db(lambda: desk.delivery_preview(row.id), dialog.set_preview,
                            lambda e: self.error.emit(error_text(e)), owner=dialog,
                            label="delivery preview")

        def fetch(sha256: str) -> None:
            if sha256 in fetched:
                return  # once: a download that brings nothing must not loop
            fetched.add(sha256)
            self.ctx.ops.net(lambda: self.ctx.download_blob(sha256),
                             lambda ok: load() if ok else None, lambda _e: None,
                             owner=dialog, label="delivery body")

        def chosen(what: str) -> None:
            if what == "receive":
                self._receive([row])
            elif what == "refuse":
                self._refuse_row(row)
        dialog.fetch_blob.connect(fetch)
        dialog.chosen.connect(chosen)
        dialog.open()
        load()

    def receive_selected(self) -> None:
        self._receive([r for r in self.selected("box") if not r.waiting])

    def _receive(self, rows: list[BoxRow]) -> None:
        ex = self.ctx.services.exchange
        for row in rows:
            self.ctx.act(lambda r=row: ex.receive(r.id, now=_now()),
                         lambda res, r=row: self._queued(
                             res, self.tr("Received \u201c%1\u201d; sending…")
                             .replace("%1", r.title),
                             self.tr("Received \u201c%1\u201d; it will be sent when the "
                                     "network is back.").replace("%1", r.title),
                             self.tr("The platform recorded the receipt of \u201c%1\u201d; "
                                     "it is ready to register.").replace("%1", r.title)),
                         lambda e: self.error.emit(error_text(e)), owner=self,
                         label="receive")

    def refuse_dialog(self, row: BoxRow) -> RefuseDialog:
        return RefuseDialog(row.title, COMMON_REFUSAL_REASONS, self)

    def refuse_selected(self) -> None:
        rows = [r for r in self.selected("box") if not r.waiting]
        if len(rows) != 1:
            return
        self._refuse_row(rows[0])

    def _refuse_row(self, row: BoxRow) -> None:
        dialog = self.refuse_dialog(row)
        if not dialog.exec():
            return
        reason = dialog.reason()
        self.refuse(row, reason)

    def refuse(self, row: BoxRow, reason: str) -> None:
        ex = self.ctx.services.exchange
        self.ctx.act(lambda: ex.refuse(row.id, reason, now=_now()),
                     lambda res: self._queued(
                         res, self.tr("Refused; sending…"),
                         self.tr("Refused; it will be sent when the network is back."),
                         self.tr("The sender has been told of the refusal.")),
                     lambda e: self.error.emit(error_text(e)), owner=self, label="refuse")

    # -- 登记 and 分办 ---------------------------------------------------------------------
    def open_registration(self, *, scanned: bool = False,
                          document_id: str | None = None) -> None:
        if not scanned and document_id is None:
            rows = self.selected("route")
            if len(rows) != 1 or rows[0].waiting:
                return
            document_id = rows[0].document_id
        desk = self.ctx.services.clerk_desk

        def load() -> tuple[Any, Any, Any]:
            form = desk.registration_form(None if scanned else document_id)
            bundle = (None if scanned or document_id is None
                      else self.ctx.reload_document(document_id, None))
            return form, desk.routing_people(), bundle

        def show(result: tuple[Any, Any, Any]) -> None:
            form, people, bundle = result
            self._fetched = set()
            self.form.set_people(people)
            self.form.set_form(form)
            if bundle is not None:
                self.form.preview.set_detail(bundle.detail, bundle.images, bundle.body)
                self.form.preview.tabs.setCurrentIndex(1)
            else:
                self.form.preview.set_detail(None)
            self.stack.setCurrentWidget(self.form)
            self.form.title.setFocus()
        self.ctx.ops.db(load, show, lambda e: self.error.emit(error_text(e)), owner=self,
                        label="registration")

    def _preview_scan(self, path: Path) -> None:
        def read() -> bytes:
            return path.read_bytes()

        def show(data: bytes) -> None:
            self.form.preview.set_detail(scan_detail(self.form.value(), data), None, data)
            self.form.preview.tabs.setCurrentIndex(1)
        self.ctx.ops.net(read, show, lambda e: self.form.show_error(error_text(e)),
                         owner=self, label="scan preview")

    def _fetch_preview_blob(self, sha256: str) -> None:
        detail = self.form.preview.detail()
        # Once per blob and form: a download that brings nothing must not loop.
        if detail is None or detail.id == "scan" or sha256 in self._fetched:
            return
        self._fetched.add(sha256)

        def again(_ok: Any) -> None:
            self.ctx.ops.db(lambda: self.ctx.reload_document(detail.id, None),
                            lambda b: self.form.preview.set_detail(b.detail, b.images, b.body),
                            owner=self, label="preview")
        self.ctx.ops.net(lambda: self.ctx.download_blob(sha256), again, lambda _e: None,
                         owner=self, label="preview blob")

    def submit_registration(self, value: RegistrationInput) -> None:
        desk = self.ctx.services.clerk_desk

        def run() -> Any:
            if value.document_id is None:
                assert value.scan_path is not None
                return desk.register_scanned_file(
                    value.scan_path, doc_number=value.doc_number, issuer=value.issuer,
                    doc_type=value.doc_type, title=value.title, urgency=value.urgency,
                    signatory=value.signatory, issued_on=value.issued_on, notes=value.notes,
                    tasks=value.tasks, now=_now())
            return desk.route(value.document_id, value.tasks, title=value.title,
                              doc_number=value.doc_number, urgency=value.urgency,
                              notes=value.notes, now=_now())

        def done(result: Any) -> None:
            self._queued(result, self.tr("Registered and routed; sending…"),
                         self.tr("Registered and routed; it will be sent when the network "
                                 "is back."),
                         self.tr("The platform has the registration; the route has started."))
            self.show_desk()
        self.ctx.act(run, done, lambda e: self.form.show_error(error_text(e)), owner=self,
                     label="register")

    def show_desk(self) -> None:
        self.stack.setCurrentIndex(0)
        self.reload()

    # -- 在办 -----------------------------------------------------------------------------
    def _one_task(self) -> TaskRow | None:
        rows = self.selected("progress")
        return rows[0] if len(rows) == 1 and not rows[0].waiting else None

    def _task_heading(self, row: TaskRow) -> str:
        return self.tr("%1 — %2 of %3").replace("%1", row.title).replace(
            "%2", fmt.task_kind_text(row.kind)).replace("%3", row.assignee_name)

    def remind_dialog(self, row: TaskRow) -> RemindDialog:
        if row.due_at is not None:
            due = fmt.datetime_text(row.due_at.astimezone(CHINA_TZ))
            text = (self.tr("This document was due by %1. Please handle it as soon as "
                            "possible.") if row.overdue else
                    self.tr("This document is due by %1. Please handle it in time.")
                    ).replace("%1", due)
        else:
            text = self.tr("Please handle this document as soon as possible.")
        return RemindDialog(self._task_heading(row), text, self)

    def remind_selected(self) -> None:
        row = self._one_task()
        if row is None:
            return
        dialog = self.remind_dialog(row)
        if dialog.exec():
            self._task_op(lambda: self.ctx.services.clerk_desk.remind(
                row.task_id, dialog.reason(), now=_now()), self.tr("Reminder"))

    def cancel_selected(self) -> None:
        row = self._one_task()
        if row is None:
            return
        dialog = CancelDialog(self._task_heading(row), self)
        if dialog.exec():
            self._task_op(lambda: self.ctx.services.clerk_desk.cancel(
                row.task_id, dialog.reason(), now=_now()), self.tr("Cancellation"))

    def reroute_dialog(self, row: TaskRow, people: list[Any]) -> RerouteDialog:
        return RerouteDialog(self._task_heading(row), people, row.assignee_id, self)

    def reroute_selected(self) -> None:
        row = self._one_task()
        if row is None:
            return

        def ask(people: Any) -> None:
            dialog = self.reroute_dialog(row, people.everyone)
            if dialog.exec():
                assignee, reason = dialog.assignee_id(), dialog.reason()
                self._task_op(lambda: self.ctx.services.clerk_desk.reroute(
                    row.task_id, assignee, reason, now=_now()), self.tr("Reassignment"))
        self.ctx.ops.db(self.ctx.services.clerk_desk.routing_people, ask,
                        lambda e: self.error.emit(error_text(e)), owner=self, label="people")

    def _task_op(self, fn: Any, what: str) -> None:
        self.ctx.act(fn, lambda res: self._queued(
            res, self.tr("%1 queued; sending…").replace("%1", what),
            self.tr("%1 queued; it will be sent when the network is back.").replace("%1", what),
            self.tr("%1 delivered to the platform.").replace("%1", what)),
            lambda e: self.error.emit(error_text(e)), owner=self, label="task op")

    def complete_selected(self) -> None:
        row = self._one_task()
        if row is None or not self._confirm(
                self.tr("Mark \u201c%1\u201d as completed (办结)? Its open steps end.")
                .replace("%1", row.title)):
            return
        self._task_op(lambda: self.ctx.services.clerk_desk.complete(row.document_id,
                                                                    now=_now()),
                      self.tr("Completion"))

    def archive_selected(self) -> None:
        rows = self.selected("completed")
        if len(rows) != 1 or rows[0].waiting:
            return
        row = rows[0]
        if not self._confirm(self.tr("Archive \u201c%1\u201d (归档)?").replace("%1", row.title)):
            return
        self._task_op(lambda: self.ctx.services.clerk_desk.archive(row.document_id,
                                                                   now=_now()),
                      self.tr("Archiving"))

    def _confirm(self, text: str) -> bool:
        return QMessageBox.question(self, self.tr("Clerk desk"), text) == \
            QMessageBox.StandardButton.Yes



