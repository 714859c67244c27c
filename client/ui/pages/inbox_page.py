"""The inbox list page (待办 / 已办 / 收文 / 传阅): header, filters, the document table."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from client.changes import Changes
from client.types import InboxFilters, InboxRow, InboxSort, InboxView
from client.ui.context import AppContext
from client.ui.filters_bar import FiltersBar
from client.ui.inbox_model import (
    COL_DUE,
    COL_NUMBER,
    COL_RECEIVED,
    COL_URGENCY,
    ROW_ROLE,
    InboxModel,
)
from client.ui.inbox_table import InboxTable
from client.ui.pages import error_text

INBOX_VIEWS = {"todo": InboxView.TODO, "done": InboxView.DONE,
               "received": InboxView.RECEIVED, "circulate": InboxView.CIRCULATE}
# A click on a column header sorts by it (the same orders as the filter bar's sort box).
COLUMN_SORTS = {COL_URGENCY: InboxSort.URGENCY, COL_NUMBER: InboxSort.DOC_NUMBER,
                COL_RECEIVED: InboxSort.RECEIVED, COL_DUE: InboxSort.DUE}
_DESCENDING = frozenset({InboxSort.URGENCY, InboxSort.RECEIVED})


class InboxPage(QWidget):
    open_requested = Signal(str, object)  # document id, task id (or None)
    error = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view_key = "todo"
        self._keep: tuple[str, str | None] | None = None  # row to select again after a reload
        # Each view keeps its own search and filters: a search typed in 已办 must not
        # empty 待办 when the user switches to it.
        self._filter_states: dict[str, tuple[object, ...]] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        header = QHBoxLayout()
        header.setContentsMargins(12, 8, 12, 0)
        self.view_title = QLabel()
        self.view_title.setObjectName("viewTitle")
        header.addWidget(self.view_title)
        header.addStretch(1)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        header.addWidget(self.count_label)
        layout.addLayout(header)
        self.filters = FiltersBar()
        layout.addWidget(self.filters)
        self.model = InboxModel(ctx.ops, self)
        self.table = InboxTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Document list"))
        self.table.activated.connect(self.row_activated)
        layout.addWidget(self.table, 1)
        # The empty state sits in the middle of the list (headers stay) and says why it is
        # empty: nothing matches the search, or there is nothing (left) to do.
        self.empty_label = QLabel(self.table.viewport())
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setObjectName("emptyState")
        self.empty_label.setTextFormat(Qt.TextFormat.RichText)
        self.empty_label.linkActivated.connect(self._empty_link)
        self.empty_label.hide()
        self.table.viewport().installEventFilter(self)

        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.sectionClicked.connect(self.sort_by_column)

        self.filters.changed.connect(self.reload)
        self.model.page_loaded.connect(self._page_loaded)
        self.model.load_failed.connect(lambda e: self.error.emit(error_text(e)))

    def show_view(self, key: str, title: str) -> None:
        if key != self.view_key:
            self._filter_states[self.view_key] = self.filters.state()
            self.filters.set_state(self._filter_states.get(key))
        self.view_key = key
        self.view_title.setText(title)
        self.reload()
        self.load_issuers()

    def load_issuers(self) -> None:
        """Refresh the issuer filter's completions from the cache."""
        self.ctx.ops.db(self.ctx.issuers, self.filters.set_issuers, owner=self,
                        label="issuers")

    def reload(self) -> None:
        """From the top, with the current view, filters and sort."""
        view = INBOX_VIEWS[self.view_key]
        sort = self.filters.sort_order()
        self.model.set_document_rows(view == InboxView.RECEIVED)
        self._show_sort(sort)
        fetch = self.ctx.inbox_fetcher(view, self.filters.filters(), sort)
        self.model.set_fetcher(fetch)

    def sort_by_column(self, column: int) -> None:
        """Header click: sort by that column if it has an order, else keep the order."""
        sort = COLUMN_SORTS.get(column)
        if sort == InboxSort.DUE and INBOX_VIEWS[self.view_key] == InboxView.RECEIVED:
            sort = None  # 收文 has no deadline order of its own (the service keeps 收文时间)
        index = self.filters.sort.findData(sort) if sort is not None else -1
        if index < 0 or index == self.filters.sort.currentIndex():
            self._show_sort(self.filters.sort_order())  # Qt moved the indicator: put it back
            return
        self.filters.sort.setCurrentIndex(index)  # → changed → reload

    def _show_sort(self, sort: InboxSort) -> None:
        column = next((c for c, s in COLUMN_SORTS.items() if s == sort), -1)
        order = (Qt.SortOrder.DescendingOrder if sort in _DESCENDING
                 else Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(column, order)
        header.blockSignals(False)

    def apply_changes(self, changes: Changes) -> None:
        if not changes.inbox:
            return
        current: InboxRow | None = self.table.currentIndex().data(ROW_ROLE)
        if current is not None:
            self._keep = (current.document_id, current.task_id)
        self.model.reload()
        self.load_issuers()

    def focus_search(self) -> None:
        self.filters.search.setFocus()
        self.filters.search.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._place_empty_state()
        return super().eventFilter(watched, event)

    def _place_empty_state(self) -> None:
        self.empty_label.setGeometry(self.table.viewport().rect().adjusted(24, 24, -24, -24))

    def empty_reason(self) -> str:
        """Why the list is empty, in words: the filters, or nothing (left) in the view."""
        if self.filters.filters() != InboxFilters():
            return self.tr("No documents match the search or filters.")
        return {
            "todo": self.tr("All done: nothing is waiting for you."),
            "done": self.tr("You have not handled any documents yet."),
            "received": self.tr("No documents have been received yet."),
            "circulate": self.tr("Nothing is circulated to you to read."),
        }.get(self.view_key, self.tr("Nothing here."))

    def _show_empty_state(self, empty: bool) -> None:
        if not empty:
            self.empty_label.hide()
            self.empty_label.clear()
            return
        reason = html.escape(self.empty_reason())
        text = f'<p style="font-size: large;">{reason}</p>'
        if self.filters.filters() != InboxFilters():
            text += '<p><a href="clear">{}</a></p>'.format(
                html.escape(self.tr("Clear the search and filters")))
        self.empty_label.setText(text)
        self.empty_label.setAccessibleName(self.empty_reason())
        self._place_empty_state()
        self.empty_label.show()

    def _empty_link(self, link: str) -> None:
        if link == "clear":
            self.filters.reset()

    def _page_loaded(self, rows: int) -> None:
        more = "+" if not self.model.is_exhausted() else ""
        self.count_label.setText(self.tr("%1 shown").replace("%1", f"{rows}{more}"))
        self._show_empty_state(rows == 0)
        keep, self._keep = self._keep, None
        found = self.model.find(document_id=keep[0], task_id=keep[1]) if keep else -1
        if found >= 0:
            self.table.selectRow(found)
        elif rows and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def row_activated(self, index) -> None:  # noqa: ANN001
        row: InboxRow | None = index.data(ROW_ROLE)
        if row is not None:
            self.open_requested.emit(row.document_id, row.task_id)
