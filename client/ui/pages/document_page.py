"""The open document: the document view beside the sign-off panel, and what they ask for
(signing, drafts, phrases, blobs, attachments, printing). The page refreshes itself
when a change touches the document it shows, keeping what is typed in the panel."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from client.changes import Changes
from client.types import Attachment, InboxRow, InboxView, RecallInfo, RecallOutcome, RecallStage
from client.ui import fmt, printing
from client.ui.context import AppContext, DocumentBundle
from client.ui.delivery import DeliveryWatch
from client.ui.document_view import DocumentView
from client.ui.pages import error_text
from client.ui.pages.system_open import open_copy
from client.ui.signoff_panel import SignoffPanel, SignRequest
from protocol.text_rules import clean_filename

log = logging.getLogger(__name__)

INBOX_KEYS = {InboxView.TODO: "todo", InboxView.CIRCULATE: "circulate"}


class DocumentPage(QWidget):
    back_requested = Signal()
    no_more_todo = Signal(str)  # the inbox view left without a task ("todo", …)
    message = Signal(str, int)   # text, milliseconds (the status bar)
    error = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._bundle: DocumentBundle | None = None
        self._open_request = 0
        self._prefill: SignRequest | None = None
        self._draft: tuple[str, str, str] | None = None
        self.delivery = DeliveryWatch(ctx, self)
        self.delivery.message.connect(self.message)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        back_row = QHBoxLayout()
        back_row.setContentsMargins(12, 6, 12, 0)
        self.back_button = QPushButton(self.tr("← &Back to list"))
        self.back_button.setObjectName("backButton")
        self.back_button.setToolTip(self.tr("Back to the list (Esc)"))
        self.back_button.clicked.connect(self.back_requested)
        back_row.addWidget(self.back_button)
        back_row_actions = back_row  # the document's own buttons join this row (below)
        back_row.addStretch(1)
        self.position_label = QLabel()
        self.position_label.setObjectName("muted")
        back_row.addWidget(self.position_label)
        layout.addLayout(back_row)
        self.doc_split = QSplitter()
        self.doc_split.setObjectName("documentSplit")
        self.document = DocumentView()
        self.document.office_name = ctx.unit_name
        # Print, PDF and 撤回 beside "Back to list": a row less above the tabs, which the
        # wrapped title needs at a large text size.
        back_row_actions.insertWidget(1, self.document.actions)
        self.signoff = SignoffPanel()
        # Scrolls rather than forcing the window taller than a 768-pixel screen.
        self.signoff_area = QScrollArea()
        self.signoff_area.setWidget(self.signoff)
        self.signoff_area.setWidgetResizable(True)
        self.signoff_area.setFrameShape(QFrame.Shape.NoFrame)
        # The panel folds its handwriting pad when it would not fit otherwise.
        self.signoff_area.viewport().installEventFilter(self)
        self.signoff_column = QWidget()
        column = QVBoxLayout(self.signoff_column)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.signoff.detach_header())  # always in view: step, deadline
        column.addWidget(self.signoff_area, 1)
        column.addWidget(self.signoff.detach_action_bar())  # always in view
        self.doc_split.addWidget(self.document)
        self.doc_split.addWidget(self.signoff_column)
        self.doc_split.setStretchFactor(0, 3)
        self.doc_split.setStretchFactor(1, 2)
        self.doc_split.setSizes([780, 420])
        layout.addWidget(self.doc_split, 1)

        self.signoff.sign_requested.connect(self.sign)
        self.signoff.save_phrase_requested.connect(self._save_phrase)
        self.signoff.draft_changed.connect(self._draft_changed)
        self.document.recall_requested.connect(self.recall)
        self.document.fetch_blob.connect(self._fetch_blob)
        self.document.open_attachment.connect(self._open_attachment)
        self.document.save_attachment.connect(self._save_attachment)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(800)
        self._draft_timer.timeout.connect(self.save_draft)

    # -- layout ---------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if watched is self.signoff_area.viewport() and event.type() == QEvent.Type.Resize:
            self.signoff.fit_height(self.signoff_area.viewport().height())
        return super().eventFilter(watched, event)

    def restore_split(self, state: object) -> None:
        if isinstance(state, QByteArray):
            self.doc_split.restoreState(state)

    def set_office_name(self, name: str) -> None:
        self.document.office_name = name

    # -- opening and refreshing -------------------------------------------------------------
    def open(self, document_id: str, task_id: str | None = None, *,
             prefill: SignRequest | None = None) -> None:
        self.save_draft()
        self._open_request += 1
        request = self._open_request
        self._prefill = prefill
        self.document.set_detail(None)
        self.document.title.setText(self.tr("Opening…"))
        self.signoff.set_task(None, [])

        def done(bundle: DocumentBundle) -> None:
            if request == self._open_request:
                self._show_bundle(bundle)
                if bundle.changes:
                    self.ctx.changes_applied.emit(bundle.changes)  # read: lists, badges

        self.ctx.ops.db(lambda: self.ctx.open_document(document_id, task_id), done,
                        lambda e: self.error.emit(error_text(e)), owner=self,
                        label="open_document")

    def apply_changes(self, changes: Changes) -> None:
        """Show the document again when `changes` touch it (its own sign-off confirmed,
        a new opinion, a re-routed task…); what is typed in the panel stays."""
        self.delivery.apply_changes(changes)
        if changes.directory:
            self.load_side_data()
        bundle = self._bundle
        if bundle is None or not bundle.shows(changes):
            return
        request = self._open_request
        doc_id = bundle.detail.id
        task_id = bundle.task.id if bundle.task else None

        def done(fresh: DocumentBundle) -> None:
            if request == self._open_request and self._bundle is not None \
                    and self._bundle.detail.id == doc_id:
                self._show_bundle(fresh, refreshed=True)

        self.ctx.ops.db(lambda: self.ctx.reload_document(doc_id, task_id), done,
                        lambda e: log.info("document %s not refreshed: %s", doc_id, e),
                        owner=self, label="refresh_document")

    def _show_bundle(self, bundle: DocumentBundle, *, refreshed: bool = False) -> None:
        previous = self._bundle
        self._bundle = bundle
        self.document.set_detail(bundle.detail, bundle.images, bundle.body)
        self.load_notes(bundle.detail.id)
        same_task = (refreshed and previous is not None and previous.task is not None
                     and bundle.task is not None and previous.task.id == bundle.task.id)
        if refreshed and not same_task:
            self.save_draft()  # the step changed under the panel: what was typed is kept
        # The same task again (a refresh): the person may be writing, so the panel keeps
        # its text, decision and strokes; only another task or none resets it.
        if not same_task and bundle.task is not None:
            prefill = self._prefill
            self._prefill = None
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
            # Another task: the panel starts at its top, not where the last one was left.
            self.signoff_area.verticalScrollBar().setValue(0)
            if not refreshed:
                self.signoff.opinion.setFocus()
        elif not same_task:
            self._prefill = None
            self.signoff.set_task(None, [])
        self.signoff_column.setVisible(bundle.task is not None)
        self.document.set_recall(bundle.recall, online=self.ctx.online)
        self.position_label.setText(fmt.urgency_text(bundle.detail.urgency))

    def load_notes(self, document_id: str) -> None:
        """The document's 留言 (sent, received, waiting to be sent)."""
        def done(notes: list) -> None:  # noqa: ANN001
            if self._bundle is not None and self._bundle.detail.id == document_id:
                self.document.set_notes(notes)
        self.ctx.ops.db(lambda: self.ctx.notes_of(document_id), done,
                        lambda e: log.info("notes of %s not shown: %s", document_id, e),
                        owner=self, label="notes")

    # -- signing ------------------------------------------------------------------------------
    def confirm_return(self) -> bool:
        """A 退回 cannot be taken back once sent: say whom it goes back to, and ask."""
        task = self._bundle.task if self._bundle else None
        back_to = self.signoff.person_name(task.created_by if task else None)
        text = (self.tr("Return this document to %1, who sent it to you? It goes back to "
                        "the previous step with your reason.").replace("%1", back_to)
                if back_to else
                self.tr("Return this document to the previous step? It goes back with "
                        "your reason."))
        answer = QMessageBox.question(
            self, self.tr("Return the document"), text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def sign(self, req: SignRequest) -> None:
        if req.decision == "return" and not self.confirm_return():
            return
        self.signoff.set_busy(True)
        view = self._view_of_task()

        def done(result: object) -> None:
            self.signoff.set_busy(False)
            self._draft = None
            self.delivery.queued(
                getattr(result, "op_id", None),
                online_text=self.tr("Signed. Sending it to the platform…"),
                offline_text=self.tr("Signed. Offline: it will be sent to the platform when "
                                     "the network is back."),
                delivered=self.tr("Sign-off delivered to the platform."),
                refused=self.tr("The platform did not accept the sign-off: see Problems."))
            self.ctx.request_sync()
            if req.go_next:
                self.open_next_todo(view)

        def failed(exc: BaseException) -> None:
            self.signoff.set_busy(False)
            self.signoff.show_error(error_text(exc))

        # The sign-off's changes (this document, its task) refresh this page after `done`.
        self.ctx.act(lambda: self.ctx.sign(req), done, failed, owner=self, label="sign")

    # -- 撤回 ---------------------------------------------------------------------------------
    def confirm_recall(self, info: RecallInfo) -> bool:
        """Recalling a sign-off is asked for, saying what happens to it."""
        if info.stage is RecallStage.QUEUED:
            text = self.tr("Recall your sign-off (%1)? It has not been sent yet: it is taken "
                           "back here, and the document returns to your to-do list with "
                           "your opinion kept as a draft.")
        else:
            text = self.tr("Recall your sign-off (%1)? The platform takes it back only while "
                           "the next step has not started; your opinion then returns as a "
                           "draft.")
        answer = QMessageBox.question(
            self, self.tr("Recall the sign-off"),
            text.replace("%1", fmt.decision_text(info.decision)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def recall(self, info: RecallInfo) -> None:
        if not self.confirm_recall(info):
            return
        self.document.recall_button.setEnabled(False)

        def done(out: RecallOutcome) -> None:
            if out.withdrawn:
                self.message.emit(self.tr("Recalled. It had not been sent; the document is "
                                          "back in your to-do list with your text."), 10_000)
                return
            self.delivery.queued(
                out.op_id,
                online_text=self.tr("Recall request sent to the platform…"),
                offline_text=self.tr("Recall request queued; it will be sent when the "
                                     "network is back."),
                delivered=self.tr("Recalled."),
                refused=self.tr("Cannot recall: the platform refused (see the document)."))
            self.ctx.request_sync()

        def failed(exc: BaseException) -> None:
            self.document.recall_button.setEnabled(True)
            self.error.emit(error_text(exc))

        self.ctx.act(lambda: self.ctx.recall(info.signoff_op_id), done, failed, owner=self,
                     label="recall")

    def _view_of_task(self) -> InboxView:
        """The list the open task belongs to: a 传阅 task's next is the next 传阅."""
        task = self._bundle.task if self._bundle else None
        return InboxView.CIRCULATE if task is not None and task.kind == "read" \
            else InboxView.TODO

    def open_next_todo(self, view: InboxView | None = None) -> None:
        """Open the next task to handle in `view` (default: the open task's own list)."""
        view = view or self._view_of_task()
        exclude = self._bundle.task.id if self._bundle and self._bundle.task else None
        self._open_request += 1  # leaving this document: a refresh of it is moot

        def done(row: InboxRow | None) -> None:
            if row is None:
                if view == InboxView.CIRCULATE:
                    self.message.emit(self.tr("Everything circulated to you has been read."),
                                      6000)
                else:
                    self.message.emit(self.tr("No more documents to do."), 6000)
                self.no_more_todo.emit(INBOX_KEYS[view])
                return
            self.open(row.document_id, row.task_id)

        self.ctx.ops.db(lambda: self.ctx.next_todo(exclude, view), done,
                        lambda e: self.error.emit(error_text(e)), owner=self, label="next")

    # -- drafts and phrases ---------------------------------------------------------------------
    def _draft_changed(self, task_id: str, decision: str, text: str) -> None:
        self._draft = (task_id, decision, text)
        self._draft_timer.start()

    def save_draft(self) -> None:
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

    def _set_phrases(self, phrases: object) -> None:
        self.signoff.set_phrases(phrases)  # type: ignore[arg-type]

    def load_side_data(self) -> None:
        self.ctx.ops.db(self.ctx.phrases, self._set_phrases, owner=self, label="phrases")
        self.ctx.ops.db(self.ctx.directory,
                        lambda d: self.signoff.set_directory(*d), owner=self, label="dir")

    # -- blobs and attachments ----------------------------------------------------------------
    def _fetch_blob(self, sha: str) -> None:
        if not self.ctx.online:
            return
        doc_id = self._bundle.detail.id if self._bundle else None

        def done(_ok: object) -> None:
            if self._bundle is not None and self._bundle.detail.id == doc_id:
                self.apply_changes(Changes(documents=frozenset({doc_id})))

        self.ctx.ops.net(lambda: self.ctx.download_blob(sha), done,
                         lambda e: log.info("blob %s not fetched: %s", sha, e), owner=self,
                         label="blob")

    def _attachment_bytes(self, att: Attachment, then) -> None:  # noqa: ANN001
        def done(data: bytes | None) -> None:
            if data is None:
                self.error.emit(self.tr("This attachment is not on this computer yet. It "
                                        "will be downloaded when the connection allows."))
                self._fetch_blob(att.sha256)
            else:
                then(data)
        self.ctx.ops.db(lambda: self.ctx.blob_bytes(att.sha256), done,
                        lambda e: self.error.emit(error_text(e)), owner=self, label="att")

    def _open_attachment(self, att: Attachment) -> None:
        def open_it(data: bytes) -> None:
            open_copy(self, self.ctx.profile.dir, att.name, data,
                      error=self.error.emit, message=self.message.emit)
        self._attachment_bytes(att, open_it)

    def _save_attachment(self, att: Attachment) -> None:
        target, _ = QFileDialog.getSaveFileName(self, self.tr("Save attachment"),
                                                str(Path.home() / clean_filename(att.name)))
        if not target:
            return

        def save(data: bytes) -> None:
            try:
                Path(target).write_bytes(data)
            except OSError as exc:
                self.error.emit(self.tr("Could not save: %1").replace("%1", str(exc)))
            else:
                self.message.emit(self.tr("Saved %1").replace("%1", target), 6000)
        self._attachment_bytes(att, save)

    # -- printing ------------------------------------------------------------------------------
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
            self.error.emit(self.tr("Could not save: %1").replace("%1", str(exc)))
            return None
        self.message.emit(self.tr("Saved %1").replace("%1", str(target)), 6000)
        return target
