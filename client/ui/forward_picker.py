"""Pick people from the org directory (units → people), with a search box."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client.types import Person, UnitNode

PERSON_ROLE = Qt.ItemDataRole.UserRole + 1


class ForwardPicker(QDialog):
    """Checkable tree of the directory; `selected_ids()` in the order they were checked."""

    def __init__(self, units: list[UnitNode], people: list[Person], *,
                 preselected: Iterable[str] = (), exclude: Iterable[str] = (),
                 title: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title or self.tr("Choose recipients"))
        self.resize(560, 640)
        self._order: list[str] = [p for p in preselected]
        self._people = {p.id: p for p in people}
        excluded = set(exclude)
        layout = QVBoxLayout(self)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search by name, unit or title"))
        self.search.setAccessibleName(self.tr("Search the directory"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        hint = QLabel(self.tr("&Search:"))
        hint.setBuddy(self.search)
        layout.addWidget(hint)
        layout.addWidget(self.search)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Name"), self.tr("Title")])
        self.tree.setAccessibleName(self.tr("Directory"))
        self.tree.setColumnWidth(0, 300)
        layout.addWidget(self.tree, 1)
        self.chosen = QLabel()
        self.chosen.setWordWrap(True)
        layout.addWidget(self.chosen)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                   QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        by_unit: dict[str, list[Person]] = {}
        for p in people:
            if p.id not in excluded:
                by_unit.setdefault(p.unit_id, []).append(p)
        self._person_items: list[QTreeWidgetItem] = []
        self._add_units(units, self.tree.invisibleRootItem(), by_unit)
        self.tree.itemChanged.connect(self._changed)
        self.tree.expandToDepth(0)
        self._update_chosen()
        self.search.setFocus()

    def _add_units(self, units: list[UnitNode], parent: QTreeWidgetItem,
                   by_unit: dict[str, list[Person]]) -> None:
        for unit in units:
            item = QTreeWidgetItem(parent, [unit.name, ""])
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            for person in sorted(by_unit.get(unit.id, []), key=lambda p: p.username):
                child = QTreeWidgetItem(item, [person.display_name, person.title])
                child.setData(0, PERSON_ROLE, person.id)
                child.setFlags(child.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                child.setCheckState(0, Qt.CheckState.Checked if person.id in self._order
                                    else Qt.CheckState.Unchecked)
                child.setData(0, Qt.ItemDataRole.AccessibleTextRole,
                              f"{person.display_name} {person.title} {unit.name}")
                self._person_items.append(child)
            self._add_units(unit.children, item, by_unit)

    def _changed(self, item: QTreeWidgetItem, column: int) -> None:
        pid = item.data(0, PERSON_ROLE)
        if not pid:
            return
        checked = item.checkState(0) == Qt.CheckState.Checked
        if checked and pid not in self._order:
            self._order.append(pid)
        elif not checked and pid in self._order:
            self._order.remove(pid)
        self._update_chosen()

    def _update_chosen(self) -> None:
        names = [self._people[i].display_name for i in self._order if i in self._people]
        self.chosen.setText(self.tr("Chosen: %1").replace("%1", "、".join(names) or "—"))

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for item in self._person_items:
            pid = item.data(0, PERSON_ROLE)
            p = self._people[pid]
            unit = item.parent().text(0) if item.parent() else ""
            hay = f"{p.display_name} {p.username} {p.title} {unit}".lower()
            item.setHidden(bool(needle) and needle not in hay)
        # Hide units with nothing visible under them; expand the rest while searching.
        def visit(node: QTreeWidgetItem) -> bool:
            any_visible = False
            for i in range(node.childCount()):
                child = node.child(i)
                if child.data(0, PERSON_ROLE):
                    any_visible |= not child.isHidden()
                else:
                    shown = visit(child)
                    child.setHidden(bool(needle) and not shown)
                    child.setExpanded(bool(needle) and shown)
                    any_visible |= shown
            return any_visible
        visit(self.tree.invisibleRootItem())
        if not needle:
            self.tree.expandToDepth(0)

    def check(self, person_id: str, on: bool = True) -> None:
        for item in self._person_items:
            if item.data(0, PERSON_ROLE) == person_id:
                item.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def visible_people(self) -> list[str]:
        return [i.data(0, PERSON_ROLE) for i in self._person_items if not i.isHidden()]

    def selected_ids(self) -> list[str]:
        return list(self._order)
