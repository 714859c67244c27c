"""Status bar: online/offline, last successful sync, unsent operations, 立即同步."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QStatusBar, QWidget

from client.services.sync_status import SyncStatusInfo
from client.ui import fmt
from client.ui.resources import icon


class SyncStatusBar(QStatusBar):
    sync_requested = Signal()
    problems_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(True)
        self.connection = QLabel()
        self.connection.setAccessibleName(self.tr("Connection state"))
        self.last_sync = QLabel()
        self.last_sync.setAccessibleName(self.tr("Last synchronisation"))
        self.pending = QLabel()
        self.pending.setAccessibleName(self.tr("Operations waiting to be sent"))
        # The last sync could not fetch every file pending work needs: it was not
        # complete, whatever else went through.
        self.missing = QLabel()
        self.missing.setObjectName("offline")
        self.missing.setAccessibleName(self.tr("Files not yet downloaded"))
        self.missing.hide()
        self.problems = QPushButton()
        self.problems.setFlat(True)
        self.problems.setIcon(icon("problems"))
        self.problems.clicked.connect(self.problems_requested)
        self.problems.setAccessibleName(self.tr("Sync problems"))
        self.problems.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(120)
        self.progress.setAccessibleName(self.tr("Synchronising"))
        self.progress.hide()
        # What the sync is doing now: phase, counts, bytes, time left (set_progress).
        self.detail = QLabel()
        self.detail.setAccessibleName(self.tr("Synchronisation progress"))
        self.detail.hide()
        self.sync_button = QPushButton(icon("sync"), self.tr("&Sync now"))
        self.sync_button.setToolTip(self.tr("Send your work and fetch new documents (F5)"))
        self.sync_button.setAccessibleName(self.tr("Sync now"))
        self.sync_button.clicked.connect(self.sync_requested)
        for w in (self.connection, self.last_sync, self.pending, self.missing):
            self.addWidget(w)
        self.addPermanentWidget(self.problems)
        self.addPermanentWidget(self.detail)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.sync_button)
        self.set_online(False)
        self.set_last_sync(None)
        self.set_pending(0)

    def show_status(self, info: SyncStatusInfo) -> None:
        """The one sync state (client.services.sync_status), shown whole."""
        self.set_online(info.online)
        self.set_last_sync(info.last_success_at, info.last_error)
        self.set_pending(info.unsent)
        self.set_problems(info.problems)
        self.set_files_missing(info.files_missing)

    def set_files_missing(self, count: int) -> None:
        self.missing.setVisible(count > 0)
        self.missing.setText(self.tr("Sync incomplete: %n file(s) for your pending work not "
                                     "yet downloaded", "", count))
        self.missing.setToolTip(self.tr("The link to the platform broke while files were "
                                        "downloading; the next sync continues"))

    def set_online(self, online: bool) -> None:
        self.connection.setObjectName("online" if online else "offline")
        self.connection.setText("● " + (self.tr("Online") if online else self.tr("Offline")))
        self.connection.setToolTip(
            self.tr("Connected to the county platform") if online else
            self.tr("Working offline: everything you sign is kept and sent later"))
        # Re-polish so the object-name rule (green/red) applies.
        self.connection.style().unpolish(self.connection)
        self.connection.style().polish(self.connection)

    def set_last_sync(self, at: datetime | None, error: str | None = None) -> None:
        if at is None:
            text = self.tr("Not synchronised yet")
        else:
            text = self.tr("Last sync: %1").replace("%1", fmt.datetime_text(at))
        self.last_sync.setText(text)
        self.last_sync.setToolTip(error or "")

    def set_pending(self, count: int) -> None:
        self.pending.setText(self.tr("%n operation(s) waiting to be sent", "", count)
                             if count else self.tr("Nothing waiting to be sent"))

    def set_problems(self, count: int) -> None:
        self.problems.setVisible(count > 0)
        self.problems.setText(self.tr("%n problem(s)", "", count))

    def set_syncing(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.sync_button.setEnabled(not busy)
        if not busy:
            self.detail.hide()
            self.detail.clear()
            self.progress.setRange(0, 0)

    def set_progress(self, p: Any) -> None:
        """A SyncProgress (client.sync.engine): the phase with its counts and bytes."""
        text = self.progress_text(p)
        if not text:
            return
        self.progress.setVisible(True)
        self.sync_button.setEnabled(False)
        self.detail.setText(text)
        # Wide enough for the whole line: the status bar would clip the time left.
        self.detail.ensurePolished()  # the style sheet's font, not the default one
        self.detail.setMinimumWidth(self.detail.fontMetrics().horizontalAdvance(text) + 12)
        self.detail.show()
        if p.phase == "blobs" and p.bytes_total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * min(p.bytes_done, p.bytes_total) / p.bytes_total))
        else:
            self.progress.setRange(0, 0)  # how much is left is not known: busy

    def progress_text(self, p: Any) -> str:
        if p.phase == "push":
            return self.tr("Sending %1 of %2 operations").replace(
                "%1", str(p.ops_sent)).replace("%2", str(max(p.ops_total, p.ops_sent)))
        if p.phase == "pull":
            text = self.tr("Receiving changes: %1 pages, %2 items").replace(
                "%1", str(p.pages)).replace("%2", str(p.objects))
            if p.bytes_done:
                text += self.tr(", %1 received").replace("%1", _size(p.bytes_done))
            return text
        if p.phase == "blobs":
            if not p.files_total:
                return self.tr("Checking documents and attachments")
            text = (self.tr("Downloading files %1/%2, %3 of %4")
                    .replace("%1", str(p.files_done)).replace("%2", str(p.files_total))
                    .replace("%3", _size(p.bytes_done)).replace("%4", _size(p.bytes_total)))
            if p.eta_s is not None and p.files_done < p.files_total:
                text += self.tr(", about %1 s left").replace("%1", f"{p.eta_s:.0f}")
            return text
        return ""


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 10 * 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"
