"""Print the processing form (with every opinion and signature) or save it as PDF."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget


def _a4(printer: QPrinter) -> None:
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    # GB/T 9704 margins are about 25-37 mm; 20 mm keeps the form on one page.
    from PySide6.QtCore import QMarginsF

    printer.setPageMargins(QMarginsF(20, 20, 20, 20), QPageLayout.Unit.Millimeter)


def export_pdf(doc: QTextDocument, path: Path) -> Path:
    """Write `doc` as an A4 PDF; OSError when the file could not be written (QPrinter
    itself only sets an error state and leaves no file)."""
    path = Path(path)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    _a4(printer)
    doc.print_(printer)
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
    doc.print_(printer)
    return True
