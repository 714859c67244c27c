"""Print the processing form (with every opinion and signature) or save it as PDF.

The form is laid out on A4 portrait pages of its own, not through QTextDocument.print_():
that path copies a screen document, adds 2 cm margins inside the printer's and a page
number, and so used about 60% of the page width. Here the text fills the printable width,
the size of the type is the printed form's (not the screen's font scale), and a table row
(one opinion) that would straddle a page starts on the next page instead. Where the table
breaks, the page it leaves is closed with a rule under its last row (the space left above
the moved row is not drawn) and the next page opens with a rule above it; every page
carries "第 N 页 共 M 页" at its foot, in a band kept free of the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLineF, QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QPageLayout,
    QPageSize,
    QPainter,
    QPen,
    QTextCursor,
    QTextDocument,
    QTextTable,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

# 12 pt Song as forms are printed (GB/T 9704 body text is 16 pt 仿宋; a form is denser).
PRINT_POINT_SIZE = 12.0
MARGIN_MM = 20.0
FOOTER_MM = 10.0        # the band at the foot of each page for the page number
FOOTER_POINT_SIZE = 10.5


@dataclass(frozen=True)
class TableBreak:
    """Where a table leaves page `page` for the next: the rule closing the page at `y`
    (layout units, from the top of the document), between `left` and `right`."""

    page: int
    y: float
    left: float
    right: float
    pen_width: float


def _a4(printer: QPrinter) -> None:
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setPageMargins(QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                           QPageLayout.Unit.Millimeter)


def _page_size(printer: QPrinter) -> QSizeF:
    """The room for the form on each page: the printable area less the footer band."""
    size = printer.pageLayout().paintRectPixels(printer.resolution()).size().toSizeF()
    return QSizeF(size.width(), size.height() - _footer_height(printer))


def _footer_height(printer: QPrinter) -> float:
    return FOOTER_MM / 25.4 * printer.resolution()


def page_number_text(number: int, total: int) -> str:
    return (QCoreApplication.translate("Printing", "Page %1 of %2")
            .replace("%1", str(number)).replace("%2", str(total)))


def _rows(table: QTextTable) -> list[list[QTextCursor]]:
    """For each row of `table`, a cursor at the start of each cell that begins in it."""
    rows: list[list[QTextCursor]] = []
    for r in range(table.rows()):
        cells = []
        for c in range(table.columns()):
            cell = table.cellAt(r, c)
            if cell.row() == r and cell.column() == c:
                cells.append(cell.firstCursorPosition())
        rows.append(cells)
    return rows


def _keep_rows_whole(doc: QTextDocument, pen_scale: float = 1.0) -> list[TableBreak]:
    """Move each table row that crosses a page boundary to the next page, by padding
    above it (Qt splits rows line by line otherwise); rows are whole opinions, so pages
    break between opinions. Returns where each table leaves a page (for its rules)."""
    height = doc.pageSize().height()
    layout = doc.documentLayout()
    breaks: list[TableBreak] = []
    for table in _tables(doc):
        cell_padding = table.format().cellPadding()
        border = table.format().border()
        rows = _rows(table)
        if not rows or not rows[0]:
            continue
        # The table's outer edges, from its first row's cells (content box + padding).
        first_row = [layout.blockBoundingRect(c.block()) for c in rows[0]]
        # (Padding and border are in CSS pixels; the layout is in printer pixels.)
        inset = (cell_padding + border / 2) * pen_scale
        left = min(r.left() for r in first_row) - inset
        right = max(r.right() for r in first_row) + inset
        for cursors in rows:
            if not cursors:
                continue
            cells = [table.cellAt(c) for c in cursors]
            top = min(layout.blockBoundingRect(c.block()).top() for c in cursors)
            bottom = max(layout.blockBoundingRect(cell.lastCursorPosition().block()).bottom()
                         for cell in cells)
            first_page, last_page = int(top // height), int((bottom - 1) // height)
            if first_page == last_page or bottom - top >= height:
                continue
            # The row's top edge (the last row's bottom rule) before it is padded down.
            edge = top - inset
            breaks.append(TableBreak(page=first_page, y=edge, left=left, right=right,
                                     pen_width=max(1.0, border * pen_scale)))
            gap = (first_page + 1) * height - top + 1
            # Padding is in layout units scaled to the printer: measure the scale.
            _pad(cells, cell_padding + 1)
            scale = max(1e-6, layout.blockBoundingRect(cursors[0].block()).top() - top)
            # Qt adds its own space where a cell's padding crosses a page: settle on the
            # least padding that starts the row's text on the next page.
            target = (first_page + 1) * height
            low, high = 0.0, gap / scale
            for _ in range(12):
                mid = (low + high) / 2
                _pad(cells, cell_padding + mid)
                if layout.blockBoundingRect(cursors[0].block()).top() >= target:
                    high = mid
                else:
                    low = mid
            _pad(cells, cell_padding + high)
    return breaks


def _pad(cells: list, top: float) -> None:  # noqa: ANN001 - QTextTableCell
    for cell in cells:
        fmt = cell.format().toTableCellFormat()
        fmt.setTopPadding(top)
        cell.setFormat(fmt)


def _tables(doc: QTextDocument) -> list[QTextTable]:
    found: list[QTextTable] = []
    for frame in doc.rootFrame().childFrames():
        if isinstance(frame, QTextTable):
            found.append(frame)
    return found


def _print_copy(doc: QTextDocument, printer: QPrinter) -> tuple[QTextDocument,
                                                                list[TableBreak]]:
    """`doc` laid out for `printer`'s pages at the printed type size, and its breaks."""
    copy = doc.clone()
    font = copy.defaultFont()
    font.setPointSizeF(PRINT_POINT_SIZE)
    copy.setDefaultFont(font)
    copy.documentLayout().setPaintDevice(printer)
    copy.setDocumentMargin(0)
    copy.setPageSize(_page_size(printer))
    # Table borders are drawn in layout pixels scaled to the printer (96 per inch).
    breaks = _keep_rows_whole(copy, pen_scale=printer.resolution() / 96)
    return copy, breaks


def _draw_rule(painter: QPainter, y: float, tb: TableBreak) -> None:
    painter.save()
    pen = QPen(QColor("#000000"))
    pen.setWidthF(tb.pen_width)
    pen.setCapStyle(Qt.PenCapStyle.SquareCap)
    painter.setPen(pen)
    painter.drawLine(QLineF(tb.left, y, tb.right, y))
    painter.restore()


def _draw_footer(painter: QPainter, printer: QPrinter, page: QSizeF, number: int,
                 total: int) -> None:
    painter.save()
    font = QFont(painter.font())
    font.setPointSizeF(FOOTER_POINT_SIZE)
    painter.setFont(font)
    painter.setPen(QColor("#000000"))
    band = QRectF(0, page.height(), page.width(), _footer_height(printer))
    painter.drawText(band, int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom),
                     page_number_text(number, total))
    painter.restore()


def _render(doc: QTextDocument, printer: QPrinter) -> int:
    """Paint `doc` on `printer`'s pages; returns how many pages."""
    title = doc.metaInformation(QTextDocument.MetaInformation.DocumentTitle)
    if title:
        printer.setDocName(title)  # the PDF's Title
    copy, breaks = _print_copy(doc, printer)
    page = copy.pageSize()
    total = copy.pageCount()
    leaving = {b.page: b for b in breaks}
    painter = QPainter(printer)
    try:
        painter.setFont(copy.defaultFont())
        for number in range(total):
            if number:
                printer.newPage()
            start = number * page.height()
            end = start + page.height()
            closing = leaving.get(number)
            if closing is not None:
                end = closing.y + closing.pen_width / 2  # the space above the moved row stays blank
            painter.save()
            painter.translate(0, -start)
            context = QAbstractTextDocumentLayout.PaintContext()
            context.clip = QRectF(0, start, page.width(), end - start)
            painter.setClipRect(context.clip)
            copy.documentLayout().draw(painter, context)
            painter.setClipping(False)
            if closing is not None:
                _draw_rule(painter, closing.y, closing)  # the page's table is closed
            opening = leaving.get(number - 1)
            if opening is not None:
                _draw_rule(painter, start + opening.pen_width / 2, opening)  # and reopened
            painter.restore()
            _draw_footer(painter, printer, page, number + 1, total)
    finally:
        painter.end()
    return total


def export_pdf(doc: QTextDocument, path: Path) -> Path:
    """Write `doc` as an A4 PDF; OSError when the file could not be written (QPrinter
    itself only sets an error state and leaves no file)."""
    path = Path(path)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    _a4(printer)
    _render(doc, printer)
    if printer.printerState() == QPrinter.PrinterState.Error or not path.is_file() \
            or path.stat().st_size == 0:
        raise OSError(f"{path}")
    return path


def print_dialog(doc: QTextDocument, parent: QWidget | None = None) -> bool:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    _a4(printer)
    dialog = QPrintDialog(printer, parent)
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    _render(doc, printer)
    return True
