"""通知公告: list, reading pane, 确认收到, and for publishers compose and receipts."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from client.types import NoticeDetail, NoticeRow, ReceiptInfo, ReceiptStatus
from client.ui import fmt, theme
from client.ui.processing_form import ACCEPTANCE_SHOWN_AFTER_S
from client.ui.resources import icon

NOTICE_ROLE = Qt.ItemDataRole.UserRole + 1
# Columns of the receipts list.
COL_PERSON, COL_UNIT, COL_READ, COL_CONFIRMED = range(4)


class NoticeListModel(QAbstractListModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[NoticeRow] = []

    def set_rows(self, rows: list[NoticeRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[NoticeRow]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            tags = []
            if r.urgent:
                tags.append(self.tr("[Urgent]"))
            if r.requires_ack and not r.acked:
                tags.append(self.tr("[Please confirm]"))
            if r.local_state == "pending_sync":
                tags.append(self.tr("[Waiting to be sent]"))
            line2 = f"{r.publisher_name}  {fmt.date_text(r.published_at)}"
            return f"{' '.join(tags)} {r.title}".strip() + "\n" + line2
        if role == NOTICE_ROLE:
            return r
        if role == Qt.ItemDataRole.FontRole and not r.is_read:
            return theme.ui_font(bold=True)
        if role == Qt.ItemDataRole.ForegroundRole and r.urgent:
            return QBrush(theme.URGENT_RED)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return r.title + ("" if r.is_read else " " + self.tr("unread"))
        return None


class NoticesView(QWidget):
    notice_selected = Signal(str)
    ack_requested = Signal(str)
    compose_requested = Signal()
    receipts_requested = Signal(str)
    open_attachment = Signal(object)  # Attachment

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._detail: NoticeDetail | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 8, 12, 4)
        title = QLabel(self.tr("Notices"))
        title.setObjectName("viewTitle")
        bar.addWidget(title)
        bar.addStretch(1)
        self.compose_button = QPushButton(icon("compose"), self.tr("&New notice…"))
        self.compose_button.setToolTip(self.tr("Publish a notice to units (Ctrl+N)"))
        self.compose_button.clicked.connect(self.compose_requested)
        self.compose_button.hide()
        bar.addWidget(self.compose_button)
        layout.addLayout(bar)

        split = QSplitter()
        split.setObjectName("noticesSplit")
        self.model = NoticeListModel(self)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setAccessibleName(self.tr("Notice list"))
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(2)
        self.list.selectionModel().currentChanged.connect(self._current_changed)
        split.addWidget(self.list)

        pane = QWidget()
        pane_layout = QVBoxLayout(pane)
        self.heading = QLabel()
        self.heading.setObjectName("viewTitle")
        self.heading.setWordWrap(True)
        pane_layout.addWidget(self.heading)
        self.meta = QLabel()
        self.meta.setObjectName("muted")
        self.meta.setWordWrap(True)
        pane_layout.addWidget(self.meta)
        self.body = QTextBrowser()
        self.body.setAccessibleName(self.tr("Notice text"))
        pane_layout.addWidget(self.body, 1)
        self.attachments = QLabel()
        self.attachments.setWordWrap(True)
        # Each attachment name is a link that opens it (keyboard: Tab to it, Enter).
        self.attachments.setTextFormat(Qt.TextFormat.RichText)
        self.attachments.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.attachments.linkActivated.connect(self._attachment_link)
        pane_layout.addWidget(self.attachments)
        actions = QHBoxLayout()
        self.ack_button = QPushButton(self.tr("&Confirm receipt"))
        self.ack_button.setObjectName("primary")
        self.ack_button.setToolTip(self.tr("Tell the publisher you have received this notice"))
        self.ack_button.clicked.connect(self._ack)
        self.receipts_button = QPushButton(self.tr("&Receipts…"))
        self.receipts_button.setToolTip(self.tr("Who has read and confirmed this notice"))
        self.receipts_button.clicked.connect(
            lambda: self._detail and self.receipts_requested.emit(self._detail.row.id))
        self.ack_state = QLabel()
        actions.addWidget(self.ack_button)
        actions.addWidget(self.ack_state)
        actions.addStretch(1)
        actions.addWidget(self.receipts_button)
        pane_layout.addLayout(actions)
        split.addWidget(pane)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([420, 640])
        self.splitter = split
        layout.addWidget(split, 1)
        self.set_detail(None)

    def set_publisher(self, publisher: bool, me: str) -> None:
        self.compose_button.setVisible(publisher)
        self._me = me

    def set_rows(self, rows: list[NoticeRow], keep: str | None = None) -> None:
        self.model.set_rows(rows)
        if keep:
            self.select(keep)

    def select(self, notice_id: str) -> None:
        for i, r in enumerate(self.model.rows()):
            if r.id == notice_id:
                self.list.setCurrentIndex(self.model.index(i))
                return

    def _current_changed(self, current: QModelIndex, _prev: QModelIndex) -> None:
        row = current.data(NOTICE_ROLE) if current.isValid() else None
        if row is not None:
            self.notice_selected.emit(row.id)

    def set_detail(self, detail: NoticeDetail | None) -> None:
        self._detail = detail
        if detail is None:
            self.heading.setText(self.tr("Choose a notice"))
            self.meta.setText("")
            self.body.clear()
            self.attachments.setText("")
            self.ack_button.hide()
            self.ack_state.setText("")
            self.receipts_button.hide()
            return
        r = detail.row
        self.heading.setText(r.title)
        meta = [r.publisher_name, self.tr("Published %1").replace(
            "%1", fmt.datetime_text(r.published_at))]
        if r.expires_at:
            meta.append(self.tr("Valid until %1").replace("%1", fmt.date_text(r.expires_at)))
        if r.urgent:
            meta.insert(0, self.tr("Urgent"))
        self.meta.setText("  ·  ".join(m for m in meta if m))
        self.body.setPlainText(detail.body)
        links = "、".join(f'<a href="attachment:{i}">{escape(a.name)}</a>'
                         for i, a in enumerate(detail.attachments))
        self.attachments.setText(escape(self.tr("Attachments: %1")).replace("%1", links)
                                 if links else "")
        self.attachments.setToolTip(self.tr("Click a name to open the attachment")
                                    if links else "")
        mine = r.publisher_id == getattr(self, "_me", None)
        if mine and r.local_state == "pending_sync":  # my publication, not sent yet
            meta[1] = self.tr("Submitted %1, waiting to be sent to the platform").replace(
                "%1", fmt.datetime_text(r.published_at))
            self.meta.setText("  ·  ".join(m for m in meta if m))
        self.receipts_button.setVisible(mine and r.local_state != "pending_sync")
        if r.requires_ack and not mine:
            self.ack_button.setVisible(not r.acked)
            if r.acked:
                state = (self.tr("Receipt confirmed (waiting to be sent)")
                         if r.local_state == "pending_sync" else self.tr("Receipt confirmed"))
            else:
                state = self.tr("The publisher asks you to confirm receipt")
            self.ack_state.setText(state)
        else:
            self.ack_button.hide()
            self.ack_state.setText("")

    def _attachment_link(self, link: str) -> None:
        detail = self._detail
        if detail is None or not link.startswith("attachment:"):
            return
        index = int(link.split(":", 1)[1])
        if 0 <= index < len(detail.attachments):
            self.open_attachment.emit(detail.attachments[index])

    def attachment_names(self) -> list[str]:
        return [a.name for a in self._detail.attachments] if self._detail else []

    def _ack(self) -> None:
        if self._detail is not None:
            self.ack_button.setEnabled(False)
            self.ack_requested.emit(self._detail.row.id)

    def ack_done(self) -> None:
        self.ack_button.setEnabled(True)


class ReceiptsWidget(QWidget):
    """Publisher's view: who read, who confirmed, who has not yet."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setObjectName("sectionTitle")
        layout.addWidget(self.summary)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Person"), self.tr("Unit"), self.tr("Read"),
                                   self.tr("Confirmed")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName(self.tr("Receipts"))
        # Times and names are never cut off: columns fit their contents, the unit takes
        # what is left (a long unit name elides, its full text is the tooltip).
        header = self.tree.header()
        header.setStretchLastSection(False)
        for col in (COL_PERSON, COL_READ, COL_CONFIRMED):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_UNIT, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.tree)

    def set_status(self, status: ReceiptStatus, names: dict[str, str]) -> None:
        read = {r.user_id: r for r in status.read}
        acked = {r.user_id: r for r in status.acked}
        self.summary.setText(self.tr("%1 of %2 confirmed, %3 read")
                             .replace("%1", str(len(acked)))
                             .replace("%2", str(status.audience_users))
                             .replace("%3", str(len(read))))
        self.tree.clear()
        people = list(dict.fromkeys([*acked, *read, *status.missing]))
        for uid in people:
            r, a = read.get(uid), acked.get(uid)
            name = (a or r).user_name if (a or r) else names.get(uid, uid)
            unit = status.units.get(uid, "")
            item = QTreeWidgetItem([
                name, unit, self._when(r) if r else "—",
                self._when(a) if a else self.tr("not yet")])
            item.setToolTip(COL_UNIT, unit)
            if a is None:
                item.setForeground(COL_CONFIRMED, QBrush(theme.OVERDUE_TEXT))
            self.tree.addTopLevelItem(item)

    def _when(self, receipt: ReceiptInfo) -> str:
        """The reader's time; the platform's beside it when it came much later (offline)."""
        text = fmt.datetime_text(receipt.at)
        if receipt.at and receipt.accepted_at and \
                (receipt.accepted_at - receipt.at).total_seconds() > ACCEPTANCE_SHOWN_AFTER_S:
            text += self.tr(" (platform received %1)").replace(
                "%1", fmt.datetime_text(receipt.accepted_at))
        return text

    def acked_names(self) -> list[str]:
        return [self.tree.topLevelItem(i).text(0) for i in range(self.tree.topLevelItemCount())
                if self.tree.topLevelItem(i).text(COL_CONFIRMED) != self.tr("not yet")]
