"""拟稿: the form of a 发文 draft — its GB/T 9704 elements, route and 正文.

The form only holds what the drafter typed; every change starts a short timer and then
emits `save_requested` (the page stores the draft on the database thread), so typing
never waits on the disk and a crash loses at most the last moment. 提交 emits
`submit_requested`; the checks are the services' (client.services.drafting).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from client.services.drafting import DraftChoices, DraftInfo, PersonChoice, Recipient
from client.ui.body_editor import BodyEditor
from protocol import outgoing_rules as rules

AUTOSAVE_MS = 800
_DATA = Qt.ItemDataRole.UserRole + 1


class RecipientDialog(QDialog):
    """Pick 主送 or 抄送: groups (各镇人民政府, 市政府各部门) and single units, checkable."""

    def __init__(self, title: str, choices: list[Recipient], chosen: list[dict[str, Any]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(420, 520)
        layout = QVBoxLayout(self)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter units"))
        self.filter.textChanged.connect(self._filter)
        layout.addWidget(self.filter)
        self.list = QListWidget()
        names = {c["name"] for c in chosen}
        for r in choices:
            label = self.tr("%1 (%2 units)").replace("%1", r.name).replace(
                "%2", str(len(r.unit_ids))) if r.is_group else r.name
            item = QListWidgetItem(label)
            item.setData(_DATA, r)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if r.name in names
                               else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        # A click on a unit's name ticks it too, not only a click on its small box (which
        # Qt toggles itself: then the state has changed by the time of `itemClicked`).
        self._pressed_state: Qt.CheckState | None = None
        self.list.itemPressed.connect(
            lambda item: setattr(self, "_pressed_state", item.checkState()))
        self.list.itemClicked.connect(self._clicked)
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _clicked(self, item: QListWidgetItem) -> None:
        if self._pressed_state is not None and item.checkState() == self._pressed_state:
            item.setCheckState(Qt.CheckState.Unchecked
                               if item.checkState() == Qt.CheckState.Checked
                               else Qt.CheckState.Checked)
        self._pressed_state = None

    def _filter(self, text: str) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(text) and text not in item.text())

    def chosen(self) -> list[dict[str, Any]]:
        out = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(_DATA).wire())
        return out


class DraftEditor(QWidget):
    save_requested = Signal(str, object, object)   # draft id, fields, body
    submit_requested = Signal(str)                 # draft id (saved first)
    delete_requested = Signal(str)
    attach_requested = Signal(str)                 # draft id: choose files

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("draftEditor")
        self._draft_id: str | None = None
        self._choices = DraftChoices([], [], [], [], [])
        self._main: list[dict[str, Any]] = []
        self._cc: list[dict[str, Any]] = []
        self._countersigners: list[str] = []
        self._attachments: list[dict[str, Any]] = []
        self._loading = False
        self.autosave = QTimer(self)
        self.autosave.setSingleShot(True)
        self.autosave.setInterval(AUTOSAVE_MS)
        self.autosave.timeout.connect(self.save_now)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        self.heading = QLabel(self.tr("Draft"))
        self.heading.setObjectName("sectionTitle")
        outer.addWidget(self.heading)
        split = QSplitter(Qt.Orientation.Horizontal)
        outer.addWidget(split, 1)

        form_host = QWidget()
        form = QFormLayout(form_host)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.doc_type = QComboBox()
        self.doc_type.addItems(list(rules.DOC_TYPES))
        form.addRow(self.tr("Kind (文种):"), self.doc_type)
        self.title = QLineEdit()
        self.title.setMaxLength(rules.MAX_TITLE)
        self.title.setPlaceholderText(self.tr("关于……的通知"))
        # A title is longer than the field: once typed (or loaded) it shows from its first
        # character, and the whole title is in the tooltip. QLineEdit keeps it scrolled to
        # the cursor at the end, which hid the start ("于做好…" for "关于做好…").
        self.title.editingFinished.connect(self._show_title_start)
        self.title.textChanged.connect(self._title_changed)
        form.addRow(self.tr("&Title:"), self.title)
        self.main_button = QPushButton(self.tr("Choose…"))
        self.main_label = QLabel()
        self.main_label.setWordWrap(True)
        form.addRow(self.tr("Main recipients:"), self._row(self.main_button, self.main_label))
        self.cc_button = QPushButton(self.tr("Choose…"))
        self.cc_label = QLabel()
        self.cc_label.setWordWrap(True)
        form.addRow(self.tr("Copy to:"), self._row(self.cc_button, self.cc_label))
        self.classification = QComboBox()
        self.classification.addItem(self.tr("None"), "none")
        self.classification.addItem(self.tr("Internal"), "internal")
        form.addRow(self.tr("Classification:"), self.classification)
        self.urgency = QComboBox()
        for value, label in (("normal", self.tr("Normal")), ("urgent", self.tr("Urgent")),
                             ("very_urgent", self.tr("Very urgent"))):
            self.urgency.addItem(label, value)
        form.addRow(self.tr("Urgency:"), self.urgency)
        self.series = QComboBox()
        form.addRow(self.tr("Number series:"), self.series)
        self.signatory = QComboBox()
        self.signatory_label = QLabel(self.tr("Signs for issue:"))
        form.addRow(self.signatory_label, self.signatory)
        self.reviewer = QComboBox()
        form.addRow(self.tr("Reviewer (核稿):"), self.reviewer)
        self.countersign_button = QPushButton(self.tr("Choose…"))
        self.countersign_label = QLabel()
        self.countersign_label.setWordWrap(True)
        form.addRow(self.tr("Countersign (会签):"),
                    self._row(self.countersign_button, self.countersign_label))
        self.notes = QLineEdit()
        self.notes.setMaxLength(rules.MAX_NOTES)
        form.addRow(self.tr("Notes (附注):"), self.notes)
        self.attachments = QListWidget()
        self.attachments.setMaximumHeight(90)
        self.attachments.itemChanged.connect(self._attachment_renamed)
        self.attach_button = QPushButton(self.tr("Add file…"))
        self.detach_button = QPushButton(self.tr("Remove"))
        att_buttons = QHBoxLayout()
        att_buttons.addWidget(self.attach_button)
        att_buttons.addWidget(self.detach_button)
        att_host = QWidget()
        att_layout = QVBoxLayout(att_host)
        att_layout.setContentsMargins(0, 0, 0, 0)
        att_layout.addWidget(self.attachments)
        att_layout.addLayout(att_buttons)
        form.addRow(self.tr("Attachments (附件说明):"), att_host)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_host)
        scroll.setMinimumWidth(280)  # the window still fits 1024 px
        split.addWidget(scroll)

        body_host = QWidget()
        body_layout = QVBoxLayout(body_host)
        body_layout.setContentsMargins(0, 0, 0, 0)
        levels = QHBoxLayout()
        levels.addWidget(QLabel(self.tr("Level:")))
        self.level = QComboBox()
        self.level.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.level.setMinimumContentsLength(20)  # "一、 一级标题（Ctrl+1）" in full
        for kind, label in (("p", self.tr("Paragraph (Ctrl+0)")),
                            ("h1", self.tr("一、 Heading 1 (Ctrl+1)")),
                            ("h2", self.tr("（一） Heading 2 (Ctrl+2)")),
                            ("h3", self.tr("1. Heading 3 (Ctrl+3)")),
                            ("h4", self.tr("（1） Heading 4 (Ctrl+4)"))):
            self.level.addItem(label, kind)
        levels.addWidget(self.level)
        levels.addStretch(1)
        self.saved = QLabel()
        self.saved.setObjectName("muted")
        self.saved.setMinimumWidth(1)  # "已于 … 保存" may be cut on a narrow screen, never widen it
        levels.addWidget(self.saved)
        body_layout.addLayout(levels)
        self.body = BodyEditor()
        body_layout.addWidget(self.body, 1)
        split.addWidget(body_host)
        split.setStretchFactor(1, 2)
        split.setSizes([390, 700])  # the text gets the room

        self.message = QLabel()
        self.message.setObjectName("errorBanner")
        self.message.setWordWrap(True)
        self.message.hide()
        outer.addWidget(self.message)
        actions = QHBoxLayout()
        self.delete_button = QPushButton(self.tr("Delete draft"))
        actions.addWidget(self.delete_button)
        actions.addStretch(1)
        self.submit_button = QPushButton(self.tr("&Submit"))
        self.submit_button.setObjectName("primary")
        actions.addWidget(self.submit_button)
        outer.addLayout(actions)

        for w in (self.title, self.notes):
            w.textChanged.connect(self._touched)  # guarded while loading
        for c in (self.doc_type, self.classification, self.urgency, self.series,
                  self.signatory, self.reviewer):
            c.currentIndexChanged.connect(self._touched)
        self.doc_type.currentIndexChanged.connect(self._doc_type_changed)
        self.body.edited.connect(self._touched)
        self.body.cursorPositionChanged.connect(self._cursor_moved)
        self.level.activated.connect(lambda _i: self._level_chosen())
        self.main_button.clicked.connect(lambda: self._pick("main"))
        self.cc_button.clicked.connect(lambda: self._pick("cc"))
        self.countersign_button.clicked.connect(self._pick_countersigners)
        self.attach_button.clicked.connect(self._attach)
        self.detach_button.clicked.connect(self._detach)
        self.submit_button.clicked.connect(self._submit)
        self.delete_button.clicked.connect(self._delete)

    @staticmethod
    def _row(button: QPushButton, label: QLabel) -> QWidget:
        host = QWidget()
        row = QHBoxLayout(host)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(button)
        row.addWidget(label, 1)
        return host

    # --- loading -------------------------------------------------------------------------
    def draft_id(self) -> str | None:
        return self._draft_id

    def set_choices(self, choices: DraftChoices) -> None:
        self._choices = choices
        self._loading = True
        try:
            self._fill_people(self.signatory, choices.signatories, empty=self.tr("(choose)"))
            self._fill_people(self.reviewer, choices.reviewers, empty=self.tr("(none)"))
            self.series.clear()
            for prefix, label in choices.series:
                self.series.addItem(f"{prefix}　{label}" if label else prefix, prefix)
        finally:
            self._loading = False

    @staticmethod
    def _fill_people(combo: QComboBox, people: list[PersonChoice], *, empty: str) -> None:
        combo.clear()
        combo.addItem(empty, None)
        for p in people:
            combo.addItem(f"{p.name}　{p.unit_name}" if p.unit_name else p.name, p.id)

    def load(self, draft: DraftInfo) -> None:
        self.autosave.stop()
        self._draft_id = draft.id
        f = draft.fields
        self._loading = True
        try:
            self.doc_type.setCurrentText(str(f["doc_type"]))
            self.title.setText(str(f["title"]))
            self._show_title_start()
            self._main = list(f["main_recipients"])
            self._cc = list(f["cc"])
            self._countersigners = list(f["countersigner_ids"])
            self._attachments = list(f["attachments"])
            self._select(self.classification, f["classification"])
            self._select(self.urgency, f["urgency"])
            self._select(self.series, f["series"])
            self._select(self.signatory, f["signatory_id"])
            self._select(self.reviewer, f["reviewer_id"])
            self.notes.setText(str(f["notes"]))
            self.body.set_body(draft.body)
            self._show_lists()
        finally:
            self._loading = False
        editable = draft.state == "draft"
        for w in (self.doc_type, self.title, self.main_button, self.cc_button,
                  self.classification, self.urgency, self.series, self.signatory,
                  self.reviewer, self.countersign_button, self.notes, self.attach_button,
                  self.detach_button, self.submit_button, self.level):
            w.setEnabled(editable)
        self.body.setReadOnly(not editable)
        self.delete_button.setEnabled(draft.state in ("draft", "conflict", "rejected"))
        self.heading.setText(self._heading(draft))
        self._doc_type_changed()
        self.show_message("")
        self.saved.setText("")

    def _show_title_start(self) -> None:
        self.title.setCursorPosition(0)

    def _title_changed(self, text: str) -> None:
        self.title.setToolTip(text)
        if not self.title.hasFocus():  # set from elsewhere, not being typed
            self._show_title_start()

    def _heading(self, draft: DraftInfo) -> str:
        states = {"draft": self.tr("Draft (saved on this PC as you type)"),
                  "queued": self.tr("Submitted: waiting to be sent"),
                  "submitted": self.tr("Submitted"),
                  "conflict": self.tr("The platform refused it: reopen and change it"),
                  "rejected": self.tr("The platform refused it: reopen and change it")}
        return states.get(draft.state, draft.state)

    @staticmethod
    def _select(combo: QComboBox, value: Any) -> None:
        i = combo.findData(value)
        combo.setCurrentIndex(max(0, i))

    def _show_lists(self) -> None:
        self.main_label.setText("、".join(r["name"] for r in self._main) or self.tr("(none)"))
        self.cc_label.setText("、".join(r["name"] for r in self._cc) or self.tr("(none)"))
        names = {p.id: p.name for p in self._choices.countersigners}
        self.countersign_label.setText("、".join(names.get(u, u) for u in self._countersigners)
                                       or self.tr("(none)"))
        self._loading, was = True, self._loading
        self.attachments.clear()
        for i, a in enumerate(self._attachments, start=1):
            item = QListWidgetItem(str(a["name"]))
            item.setData(_DATA, i - 1)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            self.attachments.addItem(item)
        self._loading = was

    def _doc_type_changed(self) -> None:
        upward = self.doc_type.currentText() in rules.UPWARD_TYPES
        # 上行文 print 签发人 in the 版头; every document names the leader who signs it.
        self.signatory_label.setText(self.tr("签发人 (printed):") if upward
                                     else self.tr("Signs for issue:"))

    # --- editing -------------------------------------------------------------------------
    def fields(self) -> dict[str, Any]:
        return {
            "doc_type": self.doc_type.currentText(), "title": self.title.text(),
            "main_recipients": self._main, "cc": self._cc,
            "classification": self.classification.currentData(),
            "urgency": self.urgency.currentData(), "series": self.series.currentData() or "",
            "signatory_id": self.signatory.currentData(),
            "reviewer_id": self.reviewer.currentData(),
            "countersigner_ids": self._countersigners, "notes": self.notes.text(),
            "attachments": self._attachments,
        }

    def _touched(self, *_args: Any) -> None:
        if not self._loading and self._draft_id is not None and not self.body.isReadOnly():
            self.saved.setText(self.tr("Editing…"))
            self.autosave.start()

    def save_now(self) -> None:
        """Store what is on screen now (the timer's end, leaving the page, submitting)."""
        self.autosave.stop()
        if self._draft_id is not None and not self.body.isReadOnly():
            self.save_requested.emit(self._draft_id, self.fields(), self.body.body())

    def mark_saved(self, when: str) -> None:
        self.saved.setText(self.tr("Saved %1").replace("%1", when))

    def _cursor_moved(self) -> None:
        self._select(self.level, self.body.current_kind())

    def _level_chosen(self) -> None:
        self.body.set_kind(self.level.currentData())
        self.body.setFocus()

    def _pick(self, which: str) -> None:
        chosen = self._main if which == "main" else self._cc
        title = self.tr("Main recipients") if which == "main" else self.tr("Copy to")
        dialog = RecipientDialog(title, self._choices.recipients, chosen, self)
        if dialog.exec():
            if which == "main":
                self._main = dialog.chosen()
            else:
                self._cc = dialog.chosen()
            self._show_lists()
            self._touched()

    def _pick_countersigners(self) -> None:
        options = [Recipient(p.name, (p.id,), False) for p in self._choices.countersigners]
        names = {p.id: p.name for p in self._choices.countersigners}
        chosen = [{"name": names.get(u, u), "unit_ids": [u]} for u in self._countersigners]
        dialog = RecipientDialog(self.tr("Countersign (会签)"), options, chosen, self)
        if dialog.exec():
            self._countersigners = [r["unit_ids"][0] for r in dialog.chosen()]
            self._show_lists()
            self._touched()

    def set_attachments(self, attachments: list[dict[str, Any]]) -> None:
        self._attachments = list(attachments)
        self._show_lists()

    def _attach(self) -> None:
        if self._draft_id is not None:
            self.save_now()
            self.attach_requested.emit(self._draft_id)

    def _detach(self) -> None:
        row = self.attachments.currentRow()
        if 0 <= row < len(self._attachments):
            del self._attachments[row]
            self._show_lists()
            self._touched()

    def _attachment_renamed(self, item: QListWidgetItem) -> None:
        if self._loading:
            return
        i = item.data(_DATA)
        name = item.text().strip()
        if isinstance(i, int) and 0 <= i < len(self._attachments) and name:
            self._attachments[i] = dict(self._attachments[i], name=name)
            self._touched()

    def _submit(self) -> None:
        if self._draft_id is not None:
            self.save_now()
            self.submit_requested.emit(self._draft_id)

    def _delete(self) -> None:
        if self._draft_id is not None:
            self.autosave.stop()
            self.delete_requested.emit(self._draft_id)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
