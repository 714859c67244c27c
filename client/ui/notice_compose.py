"""Compose a notice (publishers): title, text, audience units, ack, expiry, attachments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client.types import UnitNode

UNIT_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass
class NoticeForm:
    title: str
    body: str
    audience_unit_ids: list[str]
    requires_ack: bool
    urgent: bool
    expires_on: str | None  # ISO date
    attachment_paths: list[Path] = field(default_factory=list)
    # One dialog, one notice: submitting the same form again reuses it (refused as
    # already queued) instead of making a second notice.
    client_ref: str | None = None


class NoticeComposeDialog(QDialog):
    def __init__(self, units: list[UnitNode], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New notice"))
        self.client_ref = str(uuid.uuid4())
        self.resize(760, 720)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.title = QLineEdit()
        self.title.setAccessibleName(self.tr("Title"))
        form.addRow(self.tr("&Title:"), self.title)
        self.body = QPlainTextEdit()
        self.body.setAccessibleName(self.tr("Text"))
        self.body.setTabChangesFocus(True)
        form.addRow(self.tr("Te&xt:"), self.body)
        self.units = QTreeWidget()
        self.units.setHeaderHidden(True)
        self.units.setAccessibleName(self.tr("Audience units"))
        self.units.setMinimumHeight(180)
        self._add_units(units, self.units.invisibleRootItem())
        self.units.expandToDepth(0)
        self.units.itemChanged.connect(self._validate)
        form.addRow(self.tr("&Audience:"), self.units)
        flags = QHBoxLayout()
        self.requires_ack = QCheckBox(self.tr("Ask for &confirmation of receipt"))
        self.requires_ack.setChecked(True)
        self.urgent = QCheckBox(self.tr("&Urgent"))
        flags.addWidget(self.requires_ack)
        flags.addWidget(self.urgent)
        flags.addStretch(1)
        form.addRow("", flags)
        expiry_row = QHBoxLayout()
        self.has_expiry = QCheckBox(self.tr("&Expires on"))
        self.expiry = QDateEdit(QDate.currentDate().addDays(30))
        self.expiry.setCalendarPopup(True)
        self.expiry.setDisplayFormat("yyyy年M月d日")
        self.expiry.setEnabled(False)
        self.has_expiry.toggled.connect(self.expiry.setEnabled)
        expiry_row.addWidget(self.has_expiry)
        expiry_row.addWidget(self.expiry)
        expiry_row.addStretch(1)
        form.addRow("", expiry_row)
        attach_row = QVBoxLayout()
        self.attachments = QListWidget()
        self.attachments.setMaximumHeight(90)
        self.attachments.setAccessibleName(self.tr("Attachments"))
        buttons_row = QHBoxLayout()
        add = QPushButton(self.tr("A&dd file…"))
        add.clicked.connect(self._add_file)
        remove = QPushButton(self.tr("Remo&ve"))
        remove.clicked.connect(lambda: self.attachments.takeItem(self.attachments.currentRow()))
        buttons_row.addWidget(add)
        buttons_row.addWidget(remove)
        buttons_row.addStretch(1)
        attach_row.addWidget(self.attachments)
        attach_row.addLayout(buttons_row)
        form.addRow(self.tr("Attachments:"), attach_row)
        layout.addLayout(form)
        self.problem = QLabel()
        self.problem.setObjectName("muted")
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox()
        self.publish = self.buttons.addButton(self.tr("&Publish"),
                                              QDialogButtonBox.ButtonRole.AcceptRole)
        self.publish.setObjectName("primary")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.title.textChanged.connect(self._validate)
        self.body.textChanged.connect(self._validate)
        self._validate()

    def _add_units(self, units: list[UnitNode], parent: QTreeWidgetItem) -> None:
        for u in units:
            item = QTreeWidgetItem(parent, [u.name])
            item.setData(0, UNIT_ROLE, u.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked)
            self._add_units(u.children, item)

    def check_unit(self, unit_id: str, on: bool = True) -> None:
        def visit(node: QTreeWidgetItem) -> None:
            for i in range(node.childCount()):
                child = node.child(i)
                if child.data(0, UNIT_ROLE) == unit_id:
                    child.setCheckState(0, Qt.CheckState.Checked if on
                                        else Qt.CheckState.Unchecked)
                visit(child)
        visit(self.units.invisibleRootItem())

    def _checked_units(self) -> list[str]:
        out: list[str] = []

        def visit(node: QTreeWidgetItem) -> None:
            for i in range(node.childCount()):
                child = node.child(i)
                if child.checkState(0) == Qt.CheckState.Checked:
                    out.append(child.data(0, UNIT_ROLE))
                visit(child)
        visit(self.units.invisibleRootItem())
        return out

    def _add_file(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Add attachments"))
        for p in paths:
            self.add_attachment(Path(p))

    def add_attachment(self, path: Path) -> None:
        item = self.attachments.addItem(path.name) or self.attachments.item(
            self.attachments.count() - 1)
        item.setData(Qt.ItemDataRole.UserRole, str(path))
        item.setToolTip(str(path))

    def _validate(self, *_args: object) -> None:
        problems = []
        if not self.title.text().strip():
            problems.append(self.tr("a title"))
        if not self.body.toPlainText().strip():
            problems.append(self.tr("the text"))
        if not self._checked_units():
            problems.append(self.tr("at least one audience unit"))
        self.publish.setEnabled(not problems)
        self.problem.setText(self.tr("Still needed: %1").replace("%1", "、".join(problems))
                             if problems else "")

    def accept(self) -> None:
        self.publish.setEnabled(False)  # a double click submits once
        super().accept()

    def form(self) -> NoticeForm:
        return NoticeForm(
            title=self.title.text().strip(),
            body=self.body.toPlainText().strip(),
            audience_unit_ids=self._checked_units(),
            requires_ack=self.requires_ack.isChecked(),
            urgent=self.urgent.isChecked(),
            expires_on=self.expiry.date().toString("yyyy-MM-dd")
            if self.has_expiry.isChecked() else None,
            attachment_paths=[Path(self.attachments.item(i).data(Qt.ItemDataRole.UserRole))
                              for i in range(self.attachments.count())],
            client_ref=self.client_ref,
        )
