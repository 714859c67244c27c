"""The sign-off panel: decision, opinion (with 常用语), recipients, handwriting, sign.

The panel only collects what the official chose and emits `sign_requested`; the
window runs the sign-off through the services on the database thread. Which decisions
exist is asked of the services (allowed_decisions), never decided here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from client.types import Person, Phrase, TaskInfo, UnitNode
from client.ui import fmt, theme
from client.ui.forward_picker import ForwardPicker
from client.ui.handwriting_pad import HandwritingPad
from client.ui.resources import icon
from protocol.workflow_rules import Need, rule_for


def need(kind: str | None, decision: str | None, field: str) -> Need:
    """What the shared rules say of one recipient list for this kind and decision."""
    rule = rule_for(kind or "", decision or "")
    return Need.FORBIDDEN if rule is None else rule.need(field)


class _OpinionEdit(QPlainTextEdit):
    """Asks for a few lines only (a plain text edit asks for ~190 px): the panel in its
    scroll area is laid out at its preferred height, and the opinion takes what is left
    through its stretch, so the panel fits a short screen at a large text size."""

    LINES = 2

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(super().sizeHint().width(), self.minimumHeight())

    def fit_font(self) -> None:
        self.setMinimumHeight(self.fontMetrics().lineSpacing() * self.LINES + 10)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.fit_font()


def _recipient_row(button: QPushButton) -> tuple[QWidget, QLabel]:
    """A row of the panel: the button that picks people, then the names it picked."""
    row = QWidget()
    row_layout = QHBoxLayout(row)
    row_layout.setContentsMargins(0, 0, 0, 0)
    row_layout.addWidget(button)
    label = QLabel()
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    row_layout.addWidget(label, 1)
    return row, label


@dataclass(frozen=True)
class SignRequest:
    task_id: str
    decision: str
    text: str
    forward_to: list[str]
    handwriting_png: bytes | None
    go_next: bool
    redo_op_id: str | None = None  # redoing a refused sign-off (Problems → Redo)
    circulate_to: list[str] = field(default_factory=list)  # 传阅 readers (批示 approve)
    countersign_to: list[str] = field(default_factory=list)  # 会签 leaders (拟办 approve)


class SignoffPanel(QFrame):
    sign_requested = Signal(object)  # SignRequest
    save_phrase_requested = Signal(str)
    draft_changed = Signal(str, str, str)  # task id, decision, text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signoff")
        self.setAccessibleName(self.tr("Sign-off"))
        self.setMinimumWidth(380)
        self._task: TaskInfo | None = None
        self._units: list[UnitNode] = []
        self._people: list[Person] = []
        self._forward: list[str] = []
        self._circulate: list[str] = []
        self._countersign: list[str] = []
        self._busy = False
        self.redo_op_id: str | None = None
        self.reader_picker: ForwardPicker | None = None
        self.countersign_picker: ForwardPicker | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(4)
        # Heading and due date: a header the window may pin above a scrolling panel
        # (detach_header), so "your step" and the deadline never scroll out of view.
        self.header = QFrame()
        self.header.setObjectName("signoffHeader")
        header_layout = QVBoxLayout(self.header)
        header_layout.setContentsMargins(0, 0, 0, 0)
        header_layout.setSpacing(2)
        self.heading = QLabel()
        self.heading.setObjectName("sectionTitle")
        self.heading.setWordWrap(True)
        header_layout.addWidget(self.heading)
        self.due = QLabel()
        self.due.setObjectName("muted")
        self.due.setWordWrap(True)
        header_layout.addWidget(self.due)
        layout.addWidget(self.header)

        self.decisions_box = QHBoxLayout()
        self.decision_group = QButtonGroup(self)
        self.decision_group.setExclusive(True)
        self.decision_group.buttonToggled.connect(self._decision_toggled)
        layout.addLayout(self.decisions_box)

        # Opinion and common phrases side by side (two columns): stacked, they took four
        # rows and made the panel scroll on a 1366 × 768 screen at 150 %.
        middle = QGridLayout()
        middle.setContentsMargins(0, 0, 0, 0)
        middle.setHorizontalSpacing(8)
        middle.setVerticalSpacing(2)
        # The opinion's heading carries "Save as phrase" (it saves the opinion's text); the
        # phrases' column needs only its label, so the opinion keeps the wider column.
        opinion_head = QHBoxLayout()
        opinion_head.setContentsMargins(0, 0, 0, 0)
        opinion_label = QLabel(self.tr("&Opinion:"))
        opinion_head.addWidget(opinion_label, 0, Qt.AlignmentFlag.AlignBottom)
        opinion_head.addStretch(1)
        self.save_phrase = QPushButton(self.tr("Save as phrase"))
        self.save_phrase.setToolTip(self.tr("Keep the opinion text in your phrase book"))
        self.save_phrase.clicked.connect(self._save_phrase)
        opinion_head.addWidget(self.save_phrase)
        middle.addLayout(opinion_head, 0, 0)
        self.opinion = _OpinionEdit()
        self.opinion.setAccessibleName(self.tr("Opinion"))
        self.opinion.setPlaceholderText(self.tr("Write your opinion, or pick a phrase"))
        self.opinion.setTabChangesFocus(True)
        self.opinion.fit_font()
        self.opinion.textChanged.connect(self._emit_draft)
        opinion_label.setBuddy(self.opinion)
        middle.addWidget(self.opinion, 1, 0)
        phrases_label = QLabel(self.tr("&Phrases:"))
        middle.addWidget(phrases_label, 0, 1, Qt.AlignmentFlag.AlignBottom)
        self.phrases = QListWidget()
        self.phrases.setAccessibleName(self.tr("Common phrases"))
        self.phrases.setToolTip(self.tr("Double-click or press Enter to insert"))
        # A narrow column: long phrases wrap rather than scroll sideways.
        self.phrases.setWordWrap(True)
        self.phrases.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.phrases.setResizeMode(QListWidget.ResizeMode.Adjust)
        self._fit_phrases()
        self.phrases.itemActivated.connect(self._insert_phrase)
        phrases_label.setBuddy(self.phrases)
        middle.addWidget(self.phrases, 1, 1, Qt.AlignmentFlag.AlignTop)
        middle.setColumnStretch(0, 3)
        middle.setColumnStretch(1, 2)
        middle.setRowStretch(1, 1)
        layout.addLayout(middle, 1)

        people_row = QHBoxLayout()
        self.people_button = QPushButton(self.tr("&Recipients…"))
        self.people_button.setToolTip(self.tr("Choose who handles or receives it next"))
        self.people_button.clicked.connect(self._pick_people)
        people_row.addWidget(self.people_button)
        self.people_label = QLabel()
        self.people_label.setWordWrap(True)
        self.people_label.setSizePolicy(QSizePolicy.Policy.Expanding,
                                        QSizePolicy.Policy.Preferred)
        people_row.addWidget(self.people_label, 1)
        layout.addLayout(people_row)

        # 传阅 (circulate to readers): only for a leader's 批示 approval.
        self.circulate_button = QPushButton(self.tr("&Circulate to…"))
        self.circulate_button.setToolTip(self.tr("Choose who reads this document for "
                                                 "information (传阅)"))
        self.circulate_button.clicked.connect(self._pick_readers)
        self.circulate_row, self.circulate_label = _recipient_row(self.circulate_button)
        layout.addWidget(self.circulate_row)

        # 会签 (countersigning): a 拟办 approval may ask other units' leaders to sign
        # alongside the instructing leaders.
        self.countersign_button = QPushButton(self.tr("C&ountersign by…"))
        self.countersign_button.setToolTip(self.tr("Choose leaders of other units who sign "
                                                   "alongside (会签)"))
        self.countersign_button.clicked.connect(self._pick_countersigners)
        self.countersign_row, self.countersign_label = _recipient_row(self.countersign_button)
        layout.addWidget(self.countersign_row)

        # The handwriting pad folds away behind its heading when the panel would not fit
        # its screen otherwise (fit_height), and opens when there is room; a click on the
        # heading opens or closes it, and that choice then stands.
        self.hw_toggle = QToolButton()
        self.hw_toggle.setObjectName("padToggle")
        self.hw_toggle.setCheckable(True)
        self.hw_toggle.setChecked(True)
        self.hw_toggle.setAutoRaise(True)
        self.hw_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.hw_toggle.setAccessibleName(self.tr("Handwritten signature (optional)"))
        self.hw_toggle.clicked.connect(self._pad_clicked)
        layout.addWidget(self.hw_toggle)
        # The pad with its two buttons stacked beside it: a row less than label and
        # buttons side by side, which the panel needs to fit at a large text size.
        self.pad_box = QWidget()
        hw_row = QHBoxLayout(self.pad_box)
        hw_row.setContentsMargins(0, 0, 0, 0)
        self.pad = HandwritingPad()
        hw_row.addWidget(self.pad, 1)
        hw_buttons = QVBoxLayout()
        self.undo_stroke = QPushButton(self.tr("Undo stroke"))
        self.clear_pad = QPushButton(self.tr("Clear"))
        hw_buttons.addWidget(self.undo_stroke)
        hw_buttons.addWidget(self.clear_pad)
        hw_buttons.addStretch(1)
        hw_row.addLayout(hw_buttons)
        layout.addWidget(self.pad_box)
        self.undo_stroke.clicked.connect(self.pad.undo)
        self.clear_pad.clicked.connect(self.pad.clear)
        # A folded pad's heading says whether a signature is drawn in it.
        self.pad.changed.connect(lambda: self._show_pad(self.pad_open()))
        self._pad_chosen: bool | None = None  # the user's own open/closed choice
        self._available: int | None = None    # the height fit_height was last given
        self._show_pad(True)

        # The message and the sign buttons form a bar the window may pin below a scrolling
        # panel (detach_action_bar), so "Sign" stays in reach on a short screen.
        self.action_bar = QFrame()
        self.action_bar.setObjectName("signoffActions")
        bar_layout = QVBoxLayout(self.action_bar)
        bar_layout.setContentsMargins(0, 0, 0, 0)
        self.message = QLabel()
        self.message.setObjectName("errorBanner")
        self.message.setWordWrap(True)
        self.message.hide()
        bar_layout.addWidget(self.message)

        sign_row = QHBoxLayout()
        self.sign_button = QPushButton(icon("pen"), self.tr("Sign"))
        self.sign_button.setToolTip(self.tr("Sign and stay on this document"))
        self.sign_button.clicked.connect(lambda: self._sign(go_next=False))
        self.sign_next_button = QPushButton(icon("next"), self.tr("Sign && next  (Ctrl+Enter)"))
        self.sign_next_button.setObjectName("primary")
        self.sign_next_button.setToolTip(
            self.tr("Sign and open the next document to do (Ctrl+Enter)"))
        self.sign_next_button.setAccessibleName(self.tr("Sign and next"))
        self.sign_next_button.clicked.connect(lambda: self._sign(go_next=True))
        sign_row.addWidget(self.sign_button)
        sign_row.addWidget(self.sign_next_button, 1)
        bar_layout.addLayout(sign_row)
        layout.addWidget(self.action_bar)

        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(self._shortcut_sign)
        self.set_task(None, [])

    def _fit_phrases(self) -> None:
        """About three phrases in view when there is room, two at least."""
        line = self.phrases.fontMetrics().lineSpacing()
        self.phrases.setMinimumHeight(line * 2 + 8)
        self.phrases.setMaximumHeight(line * 3 + round(12 * theme.current_scale()) * 2)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_phrases()

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt name)
        """The least height for `width`. A resizable scroll area makes its widget at least
        this tall; the preferred height (each part at its size hint) made the panel
        scroll on a 1600 × 1000 screen although everything fits at its minimum; what is
        left over goes to the opinion (it has the stretch)."""
        layout = self.layout()
        return layout.totalMinimumHeightForWidth(width) if layout else super().heightForWidth(width)

    # -- the folding handwriting pad -----------------------------------------------------
    def pad_open(self) -> bool:
        return not self.pad_box.isHidden()

    def _show_pad(self, on: bool) -> None:
        self.pad_box.setVisible(on)
        self.hw_toggle.setChecked(on)
        self.hw_toggle.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)
        label = self.tr("Handwritten signature (optional)")
        if not on and not self.pad.is_empty():
            label = self.tr("Handwritten signature (drawn)")
        self.hw_toggle.setText(label)

    def _pad_clicked(self, checked: bool) -> None:
        self._pad_chosen = checked
        self._show_pad(checked)

    def fit_height(self, available: int) -> None:
        """Open the pad when the whole panel then fits `available` pixels, fold it when
        not, unless the user chose (clicked its heading)."""
        self._available = available
        if self._pad_chosen is not None:
            return
        layout = self.layout()
        width = max(1, self.width())
        if self.pad_open():
            needed = layout.totalMinimumHeightForWidth(width)
        else:
            needed = (layout.totalMinimumHeightForWidth(width) + layout.spacing()
                      + self.pad_box.minimumSizeHint().height())
        want = needed <= available
        if want != self.pad_open():
            self._show_pad(want)

    def detach_header(self) -> QFrame:
        """Take the heading and due date out of the panel, for the caller to place."""
        self.layout().removeWidget(self.header)
        margins = self.layout().contentsMargins()
        self.header.layout().setContentsMargins(margins.left(), margins.top(),
                                                margins.right(), 6)
        # Header above and the action bar below bring their own margins.
        self.layout().setContentsMargins(margins.left(), 4, margins.right(), 4)
        return self.header

    def detach_action_bar(self) -> QFrame:
        """Take the message + sign buttons out of the panel, for the caller to place."""
        self.layout().removeWidget(self.action_bar)
        margins = self.layout().contentsMargins()
        self.action_bar.layout().setContentsMargins(margins.left(), 6, margins.right(),
                                                    margins.bottom())
        return self.action_bar

    # -- content ------------------------------------------------------------------------
    def person_name(self, user_id: str | None) -> str | None:
        """The display name of a person of the directory the panel was given."""
        return next((p.display_name for p in self._people if p.id == user_id), None)

    def set_directory(self, units: list[UnitNode], people: list[Person]) -> None:
        self._units = units
        self._people = people

    def set_phrases(self, phrases: list[Phrase]) -> None:
        self.phrases.clear()
        for p in phrases:
            item = QListWidgetItem(p.text)
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            self.phrases.addItem(item)

    def set_task(self, task: TaskInfo | None, decisions: list[str], *,
                 draft_text: str = "", draft_decision: str | None = None,
                 draft_forward: list[str] | None = None,
                 draft_circulate: list[str] | None = None) -> None:
        """Show the panel for `task` (None hides the controls)."""
        self._task = task
        self._circulate = list(draft_circulate or [])
        self._countersign = []
        self._busy = False
        self.message.hide()
        for b in list(self.decision_group.buttons()):
            # Out of the layout at once: deleteLater() alone waits for the event loop, and
            # until then the old buttons would sit beside the new ones.
            self.decision_group.removeButton(b)
            self.decisions_box.removeWidget(b)
            b.hide()
            b.deleteLater()
        if task is None:
            self.heading.setText(self.tr("Nothing to sign here"))
            self.due.setText("")
            self._set_enabled(False)
            self._update_people()
            return
        self.heading.setText(self.tr("Your step: %1").replace("%1", fmt.task_kind_text(task.kind)))
        self.due.setText(self.tr("Due %1").replace("%1", fmt.datetime_text(task.due_at))
                         if task.due_at else "")
        labels = {
            "approve": self.tr("&Approve"), "return": self.tr("Re&turn"),
            "forward": self.tr("&Forward"), "read": self.tr("Read and &noted"),
            "done": self.tr("&Done"),
        }
        for i, decision in enumerate(decisions):
            button = QPushButton(labels.get(decision, decision))
            button.setCheckable(True)
            button.setProperty("decision", decision)
            button.setAccessibleName(fmt.decision_text(decision))
            self.decision_group.addButton(button, i)
            self.decisions_box.addWidget(button)
        self.opinion.blockSignals(True)
        self.opinion.setPlainText(draft_text)
        self.opinion.blockSignals(False)
        self._forward = list(draft_forward or [])
        self.pad.clear()
        self._show_pad(self.pad_open())  # the heading says nothing is drawn
        chosen = draft_decision if draft_decision in decisions else (decisions[0] if decisions
                                                                      else None)
        self._set_enabled(bool(decisions))
        self.select_decision(chosen)

    def select_decision(self, decision: str | None) -> None:
        for b in self.decision_group.buttons():
            if b.property("decision") == decision:
                b.setChecked(True)
        self._update_people()

    def decision(self) -> str | None:
        b = self.decision_group.checkedButton()
        return b.property("decision") if b else None

    def set_forward(self, person_ids: list[str]) -> None:
        self._forward = list(person_ids)
        self._update_people()

    def forward_to(self) -> list[str]:
        return list(self._forward)

    def set_circulate(self, person_ids: list[str]) -> None:
        self._circulate = list(person_ids)
        self._update_people()

    def circulate_to(self) -> list[str]:
        """Readers chosen, when the current decision circulates (else none)."""
        return list(self._circulate) if self._circulates() else []

    def set_countersign(self, person_ids: list[str]) -> None:
        self._countersign = list(person_ids)
        self._update_people()

    def countersign_to(self) -> list[str]:
        """Countersigners chosen, when the current decision asks for them (else none)."""
        return list(self._countersign) if self._countersigns() else []

    def _countersigns(self) -> bool:
        return self._task is not None and need(self._task.kind, self.decision(),
                                               "countersign_to") is not Need.FORBIDDEN

    def _circulates(self) -> bool:
        return self._task is not None and need(self._task.kind, self.decision(),
                                               "circulate_to") is not Need.FORBIDDEN

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.circulate_button.setEnabled(not busy and self._circulates())
        self.countersign_button.setEnabled(not busy and self._countersigns())
        self.sign_button.setEnabled(not busy and self._task is not None)
        self.sign_next_button.setEnabled(not busy and self._task is not None)

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def task(self) -> TaskInfo | None:
        return self._task

    # -- internals ----------------------------------------------------------------------
    def _set_enabled(self, on: bool) -> None:
        for w in (self.opinion, self.phrases, self.save_phrase, self.people_button, self.pad,
                  self.undo_stroke, self.clear_pad, self.sign_button, self.sign_next_button,
                  self.hw_toggle):
            w.setEnabled(on)

    def _decision_toggled(self, _button: object, checked: bool) -> None:
        if checked:
            self._update_people()
            self._emit_draft()

    def _update_people(self) -> None:
        self._update_rows()
        if self._available is not None:
            self.fit_height(self._available)  # a row came or went: the pad may fit now

    def _update_rows(self) -> None:
        circulates = self._circulates()
        self.circulate_row.setVisible(circulates)
        self.circulate_button.setEnabled(circulates and not self._busy)
        names = {p.id: p.display_name for p in self._people}
        self.circulate_label.setText("、".join(names.get(i, i) for i in self._circulate)
                                     or self.tr("Nobody (optional)"))
        countersigns = self._countersigns()
        self.countersign_row.setVisible(countersigns)
        self.countersign_button.setEnabled(countersigns and not self._busy)
        self.countersign_label.setText("、".join(names.get(i, i) for i in self._countersign)
                                       or self.tr("Nobody (optional)"))
        decision = self.decision()
        people = need(self._task.kind if self._task else None, decision, "forward_to")
        wants = people is not Need.FORBIDDEN
        self.people_button.setEnabled(wants and self._task is not None)
        names = {p.id: p.display_name for p in self._people}
        chosen = "、".join(names.get(i, i) for i in self._forward)
        if not wants:
            self.people_label.setText("")
        elif chosen:
            self.people_label.setText(chosen)
        elif people is Need.REQUIRED:
            self.people_label.setText(self.tr("Choose at least one person"))
        else:
            self.people_label.setText(self.tr("Nobody chosen (optional)"))

    def _pick_people(self) -> None:
        me = self._task.assignee_id if self._task else ""
        dialog = ForwardPicker(self._units, self._people, preselected=self._forward,
                               exclude=[me], parent=self)
        if dialog.exec():
            self._forward = dialog.selected_ids()
            self._update_people()

    def _pick_countersigners(self) -> None:
        me = self._task.assignee_id if self._task else ""
        dialog = ForwardPicker(self._units, self._people, preselected=self._countersign,
                               exclude=[me], title=self.tr("Countersign by (会签)"), parent=self)
        self.countersign_picker = dialog  # reachable while open (tests, accessibility tools)
        if dialog.exec():
            self.set_countersign(dialog.selected_ids())
        self.countersign_picker = None

    def _pick_readers(self) -> None:
        me = self._task.assignee_id if self._task else ""
        dialog = ForwardPicker(self._units, self._people, preselected=self._circulate,
                               exclude=[me], title=self.tr("Circulate to (传阅)"), parent=self)
        self.reader_picker = dialog  # reachable while open (tests, accessibility tools)
        if dialog.exec():
            self._circulate = dialog.selected_ids()
            self._update_people()
        self.reader_picker = None

    def _insert_phrase(self, item: QListWidgetItem) -> None:
        cursor = self.opinion.textCursor()
        cursor.insertText(item.text())
        self.opinion.setFocus()

    def _save_phrase(self) -> None:
        text = self.opinion.toPlainText().strip()
        if text:
            self.save_phrase_requested.emit(text)

    def _emit_draft(self) -> None:
        if self._task is not None:
            self.draft_changed.emit(self._task.id, self.decision() or "",
                                    self.opinion.toPlainText())

    def _shortcut_sign(self) -> None:
        if self.isVisible() and self.sign_next_button.isEnabled():
            self._sign(go_next=True)

    def _sign(self, *, go_next: bool) -> None:
        if self._task is None or self._busy:
            return
        decision = self.decision()
        if decision is None:
            self.show_error(self.tr("Choose a decision first."))
            return
        people = need(self._task.kind, decision, "forward_to")
        if people is Need.REQUIRED and not self._forward:
            self.show_error(self.tr("Choose who receives it before sending it on."))
            self._pick_people()
            return
        rule = rule_for(self._task.kind, decision)
        if rule is not None and rule.text_required and not self.opinion.toPlainText().strip():
            self.show_error(self.tr("Write the reason for returning it."))
            self.opinion.setFocus()
            return
        self.message.hide()
        forward = self._forward if people is not Need.FORBIDDEN else []
        self.sign_requested.emit(SignRequest(
            task_id=self._task.id, decision=decision, text=self.opinion.toPlainText().strip(),
            forward_to=list(forward), handwriting_png=self.pad.png_bytes(), go_next=go_next,
            redo_op_id=self.redo_op_id, circulate_to=self.circulate_to(),
            countersign_to=self.countersign_to()))
