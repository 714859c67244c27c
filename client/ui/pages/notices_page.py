"""The notices page (通知公告): the list and reading pane, 确认收到, compose, receipts."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from client.changes import Changes
from client.types import Attachment, NoticeDetail, NoticeRow
from client.ui.context import AppContext, Queued
from client.ui.delivery import DeliveryWatch
from client.ui.notice_compose import NoticeComposeDialog, NoticeForm
from client.ui.notices_view import NoticesView, ReceiptsWidget
from client.ui.pages import error_text
from client.ui.pages.system_open import open_copy


class NoticesPage(QObject):
    """Drives a NoticesView (`view`, the widget in the window's page stack)."""

    message = Signal(str, int)
    error = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._parent = parent
        self.view = NoticesView()
        self.view.set_publisher("publisher" in ctx.roles, ctx.user_id)
        self.view.notice_selected.connect(self.open_notice)
        self.view.ack_requested.connect(self.ack_notice)
        self.view.compose_requested.connect(self.compose)
        self.view.receipts_requested.connect(self.show_receipts)
        self.view.open_attachment.connect(self.open_attachment)
        self.receipts_dialog: QDialog | None = None
        self.delivery = DeliveryWatch(ctx, self)
        self.delivery.message.connect(self.message)

    def reload(self, keep: str | None = None) -> None:
        """The list again; `keep` is selected (and so opened) when listed."""
        self.ctx.ops.db(self.ctx.notices, lambda rows: self.view.set_rows(rows, keep),
                        lambda e: self.error.emit(error_text(e)), owner=self, label="notices")

    def apply_changes(self, changes: Changes, *, visible: bool) -> None:
        self.delivery.apply_changes(changes)
        if not visible or not (changes.notices or changes.everything):
            return
        shown = self.view._detail.row.id if self.view._detail is not None else None

        def relist(rows: list[NoticeRow]) -> None:
            # Re-selecting the shown notice is not a new reading: no signal, no receipt.
            selection = self.view.list.selectionModel()
            selection.blockSignals(True)
            try:
                self.view.set_rows(rows, shown)
            finally:
                selection.blockSignals(False)

        self.ctx.ops.db(self.ctx.notices, relist, lambda e: self.error.emit(error_text(e)),
                        owner=self, label="notices")
        if shown is not None and (shown in changes.notices or changes.everything):
            def again(detail: NoticeDetail) -> None:
                current = self.view._detail
                if current is not None and current.row.id == shown:
                    self.view.set_detail(detail)
            self.ctx.ops.db(lambda: self.ctx.notice_again(shown), again,
                            lambda e: self.view.set_detail(None), owner=self, label="notice")

    def open_notice(self, notice_id: str) -> None:
        self.ctx.ops.db(lambda: self.ctx.notice_detail(notice_id), self.view.set_detail,
                        lambda e: self.error.emit(error_text(e)), owner=self, label="notice")

    def open_attachment(self, att: Attachment, *, fetched: bool = False) -> None:
        """Open a notice's attachment with the system's program for it; fetch it first
        when it is not on this computer yet (and the platform can be reached)."""
        def open_it(data: bytes | None) -> None:
            if data is not None:
                open_copy(self.view, self.ctx.profile.dir, att.name, data,
                          error=self.error.emit, message=self.message.emit)
            elif self.ctx.online and not fetched:
                self.message.emit(self.tr("Downloading the attachment…"), 4000)
                self.ctx.ops.net(lambda: self.ctx.download_blob(att.sha256),
                                 lambda _ok: self.open_attachment(att, fetched=True),
                                 lambda e: self.error.emit(error_text(e)), owner=self,
                                 label="notice.attachment")
            else:
                self.error.emit(self.tr("This attachment is not on this computer yet. It "
                                        "will be downloaded when the connection allows."))
        self.ctx.ops.db(lambda: self.ctx.blob_bytes(att.sha256), open_it,
                        lambda e: self.error.emit(error_text(e)), owner=self,
                        label="notice.attachment")

    def ack_notice(self, notice_id: str) -> None:
        def done(_r: object) -> None:
            self.view.ack_done()
            self.ctx.request_sync()

        def failed(exc: BaseException) -> None:
            self.view.ack_done()
            self.error.emit(error_text(exc))
        self.ctx.act(lambda: self.ctx.ack_notice(notice_id), done, failed, owner=self,
                     label="ack")

    def compose(self) -> None:
        def with_units(directory: tuple) -> None:
            dialog = NoticeComposeDialog(directory[0], self._parent)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
            self.publish(dialog.form())
        self.ctx.ops.db(self.ctx.directory, with_units, owner=self, label="dir")

    def publish(self, form: NoticeForm) -> None:
        """Queue the notice (works offline): listed at once as waiting to be sent."""
        def done(queued: Queued) -> None:
            self.delivery.queued(
                queued.op_id,
                online_text=self.tr("Notice submitted: sending it to the platform…"),
                offline_text=self.tr("Notice submitted. Offline: it will be published when "
                                     "the network is back."),
                delivered=self.tr("Notice published on the platform."),
                refused=self.tr("The platform did not publish the notice: see Problems."))
            self.ctx.request_sync()
        self.ctx.act(lambda: self.ctx.publish_notice(form), done,
                     lambda e: self.error.emit(error_text(e)), owner=self, label="publish")

    def show_receipts(self, notice_id: str) -> None:
        def show(result: tuple) -> None:
            status, names = result
            dialog = QDialog(self._parent)
            dialog.setWindowTitle(self.tr("Receipts"))
            dialog.resize(640, 520)
            layout = QVBoxLayout(dialog)
            widget = ReceiptsWidget()
            widget.set_status(status, names)
            layout.addWidget(widget)
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
            buttons.rejected.connect(dialog.reject)
            layout.addWidget(buttons)
            self.receipts_dialog = dialog
            dialog.show()
        self.ctx.ops.db(lambda: self.ctx.receipts(notice_id), show,
                        lambda e: self.error.emit(error_text(e)), owner=self, label="receipts")
