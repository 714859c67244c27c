"""Lazy table model over keyset pages of the inbox.

Only the pages the user scrolls to are ever read: `canFetchMore`/`fetchMore` ask the
database writer thread for the next page after the last row's sort key, and the rows
are appended when it arrives. A 100,000-document cache costs a page or two of memory
until someone scrolls through it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush

from client.types import InboxPage, InboxRow, SortKey
from client.ui import fmt, theme
from client.ui.ops import BackgroundOps

PageFetcher = Callable[[SortKey | None, int], InboxPage]

PAGE_SIZE = 200

# Column order; widths and visibility are remembered by the view (QSettings).
COL_URGENCY, COL_TITLE, COL_NUMBER, COL_ISSUER, COL_KIND, COL_RECEIVED, COL_DUE = range(7)
COLUMN_COUNT = 7

ROW_ROLE = Qt.ItemDataRole.UserRole + 1

_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
# Roles answered from the per-row cache; the delegate also asks for alignment, check
# state and decoration, which this model never sets.
_PAINT_ROLES = frozenset({_DISPLAY, _FONT, _FOREGROUND, _BACKGROUND,
                          int(Qt.ItemDataRole.TextAlignmentRole.value),
                          int(Qt.ItemDataRole.CheckStateRole.value),
                          int(Qt.ItemDataRole.DecorationRole.value)})

_BRUSHES = {"red": QBrush(theme.URGENT_RED), "orange": QBrush(theme.URGENT_ORANGE),
            "overdue": QBrush(theme.OVERDUE_TEXT),
            "overdue_bg": QBrush(theme.OVERDUE_BACKGROUND)}


class InboxModel(QAbstractTableModel):
    """Rows of one inbox view (待办/已办/收文/传阅) with the current filters and sort."""

    loading_changed = Signal(bool)
    page_loaded = Signal(int)  # rows now held
    load_failed = Signal(object)

    def __init__(self, ops: BackgroundOps, parent: QObject | None = None, *,
                 page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        self._ops = ops
        self._fetch: PageFetcher | None = None
        self._rows: list[InboxRow] = []
        self._cells: dict[int, tuple[dict[int, object], ...]] = {}
        self._next_after: SortKey | None = None
        self._exhausted = True
        self._loading = False
        self._generation = 0  # bumps on every reset: late pages of an old query are dropped
        self.page_size = page_size
        # 收文 rows are documents, not steps: the step column shows their status.
        self.document_rows = False
        self.pages_fetched = 0
        self.rows_fetched = 0

    # -- query control -----------------------------------------------------------------
    def set_fetcher(self, fetch: PageFetcher | None) -> None:
        """Start over with a new query (view, filters or sort changed, or data synced)."""
        self._generation += 1
        self.beginResetModel()
        self._fetch = fetch
        self._rows = []
        self._cells = {}
        self._next_after = None
        self._exhausted = fetch is None
        self._loading = False
        self.endResetModel()
        if fetch is not None:
            self._request_page()

    def reload(self) -> None:
        """Re-run the current query after a sync, keeping as many rows as were shown."""
        fetch = self._fetch
        if fetch is None:
            return
        want = max(len(self._rows), self.page_size)
        self._generation += 1
        generation = self._generation
        self._loading = True
        self.loading_changed.emit(True)

        def load() -> tuple[list[InboxRow], SortKey | None]:
            rows: list[InboxRow] = []
            after: SortKey | None = None
            while len(rows) < want:
                page = fetch(after, min(self.page_size, want - len(rows)) or self.page_size)
                rows += page.rows
                after = page.next_after
                if after is None:
                    break
            return rows, after

        def done(result: tuple[list[InboxRow], SortKey | None]) -> None:
            if generation != self._generation:
                return
            rows, after = result
            self.pages_fetched += 1
            self.rows_fetched += len(rows)
            self.beginResetModel()
            self._rows = rows
            self._cells = {}
            self._next_after = after
            self._exhausted = after is None
            self._loading = False
            self.endResetModel()
            self.loading_changed.emit(False)
            self.page_loaded.emit(len(self._rows))

        self._ops.db(load, done, self._failed(generation), owner=self, label="inbox.reload")

    # -- lazy loading --------------------------------------------------------------------
    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request_page()

    def _request_page(self) -> None:
        fetch = self._fetch
        if fetch is None:
            return
        self._loading = True
        self.loading_changed.emit(True)
        generation = self._generation
        after = self._next_after
        size = self.page_size

        def done(page: InboxPage) -> None:
            if generation != self._generation:
                return
            self.pages_fetched += 1
            self.rows_fetched += len(page.rows)
            if page.rows:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
                self._rows.extend(page.rows)
                self.endInsertRows()
            self._next_after = page.next_after
            self._exhausted = page.next_after is None
            self._loading = False
            self.loading_changed.emit(False)
            self.page_loaded.emit(len(self._rows))

        self._ops.db(lambda: fetch(after, size), done, self._failed(generation), owner=self,
                     label="inbox.page")

    def _failed(self, generation: int) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            if generation != self._generation:
                return
            self._loading = False
            self.loading_changed.emit(False)
            self.load_failed.emit(exc)
        return failed

    def is_loading(self) -> bool:
        return self._loading

    def is_exhausted(self) -> bool:
        return self._exhausted

    # -- access ------------------------------------------------------------------------
    def row_at(self, row: int) -> InboxRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def find(self, *, document_id: str, task_id: str | None = None) -> int:
        for i, r in enumerate(self._rows):
            if r.document_id == document_id and (task_id is None or r.task_id == task_id):
                return i
        return -1

    def rows(self) -> list[InboxRow]:
        return list(self._rows)

    # -- Qt model interface ------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return [
            self.tr("Urgency"), self.tr("Title"), self.tr("Doc No."), self.tr("Issuer"),
            self.tr("Status") if self.document_rows else self.tr("Step"),
            self.tr("Received"), self.tr("Due"),
        ][section]

    def multiData(self, index: QModelIndex | QPersistentModelIndex,
                  roleDataSpan: QModelRoleDataSpan) -> None:  # noqa: N803 (Qt's name)
        """What the delegate asks for on every paint of every cell (font, colours,
        text, …) in one call instead of seven: each Python ↔ C++ crossing costs more
        than the lookup itself, so this halves the frame time while scrolling."""
        row = index.row()
        if not 0 <= row < len(self._rows):
            return
        cell = self._cell_roles(row)[index.column()]
        # The delegate reuses its span from cell to cell: every role must be written,
        # a role without a value cleared (else the previous cell's colour stays).
        for role_data in roleDataSpan:
            role = role_data.role()
            value = cell.get(role) if role in _PAINT_ROLES else self.data(index, role)
            if value is None:
                role_data.clearData()
            else:
                role_data.setData(value)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = index.row()
        r = self._rows[row]
        if role in _PAINT_ROLES:
            return self._cell_roles(row)[index.column()].get(role)
        if role == ROW_ROLE:
            return r
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = r.title
            if r.local_state == "pending_sync":
                tip += "\n" + self.tr("Signed here, waiting to be sent to the platform")
            elif r.local_state in ("conflict", "rejected"):
                tip += "\n" + self.tr("The platform did not accept this; see Problems")
            if self._overdue(r):
                tip += "\n" + self.tr("Past its deadline")
            return tip
        if role == Qt.ItemDataRole.AccessibleTextRole:
            parts = [fmt.urgency_text(r.urgency), r.title, r.doc_number,
                     "" if r.is_read else self.tr("unread")]
            return " ".join(p for p in parts if p)
        return None

    def _cell_roles(self, row: int) -> tuple[dict[int, object], ...]:
        """Display text, font and colours of every cell of a row, formatted once per row
        (dates, flags, fonts) rather than once per cell per paint."""
        cached = self._cells.get(row)
        if cached is not None:
            return cached
        r = self._rows[row]
        overdue = self._overdue(r)
        bold = theme.ui_font(bold=True)
        failed = r.local_state in ("conflict", "rejected")
        cells = []
        for col in range(COLUMN_COUNT):
            roles: dict[int, object] = {_DISPLAY: self._display(r, col)}
            if not r.is_read or (col == COL_URGENCY and r.urgency != "normal"):
                roles[_FONT] = bold
            if col == COL_URGENCY and r.urgency == "very_urgent":
                roles[_FOREGROUND] = _BRUSHES["red"]
            elif col == COL_URGENCY and r.urgency == "urgent":
                roles[_FOREGROUND] = _BRUSHES["orange"]
            elif (col == COL_DUE and overdue) or failed:
                roles[_FOREGROUND] = _BRUSHES["overdue"]
            if overdue:
                roles[_BACKGROUND] = _BRUSHES["overdue_bg"]
            cells.append(roles)
        result = tuple(cells)
        self._cells[row] = result
        return result

    def set_document_rows(self, documents: bool) -> None:
        """Rows are documents (收文) rather than my steps on them (待办, 已办, 传阅)."""
        if documents != self.document_rows:
            self.document_rows = documents
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, COL_KIND, COL_KIND)

    def restyle(self) -> None:
        """Fonts or language changed: format the rows again and repaint them."""
        self._cells = {}
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, COLUMN_COUNT - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, COLUMN_COUNT - 1)

    def _overdue(self, r: InboxRow) -> bool:
        return r.task_status == "pending" and fmt.is_overdue(r.due_at)

    def _display(self, r: InboxRow, col: int) -> str:
        if col == COL_URGENCY:
            return fmt.urgency_text(r.urgency)
        if col == COL_TITLE:
            mark = {"pending_sync": " ⟳", "conflict": " ⚠", "rejected": " ⚠"}.get(
                r.local_state, "")
            return r.title + mark
        if col == COL_NUMBER:
            return r.doc_number
        if col == COL_ISSUER:
            return r.issuer
        if col == COL_KIND:
            if len(r.task_kinds) > 1:
                return self.tr(", ").join(fmt.task_kind_text(k) for k in r.task_kinds)
            return fmt.task_kind_text(r.task_kind) if r.task_kind else \
                fmt.document_status_text(r.status)
        if col == COL_RECEIVED:
            return fmt.short_datetime_text(r.received_at)
        if col == COL_DUE:
            # Same compact form as "received" (the full date shows in the document).
            return fmt.short_datetime_text(r.due_at) if isinstance(r.due_at, datetime) else ""
        return ""
