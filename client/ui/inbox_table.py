"""The inbox table view, set up for fast scrolling through a very long list.

Every row has the same height, so the vertical header never measures rows
(`ResizeMode.Fixed`; nothing calls resizeRowsToContents): scrolling a 100,000-row list
costs only the paint of the visible rows. That height follows the UI font, so it grows
with the text-size setting (the view gets a FontChange when `theme.apply_theme` sets the
application font), and the model re-formats its cached cells then too.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QEvent, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from client.ui import theme
from client.ui.inbox_model import COL_TITLE, InboxModel

# Default widths at 100 % text size (the title column takes the rest; the step column
# holds two steps, "拟办、承办"); a width the user
# dragged is kept in QSettings by the main window and wins over these.
DEFAULT_WIDTHS = {0: 70, 2: 190, 3: 170, 4: 110, 5: 150, 6: 170}
# Row height in lines of the (bold) UI font: room for two-character tags and a focus frame.
ROW_LINES = 1.9


def row_height_for(scale: float) -> int:
    return int(QFontMetrics(theme.ui_font(scale, bold=True)).height() * ROW_LINES)


class InboxTable(QTableView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setCornerButtonEnabled(False)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        columns = self.horizontalHeader()
        columns.setHighlightSections(False)
        columns.setStretchLastSection(False)
        self.apply_font_scale()

    def setModel(self, model: QAbstractItemModel | None) -> None:  # noqa: N802 (Qt name)
        super().setModel(model)
        if model is not None:
            self.set_default_widths()

    def set_default_widths(self) -> None:
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_TITLE, QHeaderView.ResizeMode.Stretch)
        scale = theme.current_scale()
        for col, width in DEFAULT_WIDTHS.items():
            # Never narrower than the header text ("Urgency" is wider than "紧急").
            self.setColumnWidth(col, max(int(width * scale), self.header_text_width(col)))

    def header_text_width(self, col: int) -> int:
        """Room the header of `col` needs: its text in the bold header font, plus the
        section padding of the style sheet (6 px a side) and a little air."""
        model = self.model()
        text = model.headerData(col, Qt.Orientation.Horizontal) if model else None
        if not text:
            return 0
        return QFontMetrics(theme.ui_font(bold=True)).horizontalAdvance(str(text)) + 20

    def row_height(self) -> int:
        return self.verticalHeader().defaultSectionSize()

    def apply_font_scale(self) -> None:
        """Row height from the current font scale; cached cells formatted again."""
        height = row_height_for(theme.current_scale())
        rows = self.verticalHeader()
        rows.setMinimumSectionSize(min(rows.minimumSectionSize(), height))
        rows.setDefaultSectionSize(height)
        model = self.model()
        if isinstance(model, InboxModel):
            model.restyle()
        for col in DEFAULT_WIDTHS:  # bigger text: headers grow, wider columns stay
            needed = self.header_text_width(col)
            if self.columnWidth(col) < needed:
                self.setColumnWidth(col, needed)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.LanguageChange):
            self.apply_font_scale()
