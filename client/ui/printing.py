"""Print the processing form (with every opinion and signature) or save it as PDF.

The form is laid out on A4 portrait pages of its own, not through QTextDocument.print_():
that path copies a screen document, adds 2 cm margins inside the printer's and a page
number, and so used about 60% of the page width. Here the text fills the printable width,
the size of the type is the printed form's (not the screen's font scale), and a table row
(one opinion) that would straddle a page starts on the next page instead.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QPageLayout,
    QPageSize,
    QPainter,
    QTextCursor,
    QTextDocument,
    QTextTable,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

# 12 pt Song as forms are printed (GB/T 9704 body text is 16 pt 仿宋; a form is denser).
PRINT_POINT_SIZE = 12.0
MARGIN_MM = 20.0


def _a4(printer: QPrinter) -> None:
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    printer.setPageMargins(QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                           QPageLayout.Unit.Millimeter)


def _page_size(printer: QPrinter) -> QSizeF:
    return printer.pageLayout().paintRectPixels(printer.resolution()).size().toSizeF()


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


def _keep_rows_whole(doc: QTextDocument) -> None:
    """Move each table row that crosses a page boundary to the next page, by padding
    above it (Qt splits rows line by line otherwise); rows are whole opinions, so pages
    break between opinions."""
    height = doc.pageSize().height()
    layout = doc.documentLayout()
    for table in _tables(doc):
        cell_padding = table.format().cellPadding()
        for cursors in _rows(table):
            if not cursors:
                continue
            cells = [table.cellAt(c) for c in cursors]
            top = min(layout.blockBoundingRect(c.block()).top() for c in cursors)
            bottom = max(layout.blockBoundingRect(cell.lastCursorPosition().block()).bottom()
                         for cell in cells)
            first_page, last_page = int(top // height), int((bottom - 1) // height)
            if first_page == last_page or bottom - top >= height:
                continue
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


def _print_copy(doc: QTextDocument, printer: QPrinter) -> QTextDocument:
    """`doc` laid out for `printer`'s pages at the printed type size."""
    copy = doc.clone()
    font = copy.defaultFont()
    font.setPointSizeF(PRINT_POINT_SIZE)
    copy.setDefaultFont(font)
    copy.documentLayout().setPaintDevice(printer)
    copy.setDocumentMargin(0)
    copy.setPageSize(_page_size(printer))
    _keep_rows_whole(copy)
    return copy


def _render(doc: QTextDocument, printer: QPrinter) -> None:
    title = doc.metaInformation(QTextDocument.MetaInformation.DocumentTitle)
    if title:
        printer.setDocName(title)  # the PDF's Title
    copy = _print_copy(doc, printer)
    page = copy.pageSize()
    painter = QPainter(printer)
    try:
        for number in range(copy.pageCount()):
            if number:
                printer.newPage()
            painter.save()
            painter.translate(0, -number * page.height())
            context = QAbstractTextDocumentLayout.PaintContext()
            context.clip = QRectF(0, number * page.height(), page.width(), page.height())
            copy.documentLayout().draw(painter, context)
            painter.restore()
    finally:
        painter.end()


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
