"""The problems page: ops the platform refused or that conflicted; redo, retry, discard."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from client.changes import Changes
from client.services.queue_view import QueuedOp
from client.services.sync_status import SyncStatusInfo
from client.types import OutboxItem, RecallOutcome
from client.ui.context import AppContext
from client.ui.desk_dialogs import NoteDialog
from client.ui.pages import error_text
from client.ui.problems_view import ProblemsView
from client.ui.signoff_panel import SignRequest


class ProblemsPage(QObject):
    """Drives a ProblemsView (`view`, the widget in the window's page stack)."""

    # document id, task id (or None), the kept sign-off to fill the panel with
    redo_in_document = Signal(str, object, object)
    error = Signal(str)
    message = Signal(str, int)  # text, milliseconds (the status bar)

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._parent = parent
        self.view = ProblemsView()
        self.view.redo_requested.connect(self.redo)
        self.view.discard_requested.connect(self.discard)
        self.view.recall_requested.connect(self.recall)
        self.view.note_requested.connect(self.send_note)
        self.view.me = ctx.user_id

    def reload(self) -> None:
        self.ctx.ops.db(self.ctx.problems, lambda r: self.view.set_items(*r),
                        lambda e: self.error.emit(error_text(e)), owner=self, label="problems")
        self.ctx.ops.db(self.ctx.waiting_ops, self.view.set_queue,
                        lambda e: self.error.emit(error_text(e)), owner=self, label="queue")

    def show_status(self, info: SyncStatusInfo) -> None:
        """The window's one sync state (what the status bar shows too)."""
        self.view.set_waiting(info.unsent)

    def apply_changes(self, changes: Changes, *, visible: bool) -> None:
        if visible and (changes.outbox or changes.everything):
            self.reload()

    def redo(self, item: OutboxItem) -> None:
        if item.type == "task.complete":
            def done(target: tuple[str, str | None] | None) -> None:
                if target is None:
                    self.error.emit(self.tr("The document no longer has a step for you. Your "
                                            "text is still kept here."))
                    return
                doc_id, task_id = target
                self.redo_in_document.emit(doc_id, task_id, SignRequest(
                    task_id=task_id or "", decision=item.data.get("decision", ""),
                    text=item.data.get("text", ""),
                    forward_to=list(item.data.get("forward_to") or []),
                    handwriting_png=None, go_next=False, redo_op_id=item.op_id))
            self.ctx.ops.db(lambda: self.ctx.redo_target(item), done,
                            lambda e: self.error.emit(error_text(e)), owner=self, label="redo")
        else:
            self.ctx.act(lambda: self.ctx.retry(item), lambda _r: self.ctx.request_sync(),
                         lambda e: self.error.emit(error_text(e)), owner=self, label="retry")

    def discard(self, item: OutboxItem) -> None:
        answer = QMessageBox.question(
            self._parent, self.tr("Discard"),
            self.tr("Discard this action? The text you wrote will be deleted."))
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.ctx.act(lambda: self.ctx.discard(item), None,
                     lambda e: self.error.emit(error_text(e)), owner=self, label="discard")

    def note_dialog(self, item: OutboxItem) -> NoteDialog | None:
        """The note to the step's current holder, prefilled with what the user wrote."""
        target = self.view.holder_of(item)
        if target is None:
            return None
        _doc, _holder, name = target
        subject = self.view.subject_of(item)
        heading = (self.tr("Note to %1 about \u201c%2\u201d").replace("%1", name)
                   .replace("%2", subject) if subject else
                   self.tr("Note to %1").replace("%1", name))
        return NoteDialog(heading, self.view.kept_text(item), self._parent)

    def send_note(self, item: OutboxItem) -> None:
        dialog = self.note_dialog(item)
        if dialog is None or not dialog.exec():
            return
        self.send_note_from(item, dialog)

    def send_note_from(self, item: OutboxItem, dialog: NoteDialog) -> None:
        """Queue the note the dialog holds (offline like every op), then sync."""
        target = self.view.holder_of(item)
        if target is None:
            return
        doc_id, holder_id, name = target
        text, dismiss = dialog.reason(), dialog.dismiss.isChecked()

        def done(_sent: object) -> None:
            self.message.emit(self.tr("Note to %1 queued; it is sent with the next sync.")
                              .replace("%1", name), 10_000)
            self.reload()
            self.ctx.request_sync()
        self.ctx.act(lambda: self.ctx.send_note(doc_id, holder_id, text, about_op_id=item.op_id,
                                                dismiss=dismiss), done,
                     lambda e: self.error.emit(error_text(e)), owner=self, label="note")

    def recall(self, op: QueuedOp) -> None:
        """撤回 a sign-off from the queue: withdrawn if it was never sent, else the
        platform is asked (client.services.recall decides, in one transaction)."""
        answer = QMessageBox.question(
            self._parent, self.tr("Recall the sign-off"),
            self.tr("Recall your sign-off on %1? If it has not been sent yet it is taken "
                    "back here and the document returns to your to-do list with your "
                    "opinion kept as a draft.").replace("%1", op.doc_number or op.subject),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return

        def done(out: RecallOutcome) -> None:
            if out.withdrawn:
                self.message.emit(self.tr("Recalled. It had not been sent; the document is "
                                          "back in your to-do list with your text."), 10_000)
            else:
                self.message.emit(
                    self.tr("It was already being sent: a recall request was queued; the "
                            "platform decides."), 10_000)
                self.ctx.request_sync()

        self.ctx.act(lambda: self.ctx.recall(op.op_id), done,
                     lambda e: self.error.emit(error_text(e)), owner=self, label="recall")
