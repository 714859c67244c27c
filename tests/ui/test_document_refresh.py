"""An open document refreshes itself once its own sign-off is confirmed by a sync.

Real parts: the demo platform subprocess on loopback, a real encrypted cache, the sync
manager thread, and the real widgets offscreen. The document stays open throughout:
nothing reopens it.
"""

from __future__ import annotations

from client.session import Profile
from client.sync.manager import SyncManager
from client.ui.context import AppContext
from client.ui.main_window import MainWindow
from tests.ui.conftest import PASSWORD, wait_for


def _waiting_lines(window: MainWindow) -> list[str]:
    return [line for line in window.document.form.toPlainText().splitlines()
            if "待办理：" in line]


def test_open_document_shows_its_confirmed_signoff_without_reopening(
        qtbot, ops, zh, platform, test_keyring) -> None:  # noqa: ANN001
    leader = Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("zhangjianguo"))
    # Not started yet: the sign-off's request for a sync waits until the test says so.
    manager = SyncManager(leader.engine, interval=3600, use_events=False)
    try:
        leader.sync()
        window = MainWindow(AppContext(leader, ops, manager=manager))
        qtbot.addWidget(window)
        window.resize(1366, 860)
        window.show()
        wait_for(qtbot, ops, lambda: window.model.rowCount() > 0)
        row = next(r for r in window.model.rows() if r.task_kind == "instruct")
        window.open_document(row.document_id, row.task_id)
        wait_for(qtbot, ops, lambda: window.signoff.task() is not None)

        opinion = "同意。请市财政局牵头，会同相关部门抓紧落实。"
        window.signoff.select_decision("approve")
        window.signoff.opinion.setPlainText(opinion)
        window.signoff.sign_button.click()  # sign and stay on this document
        wait_for(qtbot, ops, lambda: leader.unsent_ops() == 0 or opinion in
                 window.document.form.toPlainText())
        form = window.document.form.toPlainText()
        assert opinion in form and "待发送" in form  # signed here, not sent yet
        opened = window.document.detail()

        manager.start()  # the county network carries it to the platform
        assert manager.wait_idle(60)
        wait_for(qtbot, ops, lambda: "待发送" not in window.document.form.toPlainText())

        assert window.document.detail() is not opened  # shown again, not left as it was
        assert window.inbox_stack.currentWidget() is window.document_page  # still open
        form = window.document.form.toPlainText()
        assert opinion in form and "签名有效" in form
        assert not any("张建国" in line for line in _waiting_lines(window)), form
        mine = [t for t in window.document.detail().tasks if t.id == row.task_id]
        assert [t.status for t in mine] == ["done"] and mine[0].local_state == ""
        history = window.document.history
        marks = [history.topLevelItem(i).text(5) for i in range(history.topLevelItemCount())
                 if opinion in history.topLevelItem(i).text(3)]
        assert marks == ["✔ 签名有效"]
        window.close()
    finally:
        manager.stop(timeout=10)
        leader.close()


def test_a_refresh_keeps_what_is_typed_in_the_signoff_panel(
        qtbot, ops, zh, platform, test_keyring) -> None:  # noqa: ANN001
    from client.changes import Changes

    leader = Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("zhangjianguo"))
    try:
        leader.sync()
        window = MainWindow(AppContext(leader, ops))
        qtbot.addWidget(window)
        window.show()
        wait_for(qtbot, ops, lambda: window.model.rowCount() > 0)
        row = next(r for r in window.model.rows() if r.task_kind == "instruct")
        window.open_document(row.document_id, row.task_id)
        wait_for(qtbot, ops, lambda: window.signoff.task() is not None)
        window.signoff.select_decision("approve")
        window.signoff.opinion.setPlainText("同意，请抓紧办理。")
        opened = window.document.detail()

        # Something else about this document changed (say, another leader's opinion).
        window.ctx.changes_applied.emit(Changes(documents=frozenset({row.document_id})))
        wait_for(qtbot, ops, lambda: window.document.detail() is not opened)
        assert window.signoff.task().id == row.task_id
        assert window.signoff.opinion.toPlainText() == "同意，请抓紧办理。"
        assert window.signoff.decision() == "approve"

        # A change elsewhere leaves the page alone.
        shown = window.document.detail()
        window.ctx.changes_applied.emit(Changes(documents=frozenset({"another-document"})))
        ops.wait_idle(10_000)
        assert window.document.detail() is shown
        window.close()
    finally:
        leader.close()
