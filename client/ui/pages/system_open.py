"""Open a document's file (an attachment, the issued PDF) with the computer's own program.

The copy goes to a folder inside the profile, and a program is never opened (issue 13,
client/services/attachments.py). A computer with no program for the file (a fresh UOS
desktop without a PDF reader) used to do nothing at all on the click, with only a Qt
warning in the log: now the user is told so and offered to save the file elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from client.errors import GovDeskError
from client.ui.pages import error_text
from protocol.text_rules import clean_filename


def save_filter(name: str) -> str:
    """The save dialog's file types: the file's own first (PDF 文件 (*.pdf)), then all."""
    every = QCoreApplication.translate("SystemOpen", "All files (*)")
    ext = Path(name).suffix.lstrip(".")
    if not ext or not ext.isalnum():
        return every
    own = QCoreApplication.translate("SystemOpen", "%1 files (*.%2)")
    return own.replace("%1", ext.upper()).replace("%2", ext.lower()) + ";;" + every


def open_copy(parent: QWidget, profile_dir: Path, name: str, data: bytes, *,
              error: Callable[[str], None], message: Callable[[str, int], None]) -> None:
    """Hand a copy of `data` to the system's program for `name`.

    Without such a program, offer to save the file (the user can open it elsewhere, or
    take it to a computer that has a reader)."""
    from client.services import attachments

    try:
        path = attachments.prepare_open(profile_dir, name, data)
    except (GovDeskError, OSError) as exc:
        error(error_text(exc))
        return
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return
    clean = clean_filename(name)
    answer = QMessageBox.question(
        parent, QCoreApplication.translate("SystemOpen", "No program to open this file"),
        QCoreApplication.translate(
            "SystemOpen", "This computer has no program that opens “%1” (for a PDF: a PDF "
            "reader; ask the information centre to install one).\n\nSave the file to "
            "another place instead?").replace("%1", clean),
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Close,
        QMessageBox.StandardButton.Save)
    if answer != QMessageBox.StandardButton.Save:
        return
    title = QCoreApplication.translate("SystemOpen", "Save as")
    target, _ = QFileDialog.getSaveFileName(parent, title, str(Path.home() / clean),
                                            save_filter(clean))
    if not target:
        return
    try:
        Path(target).write_bytes(data)
    except OSError as exc:
        text = QCoreApplication.translate("SystemOpen", "Could not save: %1")
        error(text.replace("%1", str(exc)))
    else:
        text = QCoreApplication.translate("SystemOpen", "Saved %1")
        message(text.replace("%1", target), 6000)
