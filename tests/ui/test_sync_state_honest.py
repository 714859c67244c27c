"""The desk tells the truth about what was sent (issue 10, items 5, 7 and 3).

Real parts: the embedded platform on loopback, a real encrypted cache, the sync manager
thread, the real widgets offscreen.
"""

from __future__ import annotations

from client.session import Profile
from client.ui.context import AppContext
from client.ui.main_window import MainWindow
from tests.ui.conftest import PASSWORD, wait_for


def _window(qtbot, ctx: AppContext) -> MainWindow:  # noqa: ANN001
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 860)
    window.show()
    return window


def _sign_first_instruct(qtbot, ops, window: MainWindow, text: str) -> None:  # noqa: ANN001
    wait_for(qtbot, ops, lambda: window.model.rowCount() > 0)
    row = next(r for r in window.model.rows() if r.task_kind == "instruct")
    window.open_document(row.document_id, row.task_id)
    wait_for(qtbot, ops, lambda: window.signoff.task() is not None)
    window.signoff.select_decision("approve")
    window.signoff.opinion.setPlainText(text)
    window.signoff.sign_button.click()
    wait_for(qtbot, ops, lambda: text in window.document.form.toPlainText())


def test_an_offline_relaunch_shows_the_last_sync_and_the_waiting_ops_everywhere(
        qtbot, ops, zh, platform, test_keyring) -> None:  # noqa: ANN001
    leader = Profile.login(platform.base_url, "zhangjianguo", PASSWORD)
    try:
        leader.sync()  # minutes before: the last successful sync, kept in the cache
        first = _window(qtbot, AppContext(leader, ops))  # offline: no manager
        _sign_first_instruct(qtbot, ops, first, "同意。")
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
        window.close()
    finally:
        leader.close()
