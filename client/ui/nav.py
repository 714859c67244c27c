"""Left navigation: the inbox views, notices and problems, each with a count badge."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from client.types import BadgeCounts
from client.ui import theme
from client.ui.resources import icon

# (key, icon); labels are set in retranslate() so they follow the language.
PAGES = ("todo", "done", "received", "circulate", "notices", "problems", "outgoing")
# Shown to the users whose role has a page of its own (role → page key).
ROLE_PAGES = {"clerk": "desk"}   # 收发: the clerk's desk

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
# Narrowest the sidebar gets (at 100 %); it widens for bigger text and longer labels.
MIN_WIDTH = 190


def item_padding() -> int:
    """Horizontal padding of one side of an item, as the style sheet sets it (${padl})."""
    return round(10 * theme.current_scale())


class NavList(QListWidget):
    page_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None, *,
                 roles: tuple[str, ...] | list[str] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("nav")
        self.setAccessibleName(self.tr("Navigation"))
        self.setIconSize(QSize(22, 22))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._counts: dict[str, int] = {}
        self._hot: set[str] = set()
        self.keys = (*PAGES, *(page for role, page in ROLE_PAGES.items() if role in roles))
        for key in self.keys:
            item = QListWidgetItem(icon(key), "")
            item.setData(KEY_ROLE, key)
            self.addItem(item)
        self.currentItemChanged.connect(self._changed)
        self.retranslate()

    def _labels(self) -> dict[str, tuple[str, str]]:
        return {
            "todo": (self.tr("To do"), "Ctrl+1"),
            "done": (self.tr("Done"), "Ctrl+2"),
            "received": (self.tr("All received"), "Ctrl+3"),
            "circulate": (self.tr("For reading"), "Ctrl+4"),
            "notices": (self.tr("Notices"), "Ctrl+5"),
            "problems": (self.tr("Problems"), "Ctrl+6"),
            "outgoing": (self.tr("Outgoing"), "Ctrl+7"),
            "desk": (self.tr("Clerk desk"), "Ctrl+8"),
        }

    def retranslate(self) -> None:
        labels = self._labels()
        for i in range(self.count()):
            item = self.item(i)
            key = item.data(KEY_ROLE)
            label, shortcut = labels[key]
            count = self._counts.get(key, 0)
            item.setText(f"{label}  ({count})" if count else label)
            item.setToolTip(f"{label} ({shortcut})")
            item.setData(Qt.ItemDataRole.AccessibleTextRole,
                         f"{label} {count}" if count else label)
            # Bold from the theme at the current scale (an item font copied from the
            # item would freeze the text size it had when first set).
            item.setData(Qt.ItemDataRole.FontRole,
                         theme.ui_font(bold=True) if key in self._hot else None)
        self._fit_width()

    def _fit_width(self) -> None:
        """Wide enough for the longest label with a three-digit count, in bold (an item
        turns bold when something is urgent), so no label is ever cut to "通知公告…"; the
        width does not jump as counts change."""
        fm = QFontMetrics(theme.ui_font(bold=True))
        text = max(fm.horizontalAdvance(f"{label}  (999)") for key, (label, _) in
                   self._labels().items() if key in self.keys)
        # icon + gap, the padding and the 4 px selection border of the style sheet, frame.
        width = text + self.iconSize().width() + 8 + 2 * item_padding() + 4 + \
            2 * self.frameWidth() + 4
        self.setFixedWidth(max(MIN_WIDTH, width))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.retranslate()

    def set_counts(self, counts: BadgeCounts) -> None:
        desk = self._counts.get("desk", 0)
        outgoing = self._counts.get("outgoing", 0)
        desk_hot = "desk" in self._hot
        self._counts = {
            "todo": counts.todo, "done": 0, "received": counts.received_unread,
            "circulate": counts.circulate, "notices": counts.notices_unread,
            "problems": counts.problems,
        }
        self._hot = {k for k, v in (("todo", counts.todo_very_urgent),
                                    ("notices", counts.notices_unread),
                                    ("problems", counts.problems)) if v}
        self._counts["desk"] = desk
        self._counts["outgoing"] = outgoing
        if desk_hot:
            self._hot.add("desk")
        self.retranslate()

    def set_desk_count(self, count: int, *, hot: bool = False) -> None:
        """The clerk desk's badge: documents to receive and to route; bold when one is
        overdue or extra urgent."""
        self._counts["desk"] = count
        (self._hot.add if hot else self._hot.discard)("desk")
        self.retranslate()

    def set_outgoing_count(self, count: int) -> None:
        """发文's badge: steps waiting for this user (核稿, 会签, 签发, 修改). Without it a
        leader saw 待办 without the 签发 waiting, and had to think of opening 发文."""
        self._counts["outgoing"] = count
        self.retranslate()

    def count_of(self, key: str) -> int:
        return self._counts.get(key, 0)

    def select(self, key: str) -> None:
        for i in range(self.count()):
            if self.item(i).data(KEY_ROLE) == key:
                if self.currentRow() == i:
                    self.page_selected.emit(key)  # already there: show it again, fresh
                else:
                    self.setCurrentRow(i)
                return

    def current_key(self) -> str | None:
        item = self.currentItem()
        return item.data(KEY_ROLE) if item else None

    def _changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self.page_selected.emit(current.data(KEY_ROLE))
