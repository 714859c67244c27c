"""The desk tells the truth about what was sent (issue 10, items 5, 7 and 3).

Real parts: the embedded platform on loopback, a real encrypted cache, the sync manager
thread, the real widgets offscreen.
"""

from __future__ import annotations

from client.session import Profile
from client.sync.manager import SyncManager
from client.ui.context import AppContext
from client.ui.main_window import MainWindow
from tests.ui.conftest import PASSWORD, wait_for


def _window(qtbot, ctx: AppContext) -> MainWindow:  # noqa: ANN001
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 860)
    window.show()
    return window


def _sign_first_instruct(qtbot, ops, window: MainWindow, text: str):  # noqa: ANN001, ANN202
    wait_for(qtbot, ops, lambda: window.model.rowCount() > 0)
    row = next(r for r in window.model.rows() if r.task_kind == "instruct")
    window.open_document(row.document_id, row.task_id)
    wait_for(qtbot, ops, lambda: window.signoff.task() is not None)
    window.signoff.select_decision("approve")
    window.signoff.opinion.setPlainText(text)
    window.signoff.sign_button.click()
    wait_for(qtbot, ops, lambda: text in window.document.form.toPlainText())
    return row


def test_an_offline_relaunch_shows_the_last_sync_and_the_waiting_ops_everywhere(
        qtbot, ops, zh, platform, test_keyring) -> None:  # noqa: ANN001
    leader = Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("zhangjianguo"))
    try:
        leader.sync()  # minutes before: the last successful sync, kept in the cache
        first = _window(qtbot, AppContext(leader, ops))  # offline: no manager
        signed = _sign_first_instruct(qtbot, ops, first, "同意。")
        first.close()
        waiting = leader.unsent_ops()  # the sign-off and the read mark
        assert waiting >= 1

        # Relaunched offline: a new context and window, nothing carried in memory.
        window = _window(qtbot, AppContext(leader, ops))
        window.refresh_status()
        wait_for(qtbot, ops, lambda: window.sync_status is not None)
        bar = window.status
        assert "尚未同步" not in bar.last_sync.text()
        assert bar.last_sync.text().startswith("上次同步")
        assert "离线" in bar.connection.text()
        assert f"{waiting} 项操作待发送" in bar.pending.text(), bar.pending.text()
        window.nav.select("problems")
        wait_for(qtbot, ops, lambda: window.problems.is_empty())
        empty = window.problems.empty.text()
        assert "所有操作都已送达平台" not in empty
        assert f"还有 {waiting} 项操作等待发送" in empty, empty
        # Each waiting op in words: what it is, on which document, since when.
        queue = window.problems.queue
        assert queue.isVisible() and queue.topLevelItemCount() == waiting
        rows = [[queue.topLevelItem(i).text(c) for c in range(6)] for i in range(waiting)]
        sign = next(r for r in rows if r[0] == "签批")
        assert sign[1] == signed.doc_number and sign[2] == signed.title, rows
        assert sign[3] and sign[4] == "等待发送" and sign[5] == ""
        assert window.problems.queue_title.text() == f"待发送的操作（{waiting}）"
        window.close()
    finally:
        leader.close()


def test_the_signed_message_says_what_is_true_online_and_then_that_it_was_delivered(
        qtbot, ops, zh, platform, test_keyring) -> None:  # noqa: ANN001
    leader = Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("zhangjianguo"))
    manager = SyncManager(leader.engine, interval=3600, use_events=False)
    try:
        leader.sync()
        window = _window(qtbot, AppContext(leader, ops, manager=manager))
        manager.start()
        assert manager.wait_idle(60)
        qtbot.waitUntil(lambda: window.ctx.online, timeout=10_000)
        messages: list[str] = []
        window.document_page.message.connect(lambda text, _ms: messages.append(text))

        _sign_first_instruct(qtbot, ops, window, "同意，请抓紧落实。")
        assert messages and "联网后" not in messages[0] and "离线" not in messages[0]
        assert "正在发送" in messages[0], messages
        assert manager.wait_idle(60)
        wait_for(qtbot, ops, lambda: any("已送达平台" in m for m in messages))
        assert leader.unsent_ops() == 0
        assert not window.document_page.delivery.watching()
        window.close()
    finally:
        manager.stop(timeout=10)
        leader.close()


def test_the_signed_message_offline_says_it_waits_for_the_network(
        qtbot, ops, zh, platform, test_keyring) -> None:  # noqa: ANN001
    leader = Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("zhangjianguo"))
    try:
        leader.sync()
        window = _window(qtbot, AppContext(leader, ops))  # no manager: offline
        messages: list[str] = []
        window.document_page.message.connect(lambda text, _ms: messages.append(text))
        _sign_first_instruct(qtbot, ops, window, "已阅。")
        assert messages and "离线" in messages[0] and "联网后" in messages[0], messages
        assert window.document_page.delivery.watching()  # not claimed as delivered
        window.close()
    finally:
        leader.close()


def test_a_notice_published_offline_is_listed_at_once_as_waiting_and_only_once(
        qtbot, ops, zh, platform, test_keyring) -> None:  # noqa: ANN001
    from client.ui.notice_compose import NoticeForm

    publisher = Profile.login(platform.base_url, "zhaoxin", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("zhaoxin"))
    try:
        publisher.sync()
        window = _window(qtbot, AppContext(publisher, ops))  # offline
        window.nav.select("notices")
        got: list[object] = []
        ops.db(window.ctx.directory, got.append)
        assert ops.wait_idle(30_000) and got
        units = got[0][0]  # type: ignore[index]
        form = NoticeForm(title="关于开展冬季消防安全检查的通知", body="请各单位于本周内完成自查。",
                          audience_unit_ids=[units[0].id], requires_ack=True, urgent=False,
                          expires_on=None, client_ref="compose-1")
        errors: list[str] = []
        window.notices_page.error.connect(errors.append)
        messages: list[str] = []
        window.notices_page.message.connect(lambda text, _ms: messages.append(text))
        window.notices_page.publish(form)
        wait_for(qtbot, ops, lambda: any(form.title in r.title
                                         for r in window.notices.model.rows()))
        [row] = [r for r in window.notices.model.rows() if r.title == form.title]
        assert row.local_state == "pending_sync"
        shown = [window.notices.model.data(window.notices.model.index(i))
                 for i in range(window.notices.model.rowCount())]
        assert any("[待发送]" in text and form.title in text for text in shown), shown
        assert messages and "离线" in messages[0], messages

        # The same form submitted again, and the same notice composed anew: refused.
        window.notices_page.publish(form)
        again = NoticeForm(**{**form.__dict__, "client_ref": "compose-2"})
        window.notices_page.publish(again)
        wait_for(qtbot, ops, lambda: len(errors) == 2)
        assert "已提交发布" in errors[0] and "已提交发布" in errors[1], errors
        assert publisher.unsent_ops() == 1
        window.close()
    finally:
        publisher.close()


def _answer_quit_box(qtbot, window: MainWindow, role, seen: list[str]) -> None:  # noqa: ANN001
    """Click the quit warning's button of `role` once it is open (it runs modally)."""
    from PySide6.QtCore import QTimer

    def click() -> None:
        box = window.quit_box
        if box is None:
            QTimer.singleShot(50, click)
            return
        seen.append(box.text() + box.informativeText())
        seen.append("|".join(b.text() for b in box.buttons()))
        [button] = [b for b in box.buttons() if box.buttonRole(b) == role]
        button.click()
    QTimer.singleShot(50, click)


def test_quitting_with_unsent_operations_warns_and_offers_to_send_first(
        qtbot, ops, zh, platform, test_keyring) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QMessageBox

    Role = QMessageBox.ButtonRole
    leader = Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("zhangjianguo"))
    manager = SyncManager(leader.engine, interval=3600, use_events=False)
    try:
        leader.sync()
        # Offline: warned; the ops stay on this computer; quit or stay.
        offline = _window(qtbot, AppContext(leader, ops))
        _sign_first_instruct(qtbot, ops, offline, "同意。")
        offline.refresh_status()
        wait_for(qtbot, ops, lambda: offline.sync_status is not None
                 and offline.sync_status.unsent >= 1)
        seen: list[str] = []
        _answer_quit_box(qtbot, offline, Role.RejectRole, seen)  # 取消
        offline.request_quit()
        assert offline.isVisible() and "尚未发送到平台" in seen[0] and "离线" in seen[0], seen
        assert "先发送" not in seen[1]  # nothing to offer offline
        seen.clear()
        _answer_quit_box(qtbot, offline, Role.DestructiveRole, seen)  # 退出
        offline.request_quit()
        assert not offline.isVisible() and leader.unsent_ops() >= 1  # kept

        # Online: offered to send first; the window closes once that sync has ended.
        ctx = AppContext(leader, ops, manager=manager)
        ctx.online = True  # as after an online sign-in, before the manager's first sync
        window = _window(qtbot, ctx)
        window.refresh_status()
        wait_for(qtbot, ops, lambda: window.sync_status is not None
                 and window.sync_status.unsent >= 1)
        seen.clear()
        _answer_quit_box(qtbot, window, Role.AcceptRole, seen)  # 先发送再退出
        window.request_quit()
        assert window.isVisible() and "先发送" in seen[1], seen
        manager.start()
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=60_000)
        assert leader.unsent_ops() == 0
    finally:
        manager.stop(timeout=10)
        leader.close()
