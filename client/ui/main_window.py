"""The main window: navigation, the page stack, status bar, tray, auto-lock, menus.

The pages (client/ui/pages) do the work; this module builds them, wires their signals,
and hands every `Changes` (`AppContext.changes_applied`: an action's, a sync's) to the
views that show something it touched — the one place views are refreshed from.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from client.changes import Changes
from client.services.sync_status import SyncStatusInfo
from client.types import InboxView
from client.ui.context import AppContext
from client.ui.lock_overlay import IdleWatcher, LockOverlay
from client.ui.nav import NavList
from client.ui.pages import error_text
from client.ui.pages.clerk_page import ClerkPage, announce_notes, announce_reminders
from client.ui.pages.document_page import DocumentPage
from client.ui.pages.inbox_page import INBOX_VIEWS, InboxPage
from client.ui.pages.notices_page import NoticesPage
from client.ui.pages.outgoing_page import OutgoingPage
from client.ui.pages.problems_page import ProblemsPage
from client.ui.resources import icon
from client.ui.signoff_panel import SignRequest
from client.ui.status_bar import SyncStatusBar
from client.ui.tray import Tray

log = logging.getLogger(__name__)

__all__ = ["INBOX_VIEWS", "MainWindow", "error_text"]


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, *, idle_timer: QTimer | None = None) -> None:
        """`idle_timer`: the auto-lock's timer, when the caller wants to supply it."""
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle(self.tr("GovDesk — %1").replace("%1", ctx.display_name))
        self.setWindowIcon(icon("govdesk"))
        self.resize(1360, 860)

        central = QWidget()
        outer = QHBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.nav = NavList(roles=ctx.roles)
        outer.addWidget(self.nav)
        self.pages = QStackedWidget()
        outer.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        # Inbox: list page and document page in a stack (full width for big text).
        self.inbox_page = InboxPage(ctx)
        self.document_page = DocumentPage(ctx)
        self.inbox_stack = QStackedWidget()
        self.inbox_stack.addWidget(self.inbox_page)
        self.inbox_stack.addWidget(self.document_page)
        self.pages.addWidget(self.inbox_stack)
        self.notices_page = NoticesPage(ctx, self)
        self.pages.addWidget(self.notices_page.view)
        self.problems_page = ProblemsPage(ctx, self)
        self.pages.addWidget(self.problems_page.view)
        self.outgoing_page = OutgoingPage(ctx)  # 发文
        self.pages.addWidget(self.outgoing_page)
        # 收发: the clerk's desk, for the role clerk only.
        self.clerk_page: ClerkPage | None = None
        if "desk" in self.nav.keys:
            self.clerk_page = ClerkPage(ctx, self)
            self.pages.addWidget(self.clerk_page)

        self.status = SyncStatusBar()
        self.sync_status: SyncStatusInfo | None = None  # the last one read (refresh_status)
        self._quit_after_sync = False
        self.quit_box: QMessageBox | None = None  # while the quit warning is open
        self.setStatusBar(self.status)
        self.tray = Tray(self)
        self.lock_overlay = LockOverlay(self, user_label=ctx.display_name,
                                        verify=ctx.verify_password)
        self.idle = IdleWatcher(ctx.auto_lock_minutes, self, timer=idle_timer)
        self.idle.idle.connect(self.lock)
        self.lock_overlay.unlocked.connect(self._unlocked)

        self._wire()
        self._make_menus()
        self._restore_layout()
        self.nav.select("todo")
        self.refresh_counts()
        self.refresh_status()
        self.document_page.load_side_data()
        self.announce_reminders()
        ctx.ops.db(ctx.unit_name_of_me, self._set_unit_name, owner=self, label="unit")
        ctx.sync_event.connect(self._sync_event)
        ctx.changes_applied.connect(self.apply_changes)
        # Poll the outbox/sync state now and then: cheap, and keeps the bar honest.
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(15_000)
        self._status_timer.timeout.connect(self.refresh_status)
        self._status_timer.start()

    # -- the pages' widgets, by their old names (tests, screenshots) ---------------------
    @property
    def model(self):  # noqa: ANN201
        return self.inbox_page.model

    @property
    def table(self):  # noqa: ANN201
        return self.inbox_page.table

    @property
    def filters(self):  # noqa: ANN201
        return self.inbox_page.filters

    @property
    def document(self):  # noqa: ANN201
        return self.document_page.document

    @property
    def signoff(self):  # noqa: ANN201
        return self.document_page.signoff

    @property
    def notices(self):  # noqa: ANN201
        return self.notices_page.view

    @property
    def problems(self):  # noqa: ANN201
        return self.problems_page.view

    @property
    def doc_split(self):  # noqa: ANN201
        return self.document_page.doc_split

    @property
    def receipts_dialog(self) -> QDialog | None:
        return self.notices_page.receipts_dialog

    def show_receipts(self, notice_id: str) -> None:
        self.notices_page.show_receipts(notice_id)

    # -- wiring -------------------------------------------------------------------------
    def _wire(self) -> None:
        self.nav.page_selected.connect(self.show_page)
        self.inbox_page.open_requested.connect(self.open_document)
        self.inbox_page.error.connect(self.show_error)
        doc = self.document_page
        doc.back_requested.connect(self.show_list)
        doc.no_more_todo.connect(self._no_more_todo)
        doc.message.connect(self.status.showMessage)
        doc.error.connect(self.show_error)
        doc.document.print_requested.connect(self.print_form)
        doc.document.export_requested.connect(self.export_form)
        self.notices_page.message.connect(self.status.showMessage)
        self.notices_page.error.connect(self.show_error)
        self.problems_page.redo_in_document.connect(
            lambda doc_id, task_id, prefill: self.open_document(doc_id, task_id,
                                                                prefill=prefill))
        self.problems_page.error.connect(self.show_error)
        self.problems_page.message.connect(self.status.showMessage)
        self.outgoing_page.message.connect(self.status.showMessage)
        self.outgoing_page.counts_changed.connect(self.nav.set_outgoing_count)
        self.outgoing_page.error.connect(self.show_error)
        self.status.sync_requested.connect(self.sync_now)
        self.status.problems_requested.connect(lambda: self.nav.select("problems"))
        self.tray.open_document.connect(self._open_from_tray)
        self.tray.announced.connect(self._announced)
        if self.clerk_page is not None:
            desk = self.clerk_page
            desk.message.connect(self.status.showMessage)
            desk.error.connect(self.show_error)
            desk.open_document.connect(self.open_document)
            desk.counts_changed.connect(lambda c: self.nav.set_desk_count(
                c.to_receive + c.to_route, hot=bool(c.overdue)))

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        self._action(file_menu, self.tr("&Print processing form…"), "Ctrl+P", self.print_form)
        # triggered(bool) would pass its `checked` as export_form's target.
        self._action(file_menu, self.tr("Save processing form as &PDF…"), "Ctrl+Shift+P",
                     lambda: self.export_form())
        file_menu.addSeparator()
        self._action(file_menu, self.tr("&Lock"), "Ctrl+L", self.lock)
        self._exit_action = self._action(file_menu, self.tr("E&xit"), "Ctrl+Q",
                                         self.request_quit)
        go = bar.addMenu(self.tr("&Go"))
        for i, key in enumerate(self.nav.keys, start=1):
            label = self.nav._labels()[key][0]
            self._action(go, label, f"Ctrl+{i}", lambda k=key: self.nav.select(k))
        go.addSeparator()
        self._action(go, self.tr("&Search"), "Ctrl+F", self._focus_search)
        self._action(go, self.tr("Next document &to do"), "Ctrl+J", self.open_next_todo)
        self._action(go, self.tr("Back to &list"), "Esc", self.show_list)
        sync = bar.addMenu(self.tr("&Sync"))
        self._action(sync, self.tr("Sync &now"), "F5", self.sync_now)
        tools = bar.addMenu(self.tr("&Tools"))
        self._action(tools, self.tr("&Settings…"), "Ctrl+,", self.open_settings)
        self._action(tools, self.tr("&Enrol signing key…"), "Ctrl+Shift+E", self.enrol_key)
        if "publisher" in self.ctx.roles:
            self._action(tools, self.tr("&New notice…"), "Ctrl+N", self.compose_notice)

    def _action(self, menu, text: str, shortcut: str, slot) -> QAction:  # noqa: ANN001
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{text.replace('&', '')} ({shortcut})")
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    # -- layout persistence ----------------------------------------------------------------
    def _settings(self) -> QSettings:
        return QSettings("GovDesk", "GovDesk")

    def _restore_layout(self) -> None:
        s = self._settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        self.document_page.restore_split(s.value("window/docSplit"))
        state = s.value("window/noticesSplit")
        if isinstance(state, QByteArray):
            self.notices.splitter.restoreState(state)
        header = s.value("inbox/header")
        if isinstance(header, QByteArray):
            self.table.horizontalHeader().restoreState(header)
            self.table.apply_font_scale()  # a layout saved at a smaller text size

    def save_layout(self) -> None:
        s = self._settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/docSplit", self.document_page.doc_split.saveState())
        s.setValue("window/noticesSplit", self.notices.splitter.saveState())
        s.setValue("inbox/header", self.table.horizontalHeader().saveState())
        s.sync()

    # -- quitting ----------------------------------------------------------------------------
    def request_quit(self) -> None:
        """File ▸ Exit: warn first when operations are still waiting to be sent."""
        if self.confirm_quit():
            self.close()

    def confirm_quit(self) -> bool:
        """Whether to quit now. With unsent operations the user is told they stay on this
        computer, and (online) offered to send them first: then the window closes once
        that sync has ended, whatever its outcome. Nothing is lost either way."""
        info = self.sync_status
        if info is None or not info.unsent:
            return True
        can_sync = info.online and self.ctx.manager is not None
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Quit GovDesk"), "", parent=self)
        text = self.tr("%n operation(s) have not been sent to the platform yet.", "",
                       info.unsent)
        if can_sync:
            more = self.tr("Send them now, before quitting? If you quit anyway they "
                           "are kept on this computer and sent the next time you "
                           "work online.")
        else:
            more = self.tr("You are offline: they are kept on this computer and sent "
                           "the next time you work online.")
        box.setText(text)
        box.setInformativeText(more)
        sync_button = (box.addButton(self.tr("&Send first, then quit"),
                                     QMessageBox.ButtonRole.AcceptRole) if can_sync else None)
        quit_button = box.addButton(self.tr("&Quit anyway") if can_sync else self.tr("&Quit"),
                                    QMessageBox.ButtonRole.DestructiveRole)
        cancel_button = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(sync_button or cancel_button)
        self.quit_box = box
        box.exec()
        self.quit_box = None
        clicked = box.clickedButton()
        if clicked is quit_button:
            return True
        if sync_button is not None and clicked is sync_button:
            self._quit_after_sync = True
            self.status.showMessage(self.tr("Sending your work to the platform; GovDesk "
                                            "closes when it is done…"))
            self.sync_now()
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        # The window's close button (a spontaneous close) warns as File ▸ Exit does; a
        # close by the program (after the sync the user chose, sign-out) does not ask.
        if event.spontaneous() and not self.confirm_quit():
            event.ignore()
            return
        self.document_page.save_draft()
        self.outgoing_page.save_draft()
        self.save_layout()
        self.tray.hide()
        super().closeEvent(event)

    # -- navigation ----------------------------------------------------------------------
    def show_page(self, key: str) -> None:
        if key in INBOX_VIEWS:
            self.pages.setCurrentWidget(self.inbox_stack)
            self.show_list()
            self.inbox_page.show_view(key, self.nav._labels()[key][0])
        elif key == "notices":
            self.pages.setCurrentWidget(self.notices)
            self.notices_page.reload()
        elif key == "problems":
            self.pages.setCurrentWidget(self.problems)
            self.problems_page.reload()
        elif key == "outgoing":
            self.pages.setCurrentWidget(self.outgoing_page)
            self.outgoing_page.open_from_navigation()
        elif key == "desk" and self.clerk_page is not None:
            self.pages.setCurrentWidget(self.clerk_page)
            self.clerk_page.show_desk()

    def show_list(self) -> None:
        if self.lock_overlay.is_locked():
            return
        self.document_page.save_draft()
        self.inbox_stack.setCurrentWidget(self.inbox_page)
        self.table.setFocus()

    def _focus_search(self) -> None:
        if self.pages.currentWidget() is not self.inbox_stack:
            self.nav.select("received")
        self.show_list()
        self.inbox_page.focus_search()

    def open_document(self, document_id: str, task_id: str | None = None, *,
                      prefill: SignRequest | None = None) -> None:
        self.pages.setCurrentWidget(self.inbox_stack)
        self.inbox_stack.setCurrentWidget(self.document_page)
        self.document_page.open(document_id, task_id, prefill=prefill)

    def _row_activated(self, index) -> None:  # noqa: ANN001
        self.inbox_page.row_activated(index)

    def open_next_todo(self) -> None:
        # From an open document: the next one of its own list (待办 or 传阅); from a list:
        # the next 待办.
        reading = self.inbox_stack.currentWidget() is self.document_page
        self.document_page.open_next_todo(None if reading else InboxView.TODO)

    def _no_more_todo(self, view_key: str = "todo") -> None:
        self.nav.select(view_key)
        self.show_list()

    def print_form(self) -> None:
        self.document_page.print_form()

    def export_form(self, target: Path | None = None) -> Path | None:
        """Save the processing form as PDF: to `target`, else where the user chooses."""
        return self.document_page.export_form(target)

    def compose_notice(self) -> None:
        self.notices_page.compose()

    def reload_notices(self, keep: str | None = None) -> None:
        self.notices_page.reload(keep)

    def _set_unit_name(self, name: str) -> None:
        self.ctx.unit_name = name
        self.document_page.set_office_name(name)

    # -- what changed --------------------------------------------------------------------
    def apply_changes(self, changes: Changes) -> None:
        """Refresh every view that shows something `changes` touched."""
        if changes.inbox or changes.notices or changes.outbox or changes.outgoing:
            self.refresh_counts()
        if changes.outbox or changes.sync_state or changes.everything:
            self.refresh_status()
        self.inbox_page.apply_changes(changes)
        self.document_page.apply_changes(changes)
        current = self.pages.currentWidget()
        self.notices_page.apply_changes(changes, visible=current is self.notices)
        self.problems_page.apply_changes(changes, visible=current is self.problems)
        self.outgoing_page.apply_changes(changes, visible=current is self.outgoing_page)
        if self.clerk_page is not None:
            self.clerk_page.apply_changes(changes, visible=current is self.clerk_page)
        if changes.exchange or changes.everything:
            self.announce_reminders()

    # -- status, sync, tray ------------------------------------------------------------
    def refresh_counts(self) -> None:
        def done(counts) -> None:  # noqa: ANN001
            self.nav.set_counts(counts)
            self.status.set_problems(counts.problems)
        self.ctx.ops.db(self.ctx.badge_counts, done, owner=self, label="counts")
        self.outgoing_page.refresh_counts()
        if self.clerk_page is not None:
            self.clerk_page.refresh_counts()

    def announce_reminders(self) -> None:
        """催办 and 留言 addressed to me that this PC has not shown: a tray alert each,
        recorded."""
        announce_reminders(self.ctx, self.tray, self)
        announce_notes(self.ctx, self.tray, self)

    def refresh_status(self) -> None:
        def done(info: SyncStatusInfo) -> None:
            self.sync_status = info
            self.status.show_status(info)
            self.problems_page.show_status(info)
        self.ctx.ops.db(self.ctx.status_info, done, owner=self, label="status")

    def sync_now(self) -> None:
        self.status.set_syncing(True)
        self.ctx.request_sync()

    def _sync_event(self, kind: str, payload: object) -> None:
        """From the sync manager (queued to the GUI thread by the context); what a sync
        changed arrives separately, as `changes_applied`."""
        if kind == "started":
            self.status.set_syncing(True)
        elif kind in ("finished", "failed"):
            self.status.set_syncing(False)
            if kind == "finished":
                self._announce_new_keys()
            if kind == "failed" and payload:
                self.status.showMessage(str(payload), 8000)
            if self._quit_after_sync:  # the user chose to send first, then quit
                self._quit_after_sync = False
                self.close()
        elif kind == "progress":
            self.status.set_progress(payload)
        elif kind == "online":
            self.status.set_online(bool(payload))
            self.refresh_status()
        elif kind in ("very_urgent", "urgent_notice"):
            ids = list(payload or [])  # type: ignore[call-overload]

            def announce(titles: dict[str, str]) -> None:
                for ident in ids:
                    if kind == "very_urgent":
                        self.tray.notify_document(ident, titles.get(ident, ""))
                    else:
                        self.tray.notify_notice(ident, titles.get(ident, ""))
            self.ctx.ops.db(lambda: self.ctx.titles(ids), announce, owner=self, label="tray")

    def _announced(self, _kind: str, _ident: str, heading: str, text: str) -> None:
        self.status.showMessage(self.tr("%1: %2").replace("%1", heading).replace("%2", text),
                                30_000)

    def _open_from_tray(self, kind: str, ident: str) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()
        if kind == "document":
            if ident:  # a reminder on a 发文 step names no 收文
                self.open_document(ident)
        else:
            self.nav.select("notices")
            self.reload_notices(keep=ident)

    def show_error(self, text: str) -> None:
        self.status.showMessage(text, 10_000)
        log.warning("shown to user: %s", text)

    # -- signing key (issue 13) ----------------------------------------------------------
    def enrol_key(self) -> bool:
        """启用签名密钥: password + one-time code; True when the key was enrolled."""
        from client.ui.enrol_dialog import EnrolKeyDialog

        dialog = EnrolKeyDialog(self.ctx.ops, self.ctx.profile, self)
        self.enrol_dialog = dialog
        if not dialog.exec():
            return False
        self.ctx.forget_signer()
        self.status.showMessage(self.tr("Signing key enrolled: you can sign on this PC."),
                                10_000)
        self.ctx.request_sync()
        return True

    def _announce_new_keys(self) -> None:
        """A signing key enrolled for me on another device: say so, loudly, once."""
        def shown(found: list) -> None:  # noqa: ANN001
            if not found:
                return
            lines = [self.tr("%1 on %2 (key %3)")
                     .replace("%1", a.enrolled_at.astimezone().strftime("%Y-%m-%d %H:%M")
                              if a.enrolled_at else "?")
                     .replace("%2", a.device_name or self.tr("an unknown device"))
                     .replace("%3", a.key_id) for a in found]
            box = QMessageBox(QMessageBox.Icon.Warning, self.tr("New signing key"),
                              self.tr("A new signing key was enrolled for your account:\n%1\n\n"
                                      "If this was not you, revoke it at once (command line: "
                                      "keys --revoke) and call the county information centre.")
                              .replace("%1", "\n".join(lines)), QMessageBox.StandardButton.Ok,
                              self)
            self.key_notice = box
            box.open()
        self.ctx.ops.db(lambda: self.ctx.profile.new_keys_elsewhere(mark=True), shown,
                        owner=self, label="key notices")

    # -- settings and lock ---------------------------------------------------------------
    def open_settings(self) -> None:
        from client.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx, self)
        if dialog.exec():
            self.idle.set_minutes(self.ctx.auto_lock_minutes)  # auto-lock applies at once

    def lock(self) -> None:
        """Cover the window until the password is given again. What is under the cover is
        also hidden and disabled, so no shortcut (Ctrl+P, Ctrl+Enter signs), Tab focus or
        screen reader reaches a document while locked."""
        if self.lock_overlay.is_locked():
            return
        self.document_page.save_draft()
        self.outgoing_page.save_draft()
        self._set_content_locked(True)
        self.lock_overlay.lock()
        self.tray.set_locked(True)

    def _unlocked(self) -> None:
        self._set_content_locked(False)
        self.tray.set_locked(False)
        self.idle.poke()

    def _set_content_locked(self, locked: bool) -> None:
        central = self.centralWidget()
        central.setVisible(not locked)
        for w in (central, self.menuBar(), self.statusBar()):
            w.setEnabled(not locked)
        for action in self.actions():
            if action is not self._exit_action:
                action.setEnabled(not locked)
