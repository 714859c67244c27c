"""The main window: navigation, inbox ↔ document with the sign-off panel, notices,
problems, status bar, tray, auto-lock. Every data call goes through `AppContext` on
the background-op helper; this module only arranges widgets and reacts to results."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from client.types import Attachment, InboxRow, InboxView, OutboxItem
from client.ui import fmt, printing
from client.ui.context import AppContext, DocumentBundle
from client.ui.document_view import DocumentView
from client.ui.filters_bar import FiltersBar
from client.ui.inbox_model import ROW_ROLE, InboxModel
from client.ui.inbox_table import InboxTable
from client.ui.lock_overlay import IdleWatcher, LockOverlay
from client.ui.nav import NavList
from client.ui.notice_compose import NoticeComposeDialog
from client.ui.notices_view import NoticesView, ReceiptsWidget
from client.ui.problems_view import ProblemsView
from client.ui.resources import icon
from client.ui.signoff_panel import SignoffPanel, SignRequest
from client.ui.status_bar import SyncStatusBar
from client.ui.tray import Tray

log = logging.getLogger(__name__)

INBOX_VIEWS = {"todo": InboxView.TODO, "done": InboxView.DONE,
               "received": InboxView.RECEIVED, "circulate": InboxView.CIRCULATE}


def error_text(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, *, idle_timer: QTimer | None = None) -> None:
        """`idle_timer`: the auto-lock's timer, when the caller wants to supply it."""
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle(self.tr("GovDesk — %1").replace("%1", ctx.display_name))
        self.setWindowIcon(icon("govdesk"))
        self.resize(1360, 860)
        self._current_view = "todo"
        self._bundle: DocumentBundle | None = None
        self._open_request = 0
        self._pending_select: tuple[str, str | None] | None = None
        self._prefill: SignRequest | None = None

        central = QWidget()
        outer = QHBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.nav = NavList()
        self.nav.setFixedWidth(190)
        outer.addWidget(self.nav)
        self.pages = QStackedWidget()
        outer.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        # Inbox: list page and document page in a stack (full width for big text).
        self.inbox_stack = QStackedWidget()
        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.setSpacing(0)
        header = QHBoxLayout()
        header.setContentsMargins(12, 8, 12, 0)
        self.view_title = QLabel()
        self.view_title.setObjectName("viewTitle")
        header.addWidget(self.view_title)
        header.addStretch(1)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        header.addWidget(self.count_label)
        list_layout.addLayout(header)
        self.filters = FiltersBar()
        list_layout.addWidget(self.filters)
        self.model = InboxModel(ctx.ops, self)
        self.table = InboxTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Document list"))
        self.table.activated.connect(self._row_activated)
        list_layout.addWidget(self.table, 1)
        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setObjectName("muted")
        list_layout.addWidget(self.empty_label)
        self.inbox_stack.addWidget(list_page)

        doc_page = QWidget()
        doc_layout = QVBoxLayout(doc_page)
        doc_layout.setContentsMargins(0, 0, 0, 0)
        back_row = QHBoxLayout()
        back_row.setContentsMargins(12, 6, 12, 0)
        self.back_button = self._button(self.tr("← &Back to list"),
                                        self.tr("Back to the list (Esc)"), self.show_list)
        back_row.addWidget(self.back_button)
        back_row.addStretch(1)
        self.position_label = QLabel()
        self.position_label.setObjectName("muted")
        back_row.addWidget(self.position_label)
        doc_layout.addLayout(back_row)
        self.doc_split = QSplitter()
        self.doc_split.setObjectName("documentSplit")
        self.document = DocumentView()
        self.document.office_name = ctx.unit_name
        self.signoff = SignoffPanel()
        # Scrolls rather than forcing the window taller than a 768-pixel screen.
        self.signoff_area = QScrollArea()
        self.signoff_area.setWidget(self.signoff)
        self.signoff_area.setWidgetResizable(True)
        self.signoff_area.setFrameShape(QFrame.Shape.NoFrame)
        self.signoff_column = QWidget()
        column = QVBoxLayout(self.signoff_column)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.signoff_area, 1)
        column.addWidget(self.signoff.detach_action_bar())  # always in view
        self.doc_split.addWidget(self.document)
        self.doc_split.addWidget(self.signoff_column)
        self.doc_split.setStretchFactor(0, 3)
        self.doc_split.setStretchFactor(1, 2)
        self.doc_split.setSizes([780, 420])
        doc_layout.addWidget(self.doc_split, 1)
        self.inbox_stack.addWidget(doc_page)
        self.pages.addWidget(self.inbox_stack)

        self.notices = NoticesView()
        self.notices.set_publisher("publisher" in ctx.roles, ctx.user_id)
        self.pages.addWidget(self.notices)
        self.problems = ProblemsView()
        self.pages.addWidget(self.problems)

        self.status = SyncStatusBar()
        self.setStatusBar(self.status)
        self.tray = Tray(self)
        self.lock_overlay = LockOverlay(self, user_label=ctx.display_name,
                                        verify=ctx.verify_password)
        self.idle = IdleWatcher(ctx.auto_lock_minutes, self, timer=idle_timer)
        self.idle.idle.connect(self.lock)
        self.lock_overlay.unlocked.connect(self._unlocked)

        self._wire()
        self._make_menus()
        self._restore_layout()
        self.nav.select("todo")
        self.refresh_counts()
        self.refresh_status()
        self._load_side_data()
        ctx.ops.db(ctx.unit_name_of_me, self._set_unit_name, owner=self, label="unit")
        ctx.sync_event.connect(self._sync_event)
        # Poll the outbox/sync state now and then: cheap, and keeps the bar honest.
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(15_000)
        self._status_timer.timeout.connect(self.refresh_status)
        self._status_timer.start()

    # -- construction helpers -----------------------------------------------------------
    def _button(self, text: str, tip: str, slot: object):  # noqa: ANN202
        from PySide6.QtWidgets import QPushButton

        b = QPushButton(text)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    def _wire(self) -> None:
        self.nav.page_selected.connect(self.show_page)
        self.filters.changed.connect(self.reload_inbox)
        self.model.page_loaded.connect(self._page_loaded)
        self.model.load_failed.connect(lambda e: self.show_error(error_text(e)))
        self.signoff.sign_requested.connect(self.sign)
        self.signoff.save_phrase_requested.connect(self._save_phrase)
        self.signoff.draft_changed.connect(self._draft_changed)
        self.document.fetch_blob.connect(self._fetch_blob)
        self.document.open_attachment.connect(self._open_attachment)
        self.document.save_attachment.connect(self._save_attachment)
        self.document.print_requested.connect(self.print_form)
        self.document.export_requested.connect(self.export_form)
        self.notices.notice_selected.connect(self.open_notice)
        self.notices.ack_requested.connect(self.ack_notice)
        self.notices.compose_requested.connect(self.compose_notice)
        self.notices.receipts_requested.connect(self.show_receipts)
        self.problems.redo_requested.connect(self.redo_problem)
        self.problems.discard_requested.connect(self.discard_problem)
        self.status.sync_requested.connect(self.sync_now)
        self.status.problems_requested.connect(lambda: self.nav.select("problems"))
        self.tray.open_document.connect(self._open_from_tray)
        self.tray.announced.connect(self._announced)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(800)
        self._draft_timer.timeout.connect(self._save_draft)
        self._draft: tuple[str, str, str] | None = None

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        self._action(file_menu, self.tr("&Print processing form…"), "Ctrl+P", self.print_form)
        self._action(file_menu, self.tr("Save processing form as &PDF…"), "Ctrl+Shift+P",
                     self.export_form)
        file_menu.addSeparator()
        self._action(file_menu, self.tr("&Lock"), "Ctrl+L", self.lock)
        self._exit_action = self._action(file_menu, self.tr("E&xit"), "Ctrl+Q", self.close)
        go = bar.addMenu(self.tr("&Go"))
        for i, key in enumerate(("todo", "done", "received", "circulate", "notices",
                                 "problems"), start=1):
            label = self.nav._labels()[key][0]
            self._action(go, label, f"Ctrl+{i}", lambda k=key: self.nav.select(k))
        go.addSeparator()
        self._action(go, self.tr("&Search"), "Ctrl+F", self._focus_search)
        self._action(go, self.tr("Next document &to do"), "Ctrl+J", self.open_next_todo)
        self._action(go, self.tr("Back to &list"), "Esc", self.show_list)
        sync = bar.addMenu(self.tr("&Sync"))
        self._action(sync, self.tr("Sync &now"), "F5", self.sync_now)
        tools = bar.addMenu(self.tr("&Tools"))
        self._action(tools, self.tr("&Settings…"), "Ctrl+,", self.open_settings)
        if "publisher" in self.ctx.roles:
            self._action(tools, self.tr("&New notice…"), "Ctrl+N", self.compose_notice)

    def _action(self, menu, text: str, shortcut: str, slot) -> QAction:  # noqa: ANN001
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{text.replace('&', '')} ({shortcut})")
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    # -- layout persistence ----------------------------------------------------------------
    def _settings(self) -> QSettings:
        return QSettings("GovDesk", "GovDesk")

    def _restore_layout(self) -> None:
        s = self._settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        for key, widget in (("window/docSplit", self.doc_split),
                            ("window/noticesSplit", self.notices.splitter)):
            state = s.value(key)
            if isinstance(state, QByteArray):
                widget.restoreState(state)
        header = s.value("inbox/header")
        if isinstance(header, QByteArray):
            self.table.horizontalHeader().restoreState(header)

    def save_layout(self) -> None:
        s = self._settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/docSplit", self.doc_split.saveState())
        s.setValue("window/noticesSplit", self.notices.splitter.saveState())
        s.setValue("inbox/header", self.table.horizontalHeader().saveState())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_draft()
        self.save_layout()
        self.tray.hide()
        super().closeEvent(event)

    # -- navigation ----------------------------------------------------------------------
    def show_page(self, key: str) -> None:
        if key in INBOX_VIEWS:
            self._current_view = key
            self.pages.setCurrentWidget(self.inbox_stack)
            self.view_title.setText(self.nav._labels()[key][0])
            self.show_list()
            self.reload_inbox()
        elif key == "notices":
            self.pages.setCurrentWidget(self.notices)
            self.reload_notices()
        elif key == "problems":
            self.pages.setCurrentWidget(self.problems)
            self.reload_problems()

    def show_list(self) -> None:
        if self.lock_overlay.is_locked():
            return
        self._save_draft()
        self.inbox_stack.setCurrentIndex(0)
        self.table.setFocus()

    def _focus_search(self) -> None:
        if self.pages.currentWidget() is not self.inbox_stack:
            self.nav.select("received")
        self.show_list()
        self.filters.search.setFocus()
        self.filters.search.selectAll()

    # -- inbox ---------------------------------------------------------------------------
    def reload_inbox(self) -> None:
        view = INBOX_VIEWS[self._current_view]
        fetch = self.ctx.inbox_fetcher(view, self.filters.filters(), self.filters.sort_order())
        self.model.set_fetcher(fetch)

    def _page_loaded(self, rows: int) -> None:
        more = "+" if not self.model.is_exhausted() else ""
        self.count_label.setText(self.tr("%1 shown").replace("%1", f"{rows}{more}"))
        empty = rows == 0
        self.empty_label.setVisible(empty)
        self.empty_label.setText(self.tr("Nothing here.") if empty else "")
        if self._pending_select is not None:
            doc_id, task_id = self._pending_select
            row = self.model.find(document_id=doc_id, task_id=task_id)
            if row >= 0:
                self.table.selectRow(row)
                self._pending_select = None
        elif rows and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _row_activated(self, index) -> None:  # noqa: ANN001
        row: InboxRow | None = index.data(ROW_ROLE)
        if row is not None:
            self.open_document(row.document_id, row.task_id)

    def open_document(self, document_id: str, task_id: str | None = None, *,
                      prefill: SignRequest | None = None) -> None:
        self._save_draft()
        self._open_request += 1
        request = self._open_request
        self._prefill = prefill
        self.pages.setCurrentWidget(self.inbox_stack)
        self.inbox_stack.setCurrentIndex(1)
        self.document.set_detail(None)
        self.document.title.setText(self.tr("Opening…"))
        self.signoff.set_task(None, [])

        def done(bundle: DocumentBundle) -> None:
            if request == self._open_request:
                self._show_bundle(bundle)

        self.ctx.ops.db(lambda: self.ctx.open_document(document_id, task_id), done,
                        lambda e: self.show_error(error_text(e)), owner=self,
                        label="open_document")

    def _show_bundle(self, bundle: DocumentBundle) -> None:
        self._bundle = bundle
        self.document.set_detail(bundle.detail, bundle.images, bundle.body)
        prefill = self._prefill
        self._prefill = None
        if bundle.task is not None:
            draft = bundle.draft
            self.signoff.set_task(
                bundle.task, bundle.decisions,
                draft_text=prefill.text if prefill else (draft.text if draft else ""),
                draft_decision=prefill.decision if prefill else (draft.decision if draft
                                                                  else None),
                draft_forward=prefill.forward_to if prefill else (draft.forward_to if draft
                                                                  else []),
                draft_circulate=prefill.circulate_to if prefill else [])
            self.signoff.redo_op_id = prefill.redo_op_id if prefill else None
            self.signoff.opinion.setFocus()
        else:
            self.signoff.set_task(None, [])
        self.signoff_column.setVisible(bundle.task is not None)
        self.position_label.setText(fmt.urgency_text(bundle.detail.urgency))
        self.refresh_counts()

    def sign(self, req: SignRequest) -> None:
        self.signoff.set_busy(True)
        current = self._bundle

        def done(_result: object) -> None:
            self.signoff.set_busy(False)
            self._draft = None
            self.status.showMessage(self.tr("Signed. It will be sent to the platform "
                                            "when online."), 6000)
            self.refresh_counts()
            self.refresh_status()
            self.ctx.request_sync()
            if req.go_next:
                self.open_next_todo()
            elif current is not None:
                self.open_document(current.detail.id, None)
            self.model.reload()

        def failed(exc: BaseException) -> None:
            self.signoff.set_busy(False)
            self.signoff.show_error(error_text(exc))

        self.ctx.ops.db(lambda: self.ctx.sign(req), done, failed, owner=self, label="sign")

    def open_next_todo(self) -> None:
        exclude = self._bundle.task.id if self._bundle and self._bundle.task else None

        def done(row: InboxRow | None) -> None:
            if row is None:
                self.status.showMessage(self.tr("No more documents to do."), 6000)
                self.nav.select("todo")
                self.show_list()
                return
            self.open_document(row.document_id, row.task_id)

        self.ctx.ops.db(lambda: self.ctx.next_todo(exclude), done,
                        lambda e: self.show_error(error_text(e)), owner=self, label="next")

    def _draft_changed(self, task_id: str, decision: str, text: str) -> None:
        self._draft = (task_id, decision, text)
        self._draft_timer.start()

    def _save_draft(self) -> None:
        draft, self._draft = self._draft, None
        if draft is None:
            return
        task_id, decision, text = draft
        forward = self.signoff.forward_to()
        self.ctx.ops.db(lambda: self.ctx.save_draft(task_id, decision or None, text, forward),
                        label="draft")

    def _save_phrase(self, text: str) -> None:
        self.ctx.ops.db(lambda: self.ctx.add_phrase(text), self._set_phrases, owner=self,
                        label="phrase")

    def _set_unit_name(self, name: str) -> None:
        self.ctx.unit_name = name
        self.document.office_name = name

    def _set_phrases(self, phrases: object) -> None:
        self.signoff.set_phrases(phrases)  # type: ignore[arg-type]

    def _load_side_data(self) -> None:
        self.ctx.ops.db(self.ctx.phrases, self._set_phrases, owner=self, label="phrases")
        self.ctx.ops.db(self.ctx.directory,
                        lambda d: self.signoff.set_directory(*d), owner=self, label="dir")

    # -- blobs ---------------------------------------------------------------------------
    def _fetch_blob(self, sha: str) -> None:
        if not self.ctx.online:
            return
        doc_id = self._bundle.detail.id if self._bundle else None

        def done(_ok: object) -> None:
            if self._bundle is not None and self._bundle.detail.id == doc_id:
                self.open_document(doc_id, self._bundle.task.id if self._bundle.task else None)

        self.ctx.ops.net(lambda: self.ctx.download_blob(sha), done,
                         lambda e: log.info("blob %s not fetched: %s", sha, e), owner=self,
                         label="blob")

    def _attachment_bytes(self, att: Attachment, then) -> None:  # noqa: ANN001
        def done(data: bytes | None) -> None:
            if data is None:
                self.show_error(self.tr("This attachment is not on this computer yet. It "
                                        "will be downloaded when the connection allows."))
                self._fetch_blob(att.sha256)
            else:
                then(data)
        self.ctx.ops.db(lambda: self.ctx.blob_bytes(att.sha256), done,
                        lambda e: self.show_error(error_text(e)), owner=self, label="att")

    def _open_attachment(self, att: Attachment) -> None:
        def open_it(data: bytes) -> None:
            folder = Path(tempfile.mkdtemp(prefix="govdesk-open-"))
            path = folder / Path(att.name).name
            path.write_bytes(data)
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        self._attachment_bytes(att, open_it)

    def _save_attachment(self, att: Attachment) -> None:
        target, _ = QFileDialog.getSaveFileName(self, self.tr("Save attachment"),
                                                str(Path.home() / Path(att.name).name))
        if not target:
            return

        def save(data: bytes) -> None:
            try:
                Path(target).write_bytes(data)
            except OSError as exc:
                self.show_error(self.tr("Could not save: %1").replace("%1", str(exc)))
            else:
                self.status.showMessage(self.tr("Saved %1").replace("%1", target), 6000)
        self._attachment_bytes(att, save)

    # -- printing ------------------------------------------------------------------------
    def print_form(self) -> None:
        doc = self.document.form_document()
        if doc is not None:
            printing.print_dialog(doc, self)

    def export_form(self, target: Path | None = None) -> Path | None:
        """Save the processing form as PDF: to `target`, else where the user chooses."""
        doc = self.document.form_document()
        if doc is None:
            return None
        if target is None:
            detail = self.document.detail()
            name = (f"{detail.doc_number or detail.title}.pdf".replace("/", "_") if detail
                    else "form.pdf")
            chosen, _ = QFileDialog.getSaveFileName(self, self.tr("Save as PDF"),
                                                    str(Path.home() / name), "PDF (*.pdf)")
            if not chosen:
                return None
            target = Path(chosen)
        try:
            printing.export_pdf(doc, target)
        except OSError as exc:
            self.show_error(self.tr("Could not save: %1").replace("%1", str(exc)))
            return None
        self.status.showMessage(self.tr("Saved %1").replace("%1", str(target)), 6000)
        return target

    # -- notices -------------------------------------------------------------------------
    def reload_notices(self, keep: str | None = None) -> None:
        self.ctx.ops.db(self.ctx.notices, lambda rows: self.notices.set_rows(rows, keep),
                        lambda e: self.show_error(error_text(e)), owner=self, label="notices")

    def open_notice(self, notice_id: str) -> None:
        self.ctx.ops.db(lambda: self.ctx.notice_detail(notice_id), self.notices.set_detail,
                        lambda e: self.show_error(error_text(e)), owner=self, label="notice")

    def ack_notice(self, notice_id: str) -> None:
        def done(_r: object) -> None:
            self.notices.ack_done()
            self.reload_notices(keep=notice_id)
            self.open_notice(notice_id)
            self.refresh_counts()
            self.refresh_status()
            self.ctx.request_sync()

        def failed(exc: BaseException) -> None:
            self.notices.ack_done()
            self.show_error(error_text(exc))
        self.ctx.ops.db(lambda: self.ctx.ack_notice(notice_id), done, failed, owner=self,
                        label="ack")

    def compose_notice(self) -> None:
        def with_units(directory: tuple) -> None:
            dialog = NoticeComposeDialog(directory[0], self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            form = dialog.form()
            self.ctx.ops.db(lambda: self.ctx.publish_notice(form),
                            lambda _r: (self.status.showMessage(
                                self.tr("Notice queued for publication."), 6000),
                                self.reload_notices(), self.ctx.request_sync()),
                            lambda e: self.show_error(error_text(e)), owner=self,
                            label="publish")
        self.ctx.ops.db(self.ctx.directory, with_units, owner=self, label="dir")

    def show_receipts(self, notice_id: str) -> None:
        def show(result: tuple) -> None:
            status, names = result
            dialog = QDialog(self)
            dialog.setWindowTitle(self.tr("Receipts"))
            dialog.resize(640, 520)
            layout = QVBoxLayout(dialog)
            widget = ReceiptsWidget()
            widget.set_status(status, names)
            layout.addWidget(widget)
            self.receipts_dialog = dialog
            dialog.show()
        self.ctx.ops.db(lambda: self.ctx.receipts(notice_id), show,
                        lambda e: self.show_error(error_text(e)), owner=self, label="receipts")

    # -- problems ------------------------------------------------------------------------
    def reload_problems(self) -> None:
        self.ctx.ops.db(self.ctx.problems, lambda r: self.problems.set_items(*r),
                        lambda e: self.show_error(error_text(e)), owner=self, label="problems")

    def redo_problem(self, item: OutboxItem) -> None:
        if item.type == "task.complete":
            def done(target: tuple[str, str | None] | None) -> None:
                if target is None:
                    self.show_error(self.tr("The document no longer has a step for you. Your "
                                            "text is still kept here."))
                    return
                doc_id, task_id = target
                self.open_document(doc_id, task_id, prefill=SignRequest(
                    task_id=task_id or "", decision=item.data.get("decision", ""),
                    text=item.data.get("text", ""),
                    forward_to=list(item.data.get("forward_to") or []),
                    handwriting_png=None, go_next=False, redo_op_id=item.op_id))
            self.ctx.ops.db(lambda: self.ctx.redo_target(item), done,
                            lambda e: self.show_error(error_text(e)), owner=self, label="redo")
        else:
            self.ctx.ops.db(lambda: self.ctx.retry(item),
                            lambda _r: (self.reload_problems(), self.ctx.request_sync()),
                            lambda e: self.show_error(error_text(e)), owner=self, label="retry")

    def discard_problem(self, item: OutboxItem) -> None:
        answer = QMessageBox.question(
            self, self.tr("Discard"), self.tr("Discard this action? The text you wrote will "
                                              "be deleted."))
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.ctx.ops.db(lambda: self.ctx.discard(item),
                        lambda _r: (self.reload_problems(), self.refresh_counts()),
                        lambda e: self.show_error(error_text(e)), owner=self, label="discard")

    # -- status, sync, tray ------------------------------------------------------------
    def refresh_counts(self) -> None:
        def done(counts) -> None:  # noqa: ANN001
            self.nav.set_counts(counts)
            self.status.set_problems(counts.problems)
        self.ctx.ops.db(self.ctx.badge_counts, done, owner=self, label="counts")

    def refresh_status(self) -> None:
        def done(info) -> None:  # noqa: ANN001
            last, error, pending = info
            self.status.set_last_sync(last, error)
            self.status.set_pending(pending)
            self.status.set_online(self.ctx.online)
        self.ctx.ops.db(self.ctx.status_info, done, owner=self, label="status")

    def sync_now(self) -> None:
        self.status.set_syncing(True)
        self.ctx.request_sync()

    def _sync_event(self, kind: str, payload: object) -> None:
        """From the sync manager (queued to the GUI thread by the context)."""
        if kind == "started":
            self.status.set_syncing(True)
        elif kind in ("finished", "failed"):
            self.status.set_syncing(False)
            if kind == "failed" and payload:
                self.status.showMessage(str(payload), 8000)
            self.refresh_counts()
            self.refresh_status()
            if self.pages.currentWidget() is self.inbox_stack and \
                    self.inbox_stack.currentIndex() == 0:
                self.model.reload()
            elif self.pages.currentWidget() is self.notices:
                self.reload_notices()
            elif self.pages.currentWidget() is self.problems:
                self.reload_problems()
        elif kind == "online":
            self.status.set_online(bool(payload))
        elif kind in ("very_urgent", "urgent_notice"):
            ids = list(payload or [])  # type: ignore[call-overload]

            def announce(titles: dict[str, str]) -> None:
                for ident in ids:
                    if kind == "very_urgent":
                        self.tray.notify_document(ident, titles.get(ident, ""))
                    else:
                        self.tray.notify_notice(ident, titles.get(ident, ""))
            self.ctx.ops.db(lambda: self.ctx.titles(ids), announce, owner=self, label="tray")

    def _announced(self, _kind: str, _ident: str, heading: str, text: str) -> None:
        self.status.showMessage(self.tr("%1: %2").replace("%1", heading).replace("%2", text),
                                30_000)

    def _open_from_tray(self, kind: str, ident: str) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()
        if kind == "document":
            self.open_document(ident)
        else:
            self.nav.select("notices")
            self.reload_notices(keep=ident)

    def show_error(self, text: str) -> None:
        self.status.showMessage(text, 10_000)
        log.warning("shown to user: %s", text)

    # -- settings and lock ---------------------------------------------------------------
    def open_settings(self) -> None:
        from client.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx, self)
        dialog.exec()

    def lock(self) -> None:
        """Cover the window until the password is given again. What is under the cover is
        also hidden and disabled, so no shortcut (Ctrl+P, Ctrl+Enter signs), Tab focus or
        screen reader reaches a document while locked."""
        if self.lock_overlay.is_locked():
            return
        self._save_draft()
        self._set_content_locked(True)
        self.lock_overlay.lock()
        self.tray.set_locked(True)

    def _unlocked(self) -> None:
        self._set_content_locked(False)
        self.tray.set_locked(False)
        self.idle.poke()

    def _set_content_locked(self, locked: bool) -> None:
        central = self.centralWidget()
        central.setVisible(not locked)
        for w in (central, self.menuBar(), self.statusBar()):
            w.setEnabled(not locked)
        for action in self.actions():
            if action is not self._exit_action:
                action.setEnabled(not locked)
