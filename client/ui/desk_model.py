"""A lazy table model over keyset pages (the clerk desk's lists): rows arrive page by
page as the view scrolls, each page fetched on the database thread."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from client.ui.ops import BackgroundOps

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], str]
    # (foreground, background, bold) for a row, or None for the defaults.
    style: Callable[[Any], tuple[Any, Any, bool] | None] | None = None


class PagedRows(QAbstractTableModel):
    """Rows of any dataclass with `sort_key`; `fetch(after, limit)` returns a page with
    `rows` and `next_after` (client.services.exchange.BoxPage, clerk_desk.DeskPage)."""

    PAGE = 100

    def __init__(self, ops: BackgroundOps, columns: Sequence[Column],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self.columns = list(columns)
        self._rows: list[Any] = []
        self._after: Any = None
        self._more = False
        self._loading = False
        self._fetch: Callable[[Any, int], Any] | None = None
        self._generation = 0
        self.on_loaded: Callable[[], None] | None = None

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.beginResetModel()
        self.columns = list(columns)
        self.endResetModel()

    def load(self, fetch: Callable[[Any, int], Any]) -> None:
        """Start again from the first page (the rows shown stay until it arrives)."""
        self._fetch = fetch
        self._generation += 1
        generation = self._generation
        self._loading = True

        def done(page: Any) -> None:
            if generation != self._generation:
                return
            self.beginResetModel()
            self._rows = list(page.rows)
            self._after = page.next_after
            self._more = page.next_after is not None
            self._loading = False
            self.endResetModel()
            if self.on_loaded is not None:
                self.on_loaded()
        self.ops.db(lambda: fetch(None, self.PAGE), done, owner=self, label="desk page")

    def rows(self) -> list[Any]:
        return list(self._rows)

    def row_at(self, row: int) -> Any | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # -- Qt -----------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.columns)):
            return self.columns[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row())
        if row is None or not 0 <= index.column() < len(self.columns):
            return None
        col = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return col.text(row)
        if role == ROW_ROLE:
            return row
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole,
                    Qt.ItemDataRole.FontRole) and col.style is not None:
            style = col.style(row)
            if style is None:
                return None
            fg, bg, bold = style
            if role == Qt.ItemDataRole.ForegroundRole:
                return fg
            if role == Qt.ItemDataRole.BackgroundRole:
                return bg
            if bold:
                from client.ui import theme

                return theme.ui_font(bold=True)
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802, B008
        return not parent.isValid() and self._more and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802, B008
        if not self.canFetchMore(parent) or self._fetch is None:
            return
        self._loading = True
        generation, after, fetch = self._generation, self._after, self._fetch

        def done(page: Any) -> None:
            if generation != self._generation:
                return
            first = len(self._rows)
            if page.rows:
                self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
                self._rows.extend(page.rows)
                self.endInsertRows()
            self._after = page.next_after
            self._more = page.next_after is not None
            self._loading = False
        self.ops.db(lambda: fetch(after, self.PAGE), done, owner=self, label="desk more")
