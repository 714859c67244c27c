"""One document: the processing form, the body (PDF or text), attachments, routing."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QResizeEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client import messages
from client.services.notes import NoteRow
from client.types import (
    Attachment,
    DocumentDetail,
    OpinionView,
    RecallInfo,
    RecallStage,
    TaskInfo,
)
from client.ui import fmt, processing_form, theme
from client.ui.resources import icon

ATTACHMENT_ROLE = Qt.ItemDataRole.UserRole + 1


# The header (title, subtitle, notes) takes at most this share of the view's height; when
# its wrapped text is taller (200 % text on a short screen), it scrolls rather than cut.
HEADER_SHARE = 0.45


class DocumentView(QWidget):
    """Shows a DocumentDetail; asks (by signal) for blobs it does not hold yet."""

    open_attachment = Signal(object)   # Attachment
    save_attachment = Signal(object)   # Attachment
    fetch_blob = Signal(str)           # sha256 the body or a handwriting image needs
    print_requested = Signal()
    export_requested = Signal()
    recall_requested = Signal(object)  # RecallInfo: 撤回 my most recent sign-off

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Document"))
        self._detail: DocumentDetail | None = None
        self._images: dict[str, QImage] = {}
        self._pdf_buffer: QBuffer | None = None
        self.office_name = ""

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        # Title, subtitle and notes in a header that wraps in full: it is as tall as its
        # text, up to HEADER_SHARE of the view, and scrolls beyond (never cuts a line).
        self.header = QWidget()
        header_layout = QVBoxLayout(self.header)
        header_layout.setContentsMargins(0, 0, 0, 0)
        self.header_area = QScrollArea()
        self.header_area.setObjectName("documentHeader")
        self.header_area.setWidget(self.header)
        self.header_area.setWidgetResizable(True)
        self.header_area.setFrameShape(QFrame.Shape.NoFrame)
        self.header_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.header_area)
        self._header_timer = QTimer(self)
        self._header_timer.setSingleShot(True)
        self._header_timer.setInterval(0)
        self._header_timer.timeout.connect(self.fit_header)
        self.header_area.installEventFilter(self)
        top = QHBoxLayout()
        self.urgency_tag = QLabel()
        self.urgency_tag.hide()
        top.addWidget(self.urgency_tag, 0, Qt.AlignmentFlag.AlignTop)
        self.title = QLabel()
        self.title.setObjectName("viewTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.title, 1)
        self.print_button = QPushButton(icon("print"), self.tr("&Print…"))
        self.print_button.setToolTip(self.tr("Print the processing form with all opinions "
                                             "(Ctrl+P)"))
        self.print_button.clicked.connect(self.print_requested)
        self.export_button = QPushButton(self.tr("Save as P&DF…"))
        self.export_button.setToolTip(self.tr("Save the processing form as a PDF file"))
        self.export_button.clicked.connect(self.export_requested)
        header_layout.addLayout(top)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("muted")
        self.subtitle.setWordWrap(True)
        header_layout.addWidget(self.subtitle)
        # The buttons on a row of their own: beside the title they left it one character
        # per line at a large text size.
        self.actions = QWidget()
        self.actions.setObjectName("documentActions")
        actions = QHBoxLayout(self.actions)
        actions.setContentsMargins(0, 0, 0, 0)
        actions.addWidget(self.print_button)
        actions.addWidget(self.export_button)
        # 撤回: my own most recent sign-off on this document, while that is possible.
        self.recall_button = QPushButton(icon("undo"), self.tr("Re&call my sign-off…"))
        self.recall_button.setAccessibleName(self.tr("Recall my sign-off"))
        self.recall_button.clicked.connect(self._recall_clicked)
        self.recall_button.hide()
        actions.addWidget(self.recall_button)
        actions.addStretch(1)
        layout.insertWidget(1, self.actions)  # below the header (the page may move it)
        self.recall_note = QLabel()
        self.recall_note.setObjectName("muted")
        self.recall_note.setWordWrap(True)
        self.recall_note.hide()
        header_layout.addWidget(self.recall_note)
        self._recall: RecallInfo | None = None
        self.banner = QLabel()
        self.banner.setObjectName("errorBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        layout.addWidget(self.banner)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Document sections"))
        layout.addWidget(self.tabs, 1)

        self.form = QTextBrowser()
        self.form.setAccessibleName(self.tr("Processing form"))
        self.form.setOpenLinks(False)
        self.tabs.addTab(self.form, self.tr("Processing &form"))

        self.body_stack = QStackedWidget()
        self.pdf = QPdfDocument(self)
        self.pdf_view = QPdfView()
        self.pdf_view.setDocument(self.pdf)
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.pdf_view.setAccessibleName(self.tr("Document body"))
        self.body_text = QPlainTextEdit()
        self.body_text.setReadOnly(True)
        self.body_text.setFont(theme.serif_font(delta=2))
        self.body_text.setAccessibleName(self.tr("Document body"))
        self.body_missing = QLabel()
        self.body_missing.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body_missing.setWordWrap(True)
        for w in (self.pdf_view, self.body_text, self.body_missing):
            self.body_stack.addWidget(w)
        self.tabs.addTab(self.body_stack, self.tr("&Body"))

        attach_page = QWidget()
        attach_layout = QVBoxLayout(attach_page)
        self.attachments = QTreeWidget()
        self.attachments.setHeaderLabels([self.tr("Name"), self.tr("Size"), self.tr("State")])
        self.attachments.setRootIsDecorated(False)
        self.attachments.setAccessibleName(self.tr("Attachments"))
        self.attachments.setColumnWidth(0, 420)
        self.attachments.itemActivated.connect(
            lambda item, _c: self.open_attachment.emit(item.data(0, ATTACHMENT_ROLE)))
        attach_layout.addWidget(self.attachments, 1)
        row = QHBoxLayout()
        self.open_button = QPushButton(self.tr("&Open"))
        self.open_button.clicked.connect(lambda: self._emit_selected(self.open_attachment))
        self.save_button = QPushButton(self.tr("Save &as…"))
        self.save_button.clicked.connect(lambda: self._emit_selected(self.save_attachment))
        row.addWidget(self.open_button)
        row.addWidget(self.save_button)
        row.addStretch(1)
        attach_layout.addLayout(row)
        self.tabs.addTab(attach_page, icon("attachment"), self.tr("&Attachments"))

        self.history = QTreeWidget()
        self.history.setHeaderLabels([self.tr("Step"), self.tr("Person"), self.tr("State"),
                                      self.tr("Decision / opinion"), self.tr("Time"),
                                      self.tr("Signature")])
        self.history.setRootIsDecorated(False)
        self.history.setAccessibleName(self.tr("Routing history"))
        self.history.setColumnWidth(0, 90)
        self.history.setColumnWidth(1, 150)
        self.history.setColumnWidth(2, 80)
        self.history.setColumnWidth(3, 300)
        self.history.setColumnWidth(4, 190)
        self.tabs.addTab(self.history, self.tr("Routing &history"))

        # 留言: notes to and from me about this document (client.services.notes).
        self.notes = QTreeWidget()
        # The text last: it takes the rest of the width and wraps in full.
        self.notes.setHeaderLabels([self.tr("Time"), self.tr("From"), self.tr("To"),
                                    self.tr("State"), self.tr("Note")])
        self.notes.setRootIsDecorated(False)
        self.notes.setWordWrap(True)
        self.notes.setAccessibleName(self.tr("Notes"))
        for column, width in enumerate((190, 100, 100, 110)):
            self.notes.setColumnWidth(column, width)
        self._notes_tab = self.tabs.addTab(self.notes, self.tr("&Notes"))
        self.set_detail(None)

    # -- the header: as tall as its wrapped text, up to HEADER_SHARE of the view ------------
    def fit_header(self) -> None:
        width = self.header_area.viewport().width()
        layout = self.header.layout()
        needed = (layout.totalHeightForWidth(width) if layout.hasHeightForWidth()
                  else self.header.sizeHint().height())
        cap = max(40, int(self.height() * HEADER_SHARE))
        if needed > cap:
            # Scrolling: end the view on a whole line of the title, not through one.
            line = self.title.fontMetrics().lineSpacing()
            top = self.title.mapTo(self.header, self.title.rect().topLeft()).y()
            cap = top + max(1, (cap - top) // line) * line + 4
        height = min(needed, cap)
        if height != self.header_area.height() or self.header_area.minimumHeight() != height:
            self.header_area.setFixedHeight(height)

    def _fit_header_soon(self) -> None:
        self._header_timer.start()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self.fit_header()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if watched is self.header_area and event.type() == QEvent.Type.Resize:
            self._fit_header_soon()  # another width: another wrapped height
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_header_soon()
        if event.type() == QEvent.Type.FontChange:
            # The text size changed: the fonts chosen here are set explicitly (serif for
            # the body and the form), so they follow by hand; after the event loop turn,
            # because the style sheet pass that follows puts back the font it saw first.
            QTimer.singleShot(0, self, self._apply_fonts)

    def _apply_fonts(self) -> None:
        self.body_text.setFont(theme.serif_font(delta=2))
        if self._detail is not None:
            self._render_form()

    # -- 撤回 ----------------------------------------------------------------------------
    def set_recall(self, info: RecallInfo | None, *, online: bool) -> None:
        """Offer 撤回 of my most recent sign-off here, and say where it stands."""
        self._recall = info
        self.recall_button.setVisible(info is not None)
        if info is None:
            self.recall_note.hide()
            self.recall_button.setToolTip("")
            return
        self.recall_button.setEnabled(info.allowed)
        note = ""
        if info.stage is RecallStage.QUEUED:
            tip = self.tr("Your sign-off has not been sent yet: recalling it puts the "
                          "document back in your to-do list with your text kept.")
        elif info.stage is RecallStage.REQUESTED:
            tip = self.tr("A recall of your sign-off is waiting for the platform.")
            note = (self.tr("Recall request sent; waiting for the platform's answer.")
                    if online else
                    self.tr("Recall request queued; it will be sent when the network is "
                            "back."))
        elif info.stage is RecallStage.REFUSED or not info.allowed:
            # The platform's refusal stays in view; the sign-off stands as signed.
            tip = note = self.cannot_recall_text(info.reason)
        else:
            tip = self.tr("Take back your sign-off while the next step has not started. "
                          "The platform decides.")
        self.recall_button.setToolTip(tip)
        self.recall_note.setText(note)
        self.recall_note.setVisible(bool(note))
        self._fit_header_soon()

    def cannot_recall_text(self, code: str | None) -> str:
        """Why a recall is not possible, in the user's words."""
        if code in (None, "task.recall_too_late"):
            return self.tr("Cannot recall: the next step has already been handled.")
        return messages.render(code) if messages.known(code) else code

    def recall_info(self) -> RecallInfo | None:
        return self._recall

    def _recall_clicked(self) -> None:
        if self._recall is not None and self._recall.allowed:
            self.recall_requested.emit(self._recall)

    # -- content ----------------------------------------------------------------------
    def detail(self) -> DocumentDetail | None:
        return self._detail

    def set_detail(self, detail: DocumentDetail | None,
                   images: dict[str, bytes] | None = None,
                   body_bytes: bytes | None = None) -> None:
        self._detail = detail
        self._images = {}
        for sha, data in (images or {}).items():
            img = QImage.fromData(data)
            if not img.isNull():
                self._images[sha] = img
        enabled = detail is not None
        for w in (self.print_button, self.export_button, self.tabs):
            w.setEnabled(enabled)
        if detail is None:
            self.set_recall(None, online=False)
            self.title.setText(self.tr("Choose a document from the list"))
            self.title.setToolTip("")
            self._fit_header_soon()
            self.subtitle.setText("")
            self.urgency_tag.hide()
            self.banner.hide()
            self.form.clear()
            self.attachments.clear()
            self.history.clear()
            self.set_notes([])
            self.pdf.close()
            self.body_text.clear()
            return
        self.title.setText(detail.title)
        self.title.setToolTip(detail.title)
        self.subtitle.setText("  ·  ".join(p for p in (
            detail.issuer, detail.doc_number, detail.doc_type,
            self.tr("Received %1").replace("%1", fmt.datetime_text(detail.received_at))
            if detail.received_at else "",
            fmt.document_status_text(detail.status)) if p))
        if detail.urgency in ("very_urgent", "urgent"):
            self.urgency_tag.setObjectName("urgentTag" if detail.urgency == "very_urgent"
                                           else "hurryTag")
            self.urgency_tag.setText(fmt.urgency_text(detail.urgency))
            self.urgency_tag.style().unpolish(self.urgency_tag)
            self.urgency_tag.style().polish(self.urgency_tag)
            self.urgency_tag.show()
        else:
            self.urgency_tag.hide()
        if detail.digest and detail.local_digest and detail.digest != detail.local_digest:
            self.banner.setText(self.tr("Warning: this copy of the document does not match "
                                        "its digest from the platform. Do not sign it; sync "
                                        "again or contact the registry."))
            self.banner.show()
        else:
            self.banner.hide()
        self._fit_header_soon()
        self._show_form()
        self._show_body(detail, body_bytes)
        self._show_attachments(detail)
        self._show_history(detail)

    def form_document(self):  # noqa: ANN201 - QTextDocument, built fresh for printing
        if self._detail is None:
            return None
        return processing_form.build_document(self._detail, self._images,
                                              office_name=self.office_name, for_print=True)

    def _render_form(self) -> None:
        assert self._detail is not None
        doc = processing_form.build_document(self._detail, self._images,
                                             office_name=self.office_name)
        doc.setParent(self.form)
        self.form.setDocument(doc)

    def _show_form(self) -> None:
        assert self._detail is not None
        self._render_form()
        missing = [o.handwriting_sha256 for o in self._detail.opinions
                   if o.handwriting_sha256 and o.handwriting_sha256 not in self._images]
        for sha in missing:
            self.fetch_blob.emit(sha)

    def _show_body(self, detail: DocumentDetail, data: bytes | None) -> None:
        body = detail.body
        self.pdf.close()
        self._pdf_buffer = None
        if body is None:
            self.body_missing.setText(self.tr("This document has no body text."))
            self.body_stack.setCurrentWidget(self.body_missing)
            return
        if data is None:
            self.body_missing.setText(self.tr("The body (%1) has not been downloaded yet. It "
                                              "will appear here once the connection allows.")
                                      .replace("%1", fmt.size_text(body.size)))
            self.body_stack.setCurrentWidget(self.body_missing)
            self.fetch_blob.emit(body.sha256)
            return
        if body.media_type == "application/pdf" or data[:5] == b"%PDF-":
            # Blobs are encrypted at rest: the PDF is read from memory, never a temp file.
            buffer = QBuffer(self)
            buffer.setData(QByteArray(data))
            buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            self._pdf_buffer = buffer
            self.pdf.load(buffer)
            if self.pdf.status() == QPdfDocument.Status.Ready or self.pdf.pageCount() > 0:
                self.body_stack.setCurrentWidget(self.pdf_view)
                return
            self.body_missing.setText(self.tr("The body PDF could not be opened (%1).")
                                      .replace("%1", str(self.pdf.error().name)))
            self.body_stack.setCurrentWidget(self.body_missing)
            return
        self.body_text.setPlainText(data.decode("utf-8", errors="replace"))
        self.body_stack.setCurrentWidget(self.body_text)

    def _show_attachments(self, detail: DocumentDetail) -> None:
        self.attachments.clear()
        for att in detail.attachments:
            state = self.tr("On this computer") if att.available else self.tr("Not downloaded")
            item = QTreeWidgetItem([att.name, fmt.size_text(att.size), state])
            item.setIcon(0, icon("attachment"))
            item.setData(0, ATTACHMENT_ROLE, att)
            self.attachments.addTopLevelItem(item)
        count = len(detail.attachments)
        self.tabs.setTabText(2, self.tr("&Attachments (%1)").replace("%1", str(count)))
        if count:
            self.attachments.setCurrentItem(self.attachments.topLevelItem(0))
        self.open_button.setEnabled(bool(count))
        self.save_button.setEnabled(bool(count))

    def _show_history(self, detail: DocumentDetail) -> None:
        """The routing record in time order: signed opinions by when they were signed,
        then the steps still waiting, in the order the platform lists them."""
        self.history.clear()
        by_task = {}
        for o in detail.opinions:
            by_task.setdefault(o.task_id, []).append(o)
        signed: list[tuple[datetime, int, TaskInfo, OpinionView]] = []
        waiting: list[TaskInfo] = []
        for task in detail.tasks:
            opinions = by_task.get(task.id, [])
            if not opinions:
                waiting.append(task)
            for o in opinions:
                at = fmt.to_datetime(o.signed_at) or datetime.max.replace(tzinfo=UTC)
                signed.append((at, len(signed), task, o))
        for _at, _n, task, o in sorted(signed, key=lambda s: (s[0], s[1])):
            mark = processing_form.signature_mark(o)
            item = QTreeWidgetItem([fmt.task_kind_text(task.kind), o.author_name,
                                    self.tr("Recalled") if o.recalled
                                    else fmt.task_status_text(task.status),
                                    processing_form.opinion_line(o.decision, o.text),
                                    fmt.datetime_text(o.signed_at),
                                    f"{mark.symbol} {mark.text}"])
            item.setForeground(5, theme.QColor(mark.color))
            item.setToolTip(3, o.text)
            self.history.addTopLevelItem(item)
        for task in waiting:
            item = QTreeWidgetItem([fmt.task_kind_text(task.kind), task.assignee_name,
                                    fmt.task_status_text(task.status), "", "", ""])
            self.history.addTopLevelItem(item)

    def set_notes(self, notes: list[NoteRow]) -> None:
        """The document's 留言, oldest first; the tab says how many."""
        self.notes.clear()
        for n in notes:
            state = (self.tr("Waiting to be sent") if n.pending else
                     self.tr("Not accepted (see Problems)") if n.refused else "")
            item = QTreeWidgetItem([fmt.datetime_text(n.at), n.from_name, n.to_name, state,
                                    n.text])
            item.setToolTip(4, n.text)
            self.notes.addTopLevelItem(item)
        self.tabs.setTabText(self._notes_tab, self.tr("&Notes (%1)").replace(
            "%1", str(len(notes))) if notes else self.tr("&Notes"))

    def _emit_selected(self, signal: Signal) -> None:
        item = self.attachments.currentItem()
        if item is not None:
            att: Attachment = item.data(0, ATTACHMENT_ROLE)
            signal.emit(att)
