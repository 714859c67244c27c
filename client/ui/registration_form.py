"""The 登记 form with 分办 in one screen: big fields prefilled from the delivered document
(or typed for a scanned paper document), the body shown beside it in the document view,
and the route: the office head (拟办) or leaders straight away (批示), 传阅 readers and
the due date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from client.services.clerk_desk import RegistrationForm, RouteTask, RoutingPeople
from client.textfmt import CHINA_TZ
from client.types import Person
from client.ui import fmt, theme
from client.ui.document_view import DocumentView
from protocol.outgoing_rules import DOC_TYPES

PERSON_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class RegistrationInput:
    """What the clerk entered: the metadata, the route, and a scanned PDF if any."""

    document_id: str | None
    doc_number: str
    issuer: str
    doc_type: str
    title: str
    urgency: str
    signatory: str
    issued_on: str
    notes: str
    tasks: list[RouteTask] = field(default_factory=list)
    scan_path: Path | None = None


class RegistrationFormView(QWidget):
    submitted = Signal(object)   # RegistrationInput
    back_requested = Signal()
    scan_chosen = Signal(object)  # Path: the page shows it in the preview

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Registration"))
        self._form = RegistrationForm(document_id=None, delivery_id=None)
        self.scan_path: Path | None = None
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        self.heading = QLabel(self.tr("Register and route"))
        self.heading.setObjectName("viewTitle")
        top.addWidget(self.heading, 1)
        self.back_button = QPushButton(self.tr("← &Back to the desk"))
        self.back_button.clicked.connect(self.back_requested)
        top.addWidget(self.back_button)
        outer.addLayout(top)
        self.source = QLabel()
        self.source.setObjectName("muted")
        self.source.setWordWrap(True)
        outer.addWidget(self.source)

        self.split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(self.split, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 8, 0)
        big = theme.ui_font(delta=2)

        meta = QGroupBox(self.tr("Registration (登记)"))
        form = QFormLayout(meta)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.issuer = QLineEdit()
        self.doc_number = QLineEdit()
        self.doc_type = QComboBox()
        for t in DOC_TYPES:
            self.doc_type.addItem(t, t)
        # Two lines: an official title is often longer than one line of the form.
        self.title = QPlainTextEdit()
        self.title.setTabChangesFocus(True)
        self.urgency = QComboBox()
        for key, label in (("normal", self.tr("Normal")), ("urgent", self.tr("Urgent (加急)")),
                           ("very_urgent", self.tr("Extra urgent (特急)"))):
            self.urgency.addItem(label, key)
        self.signatory = QLineEdit()
        self.issued_on = QLineEdit()
        self.issued_on.setPlaceholderText("2026-03-02")
        self.notes = QLineEdit()
        self.registration_number = QLabel()
        self.registration_number.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        for w in (self.issuer, self.doc_number, self.doc_type, self.title, self.urgency,
                  self.signatory, self.issued_on, self.notes):
            w.setFont(big)
            w.setMinimumHeight(36)
        line = self.title.fontMetrics().lineSpacing()
        self.title.setFixedHeight(2 * line + 16)
        form.addRow(self.tr("Issuing &body:"), self.issuer)
        form.addRow(self.tr("&Title:"), self.title)
        form.addRow(self.tr("Document &number:"), self.doc_number)
        form.addRow(self.tr("&Kind:"), self._pair(self.doc_type, self.tr("&Urgency:"),
                                                   self.urgency))
        form.addRow(self.tr("&Signed by:"), self._pair(self.signatory,
                                                        self.tr("Date of &issue:"),
                                                        self.issued_on))
        form.addRow(self.tr("N&otes:"), self.notes)
        form.addRow(self.tr("Registration no.:"), self.registration_number)
        scan_row = QHBoxLayout()
        self.scan_label = QLabel()
        self.scan_label.setWordWrap(True)
        self.scan_button = QPushButton(self.tr("Choose scanned &PDF…"))
        self.scan_button.clicked.connect(self._choose_scan)
        scan_row.addWidget(self.scan_label, 1)
        scan_row.addWidget(self.scan_button)
        form.addRow(self.tr("Body:"), scan_row)
        left_layout.addWidget(meta)

        route = QGroupBox(self.tr("Routing (分办)"))
        outer_route = QVBoxLayout(route)
        columns = QHBoxLayout()
        outer_route.addLayout(columns)
        rl = QVBoxLayout()          # who acts: 拟办 or 批示
        readers_col = QVBoxLayout()  # who reads: 传阅
        columns.addLayout(rl, 1)
        columns.addLayout(readers_col, 1)
        self.to_head = QRadioButton(self.tr("To the office head to &propose (拟办)"))
        self.to_leaders = QRadioButton(self.tr("Straight to &leaders for instructions (批示)"))
        self.route_group = QButtonGroup(self)
        self.route_group.addButton(self.to_head)
        self.route_group.addButton(self.to_leaders)
        self.to_head.setChecked(True)
        self.head = QComboBox()
        self.head.setAccessibleName(self.tr("Office head"))
        self.head.setFont(big)
        self.leaders = QListWidget()
        self.leaders.setAccessibleName(self.tr("Leaders"))
        self.leaders.setMaximumHeight(110)
        rl.addWidget(self.to_head)
        rl.addWidget(self.head)
        rl.addWidget(self.to_leaders)
        rl.addWidget(self.leaders)
        readers_col.addWidget(QLabel(self.tr("Circulate to (传阅):")))
        self.reader_filter = QLineEdit()
        self.reader_filter.setPlaceholderText(self.tr("Filter by name or unit"))
        self.reader_filter.textChanged.connect(self._filter_readers)
        readers_col.addWidget(self.reader_filter)
        self.readers = QListWidget()
        self.readers.setAccessibleName(self.tr("Readers"))
        self.readers.setMaximumHeight(150)
        readers_col.addWidget(self.readers)
        due_row = QHBoxLayout()
        self.has_due = QCheckBox(self.tr("&Due by:"))
        self.has_due.setChecked(True)
        self.due = QDateEdit()
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.due.setDate(QDate.currentDate().addDays(3))
        self.has_due.toggled.connect(self.due.setEnabled)
        due_row.addWidget(self.has_due)
        due_row.addWidget(self.due)
        due_row.addStretch(1)
        left_layout.addWidget(route)
        self.error = QLabel()
        self.error.setObjectName("errorBanner")
        self.error.setWordWrap(True)
        self.error.hide()
        left_layout.addWidget(self.error)
        self.submit_button = QPushButton(self.tr("&Register and route"))
        self.submit_button.setObjectName("primary")
        self.submit_button.setMinimumHeight(40)
        self.submit_button.clicked.connect(self._submit)
        due_row.addWidget(self.submit_button)
        left_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(left)
        # The due date and the button stay in sight below the fields, however they scroll.
        pane = QWidget()
        pane_layout = QVBoxLayout(pane)
        pane_layout.setContentsMargins(0, 0, 0, 0)
        pane_layout.addWidget(scroll, 1)
        pane_layout.addLayout(due_row)
        self.split.addWidget(pane)
        self.preview = DocumentView()
        self.preview.print_button.hide()
        self.preview.export_button.hide()
        self.split.addWidget(self.preview)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([620, 560])
        self.to_head.toggled.connect(self._route_mode)
        self._route_mode()

    # -- filling ----------------------------------------------------------------------
    def set_people(self, people: RoutingPeople) -> None:
        self.head.clear()
        for p in people.office_heads:
            self.head.addItem(self._person_text(p), p.id)
        self.leaders.clear()
        for p in people.leaders:
            self.leaders.addItem(self._checkable(p))
        self.readers.clear()
        for p in people.everyone:
            self.readers.addItem(self._checkable(p))
        if not people.office_heads:
            self.to_leaders.setChecked(True)
        self.to_head.setEnabled(bool(people.office_heads))

    @staticmethod
    def _pair(first: QWidget, label: str, second: QWidget) -> QWidget:
        """Two short fields on one row (文种 and 紧急程度; 签发人 and 成文日期)."""
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(first, 1)
        buddy = QLabel(label)
        buddy.setBuddy(second)
        row.addWidget(buddy)
        row.addWidget(second, 1)
        return box

    @staticmethod
    def _person_text(p: Person) -> str:
        return "  ".join(x for x in (p.display_name, p.unit_name, p.title) if x)

    def _checkable(self, p: Person) -> QListWidgetItem:
        item = QListWidgetItem(self._person_text(p))
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        item.setData(PERSON_ROLE, p.id)
        return item

    def set_form(self, form: RegistrationForm) -> None:
        self._form = form
        self.scan_path = None
        self.error.hide()
        self.issuer.setText(form.issuer)
        self.doc_number.setText(form.doc_number)
        i = self.doc_type.findData(form.doc_type)
        self.doc_type.setCurrentIndex(max(0, i))
        self.title.setPlainText(form.title)
        self.urgency.setCurrentIndex(max(0, self.urgency.findData(form.urgency)))
        self.signatory.setText(form.signatory)
        self.issued_on.setText(form.issued_on)
        self.notes.setText(form.notes)
        self.registration_number.setText(form.registration_number
                                         or self.tr("(given by the platform)"))
        scanned = form.document_id is None
        self.scan_button.setVisible(scanned)
        for w in (self.issuer, self.doc_type, self.signatory, self.issued_on):
            w.setEnabled(scanned)  # as printed on the delivered document: not retyped
        if scanned:
            self.heading.setText(self.tr("Register a paper document"))
            self.source.setText(self.tr("A paper document scanned to PDF: type its details "
                                        "as printed, choose the scan, and route it."))
            self.scan_label.setText(self.tr("No file chosen"))
        else:
            self.heading.setText(self.tr("Register and route"))
            received = fmt.datetime_text(form.received_at) if form.received_at else ""
            self.source.setText(self.tr("Received through the exchange %1. The details are "
                                        "taken from the document; correct the title, "
                                        "number, urgency or notes if needed.")
                                .replace("%1", received))
            self.scan_label.setText(self.tr("From the exchange (see the preview)"))
        for lst in (self.leaders, self.readers):
            for r in range(lst.count()):
                lst.item(r).setCheckState(Qt.CheckState.Unchecked)

    def set_scan(self, path: Path) -> None:
        self.scan_path = path
        self.scan_label.setText(path.name)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    # -- behaviour ---------------------------------------------------------------------
    def _route_mode(self) -> None:
        head = self.to_head.isChecked()
        self.head.setEnabled(head)
        self.leaders.setEnabled(not head)

    def _filter_readers(self, text: str) -> None:
        text = text.strip()
        for r in range(self.readers.count()):
            item = self.readers.item(r)
            item.setHidden(bool(text) and text not in item.text())

    def _choose_scan(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose the scanned document"),
                                              str(Path.home()), self.tr("PDF files (*.pdf)"))
        if path:
            self.set_scan(Path(path))
            self.scan_chosen.emit(Path(path))

    def check_person(self, lst: QListWidget, user_id: str, checked: bool = True) -> None:
        for r in range(lst.count()):
            if lst.item(r).data(PERSON_ROLE) == user_id:
                lst.item(r).setCheckState(Qt.CheckState.Checked if checked
                                          else Qt.CheckState.Unchecked)

    @staticmethod
    def _checked(lst: QListWidget) -> list[str]:
        return [lst.item(r).data(PERSON_ROLE) for r in range(lst.count())
                if lst.item(r).checkState() == Qt.CheckState.Checked]

    def tasks(self) -> list[RouteTask]:
        due = None
        if self.has_due.isChecked():
            d = self.due.date()
            due = datetime.combine(datetime(d.year(), d.month(), d.day()).date(),
                                   time(17, 30), CHINA_TZ)
        out: list[RouteTask] = []
        if self.to_head.isChecked():
            head = self.head.currentData()
            if head:
                out.append(RouteTask(str(head), "propose", due))
        else:
            out += [RouteTask(uid, "instruct", due) for uid in self._checked(self.leaders)]
        out += [RouteTask(uid, "read") for uid in self._checked(self.readers)]
        return out

    def value(self) -> RegistrationInput:
        return RegistrationInput(
            document_id=self._form.document_id, doc_number=self.doc_number.text().strip(),
            issuer=self.issuer.text().strip(), doc_type=str(self.doc_type.currentData()),
            title=" ".join(self.title.toPlainText().split()), urgency=str(self.urgency.currentData()),
            signatory=self.signatory.text().strip(), issued_on=self.issued_on.text().strip(),
            notes=self.notes.text().strip(), tasks=self.tasks(), scan_path=self.scan_path)

    def _submit(self) -> None:
        value = self.value()
        if not value.title:
            self.show_error(self.tr("Please fill in the title."))
            return
        if value.document_id is None and value.scan_path is None:
            self.show_error(self.tr("Please choose the scanned PDF of the document."))
            return
        if not any(t.kind != "read" for t in value.tasks):
            self.show_error(self.tr("Please choose the office head, or at least one leader."))
            return
        self.error.hide()
        self.submitted.emit(value)
