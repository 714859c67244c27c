"""The clerk desk's small dialogs: 拒收 (reason required, common reasons offered), 催办,
撤销 and 改派 (reason required; 改派 picks the new person from the directory); and 留言
(a note to whoever holds a step now, from the problems page)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from client.types import Person


class _ReasonDialog(QDialog):
    """A heading, optional common reasons, the text box, OK only with text (if required).

    Its own strings are translated in its own context: self.tr() of a subclass instance
    looks in the subclass's."""

    def __init__(self, title: str, heading: str, prompt: str, *, required: bool,
                 common: Sequence[str] = (), text: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self._required = required
        self.layout_ = QVBoxLayout(self)
        head = QLabel(heading)
        head.setObjectName("viewTitle")
        head.setWordWrap(True)
        self.layout_.addWidget(head)
        self.extra = QVBoxLayout()
        self.layout_.addLayout(self.extra)
        self.common = QListWidget()
        self.common.setAccessibleName(QCoreApplication.translate("_ReasonDialog", "Common reasons"))
        for reason in common:
            self.common.addItem(QListWidgetItem(reason))
        self.common.setMaximumHeight(28 * max(1, len(common)) + 8)
        self.common.itemClicked.connect(lambda item: self.text.setPlainText(item.text()))
        if common:
            self.layout_.addWidget(QLabel(QCoreApplication.translate(
                "_ReasonDialog", "Common reasons (click one to use it):")))
            self.layout_.addWidget(self.common)
        label = QLabel(prompt)
        self.layout_.addWidget(label)
        self.text = QPlainTextEdit(text)
        self.text.setAccessibleName(prompt)
        self.text.setTabChangesFocus(True)
        self.text.setMinimumHeight(90)
        label.setBuddy(self.text)
        self.layout_.addWidget(self.text)
        self.hint = QLabel(QCoreApplication.translate("_ReasonDialog", "A reason is required.")
                           if required else "")
        self.hint.setObjectName("muted")
        self.layout_.addWidget(self.hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.layout_.addWidget(self.buttons)
        self.text.textChanged.connect(self._check)
        self._check()

    @property
    def ok_button(self):  # noqa: ANN201
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def valid(self) -> bool:
        return not self._required or bool(self.reason())

    def _check(self) -> None:
        self.ok_button.setEnabled(self.valid())

    def reason(self) -> str:
        return self.text.toPlainText().strip()


class RefuseDialog(_ReasonDialog):
    """拒收: the reason goes back to the sender as the 回执."""

    def __init__(self, title: str, common: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Refuse document"),
                         self.tr("Refuse \u201c%1\u201d and send it back to the sender?")
                         .replace("%1", title),
                         self.tr("&Reason for refusing (the sender sees it):"),
                         required=True, common=common, parent=parent)
        self.ok_button.setText(self.tr("&Refuse"))


class RemindDialog(_ReasonDialog):
    """催办: a short message for the assignee (shown on their PC as an alert)."""

    def __init__(self, heading: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Send a reminder"), heading,
                         self.tr("&Message to the person handling it:"), required=False,
                         text=text, parent=parent)
        self.ok_button.setText(self.tr("Send &reminder"))


class NoteDialog(_ReasonDialog):
    """留言: the user's kept text, editable, for the person who holds the step now."""

    def __init__(self, heading: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Send a note"), heading,
                         self.tr("&Note (edit it before sending if you like):"),
                         required=True, text=text, parent=parent)
        self.hint.setText(self.tr("The note cannot be empty."))
        self.dismiss = QCheckBox(self.tr("&Remove the problem from the list once sent (your "
                                         "text travels in the note)"))
        self.dismiss.setChecked(True)
        self.layout_.insertWidget(self.layout_.indexOf(self.buttons), self.dismiss)
        self.ok_button.setText(self.tr("&Send note"))


class CancelDialog(_ReasonDialog):
    def __init__(self, heading: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Cancel task"), heading,
                         self.tr("&Reason for cancelling:"), required=True, parent=parent)
        self.ok_button.setText(self.tr("Cancel &task"))


class RerouteDialog(_ReasonDialog):
    """改派: the new assignee and the reason."""

    def __init__(self, heading: str, people: Sequence[Person], current: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Reassign task"), heading,
                         self.tr("&Reason for reassigning:"), required=True, parent=parent)
        self.person = QComboBox()
        self.person.setEditable(True)
        self.person.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.person.setAccessibleName(self.tr("New person"))
        self.person.addItem(self.tr("(choose a person)"), "")
        for p in people:
            if p.id != current:
                self.person.addItem(f"{p.display_name}  {p.unit_name} {p.title}".strip(), p.id)
        completer = self.person.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        label = QLabel(self.tr("Reassign &to:"))
        label.setBuddy(self.person)
        self.extra.addWidget(label)
        self.extra.addWidget(self.person)
        self.person.currentIndexChanged.connect(self._check)
        self.ok_button.setText(self.tr("&Reassign"))
        self._check()

    def assignee_id(self) -> str:
        person = getattr(self, "person", None)
        return str(person.currentData() or "") if person is not None else ""

    def valid(self) -> bool:
        return super().valid() and bool(self.assignee_id())
