"""A delivery of 待签收 read before it is signed for: title, 发文字号, 来文单位, 紧急程度,
主送/抄送, the body (PDF or text) and the attachments; the clerk then chooses 签收 or 拒收.

A double-click (or Enter) on the box opens this; it signed at once before, and 签收 cannot
be undone. The dialog only shows and answers which button was chosen; the page acts."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from client.services.clerk_desk import DeliveryPreview
from client.ui import fmt
from client.ui.document_view import DocumentView

FORM_TAB, BODY_TAB, ATTACHMENTS_TAB, HISTORY_TAB = range(4)


class DeliveryPreviewDialog(QDialog):
    chosen = Signal(str)        # "receive" or "refuse"
    fetch_blob = Signal(str)    # the body is not on this PC yet

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deliveryPreview")
        self.setWindowTitle(self.tr("Delivered document"))
        self.preview: DeliveryPreview | None = None
        self.resize(980, 760)
        layout = QVBoxLayout(self)
        self.facts = QFormLayout()
        self.facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.values: dict[str, QLabel] = {}
        for key, label in (("number", self.tr("Document number")),
                           ("issuer", self.tr("From")),
                           ("urgency", self.tr("Urgency")),
                           ("main", self.tr("Main recipients")),
                           ("cc", self.tr("Copy to")),
                           ("delivery", self.tr("This unit"))):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = value
            self.facts.addRow(label + "：", value)
        self.view = DocumentView()
        for w in (self.view.print_button, self.view.export_button, self.view.recall_button):
            w.hide()
        # Nothing is registered or routed yet: no 处理笺 and no 办理过程 to show.
        self.view.tabs.setTabVisible(FORM_TAB, False)
        self.view.tabs.setTabVisible(HISTORY_TAB, False)
        self.view.fetch_blob.connect(self.fetch_blob)
        layout.addWidget(self.view, 1)
        layout.addLayout(self.facts)
        self.note = QLabel()
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        buttons = QHBoxLayout()
        self.receive_button = QPushButton(self.tr("&Receive (签收)"))
        self.receive_button.setObjectName("primary")
        self.refuse_button = QPushButton(self.tr("Re&fuse…"))
        self.close_button = QPushButton(self.tr("Close"))
        for b in (self.receive_button, self.refuse_button, self.close_button):
            b.setMinimumHeight(36)
            b.setAutoDefault(False)
        # Enter in the dialog must not sign either: 关闭 is the default.
        self.close_button.setDefault(True)
        self.receive_button.clicked.connect(lambda: self._choose("receive"))
        self.refuse_button.clicked.connect(lambda: self._choose("refuse"))
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.receive_button)
        buttons.addWidget(self.refuse_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

    def _choose(self, what: str) -> None:
        self.accept()
        self.chosen.emit(what)

    def set_preview(self, p: DeliveryPreview) -> None:
        self.preview = p
        d, doc = p.delivery, p.document
        self.view.set_detail(doc, None, p.body)
        self.view.tabs.setCurrentIndex(BODY_TAB)
        self.values["number"].setText(doc.doc_number or "—")
        self.values["issuer"].setText(doc.issuer or d.sender_unit)
        self.values["urgency"].setText(fmt.urgency_text(doc.urgency) or self.tr("Normal"))
        self.values["main"].setText("、".join(doc.main_recipients) or "—")
        self.values["cc"].setText("、".join(doc.cc) or "—")
        role = self.tr("Main recipient") if d.role == "main" else self.tr("Copy")
        parts = [role]
        if d.sent_at is not None:
            parts.append(self.tr("delivered %1").replace("%1", fmt.datetime_text(d.sent_at)))
        if d.due_at is not None:
            parts.append((self.tr("receive by %1 (overdue)") if d.overdue else
                          self.tr("receive by %1")).replace("%1", fmt.datetime_text(d.due_at)))
        self.values["delivery"].setText("，".join(parts))
        free = not p.waiting and d.status == "pending"
        self.receive_button.setEnabled(free)
        self.refuse_button.setEnabled(free)
        self.note.setText("" if free else self.tr("Already received or refused here; "
                                                  "waiting to be sent."))
        self.note.setVisible(not free)
