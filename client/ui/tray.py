"""Tray icon: a balloon for every new 特急 document and urgent notice; click opens it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

from client.ui.resources import icon


class Tray(QObject):
    open_document = Signal(str, str)  # kind ("document" | "notice"), id
    # kind, id, heading, text: every announcement, as shown (the window repeats it in the
    # status bar, which is all a desktop without a tray area would otherwise show).
    announced = Signal(str, str, str, str)

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._last: tuple[str, str] | None = None
        self._locked = False
        self.shown: list[tuple[str, str]] = []  # what was announced (tests, accessibility)
        # The 留言 announcement under way: None, "running", or "again" (one more after it).
        self.notes_round: str | None = None
        self.icon = QSystemTrayIcon(icon("govdesk"), self)
        self.icon.setToolTip(self.tr("GovDesk"))
        menu = QMenu(window)
        menu.addAction(self.tr("Show GovDesk"), self._show)
        menu.addAction(self.tr("Quit"), getattr(window, "request_quit", window.close))
        self.icon.setContextMenu(menu)
        self.icon.messageClicked.connect(self._clicked)
        self.icon.activated.connect(lambda _reason: self._show())
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon.show()

    def set_locked(self, locked: bool) -> None:
        # While locked, balloons say that something arrived but not what (the title of a
        # document is itself information).
        self._locked = locked

    def notify_document(self, document_id: str, title: str) -> None:
        self._announce("document", document_id, self.tr("Extra urgent document"), title)

    def notify_notice(self, notice_id: str, title: str) -> None:
        self._announce("notice", notice_id, self.tr("Urgent notice"), title)

    def notify_reminder(self, document_id: str, sender: str, text: str) -> None:
        """催办: a clerk reminds me of a task (clicking opens its document)."""
        heading = self.tr("Reminder from %1").replace("%1", sender) if sender else \
            self.tr("Reminder")
        self._announce("document", document_id, heading, text)

    def notify_note(self, document_id: str, sender: str, text: str) -> None:
        """留言 to me about a document (clicking opens it), announced as a 催办 is."""
        heading = self.tr("Note from %1").replace("%1", sender) if sender else self.tr("Note")
        self._announce("document", document_id, heading, text)

    def _announce(self, kind: str, ident: str, heading: str, title: str) -> None:
        self._last = (kind, ident)
        self.shown.append((kind, ident))
        text = self.tr("Unlock GovDesk to read it.") if self._locked else title
        if self.icon.isVisible():
            self.icon.showMessage(heading, text, QSystemTrayIcon.MessageIcon.Warning, 15_000)
        else:  # no tray (some kiosk desktops): flash the taskbar entry instead
            QApplication.alert(self._window, 0)
        self.announced.emit(kind, ident, heading, text)

    def _clicked(self) -> None:
        if self._last is not None and not self._locked:
            self.open_document.emit(*self._last)

    def _show(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()

    def hide(self) -> None:
        self.icon.hide()
