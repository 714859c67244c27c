"""撤回 on the open document (pytest-qt, a real demo platform): the button offers the
user's own most recent sign-off, asks first, and says honestly what became of it —
withdrawn here (never sent), queued for the platform, recalled, or refused (the
signed opinion stays shown)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMessageBox

from client.services import outbox
from client.session import Profile
from client.types import RecallStage
from client.ui.context import AppContext
from client.ui.main_window import MainWindow
from tests.ui.conftest import PASSWORD, wait_for

OPINION = "同意，请财政局牵头办理，十日内报结果。"


def _open_window(qtbot, ops, platform):  # noqa: ANN001, ANN202
    # Signing needs an enrolled key (issue 13): password + a one-time code from county IT.
    leader = Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
                           enrolment_code=platform.issue_enrolment_code("zhangjianguo"))
    leader.sync()
    window = MainWindow(AppContext(leader, ops))
    qtbot.addWidget(window)
    window.resize(1366, 860)
    window.show()
    wait_for(qtbot, ops, lambda: window.model.rowCount() > 0)
    row = next(r for r in window.model.rows() if r.task_kind == "instruct")
    window.open_document(row.document_id, row.task_id)
    wait_for(qtbot, ops, lambda: window.signoff.task() is not None)
    return leader, window, row


def _answer(monkeypatch, answers: list[Any]) -> list[str]:  # noqa: ANN001
    asked: list[str] = []

    def question(_parent: Any, _title: str, text: str, *_args: Any) -> Any:
        asked.append(text)
        return answers[len(asked) - 1]

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def _sign(qtbot, ops, window, leader) -> None:  # noqa: ANN001
    before = leader.unsent_ops()
    window.signoff.select_decision("approve")
    window.signoff.opinion.setPlainText(OPINION)
    window.signoff.sign_button.click()
    wait_for(qtbot, ops, lambda: leader.unsent_ops() == before + 1)
    view = window.document_page.document
    wait_for(qtbot, ops, lambda: view.recall_button.isVisible())


def test_recall_of_a_queued_signoff_asks_then_gives_the_text_back(
        qtbot, ops, zh, platform, test_keyring, monkeypatch) -> None:  # noqa: ANN001
    leader, window, row = _open_window(qtbot, ops, platform)
    asked = _answer(monkeypatch, [QMessageBox.StandardButton.Cancel,
                                  QMessageBox.StandardButton.Yes])
    _sign(qtbot, ops, window, leader)
    view = window.document_page.document
    assert view.recall_button.isEnabled() and view.recall_button.text().startswith("撤回")
    assert view.recall_info().stage is RecallStage.QUEUED
    unsent = leader.unsent_ops()

    view.recall_button.click()                      # Cancel: nothing happens
    assert len(asked) == 1 and "撤回" in asked[0] and "尚未发送" in asked[0]
    assert leader.unsent_ops() == unsent and window.signoff.task() is None

    view.recall_button.click()                      # Yes: withdrawn, back to 待办
    wait_for(qtbot, ops, lambda: window.signoff.task() is not None)
    assert window.signoff.task().id == row.task_id
    assert window.signoff.opinion.toPlainText() == OPINION
    assert leader.unsent_ops() == unsent - 1
    assert "已撤回" in window.status.currentMessage()
    assert not view.recall_button.isVisible()
    leader.close()


def test_recall_once_sent_is_queued_then_recalled_or_refused(
        qtbot, ops, zh, platform, test_keyring, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    leader, window, row = _open_window(qtbot, ops, platform)
    _answer(monkeypatch, [QMessageBox.StandardButton.Yes] * 3)
    _sign(qtbot, ops, window, leader)
    ctx = window.ctx
    ctx.changes_applied.emit(leader.sync().changes)   # sent and confirmed
    view = window.document_page.document
    wait_for(qtbot, ops, lambda: view.recall_info() is not None
             and view.recall_info().stage is RecallStage.SIGNED)
    assert view.recall_button.isEnabled()

    ctx.online = False
    view.recall_button.click()
    wait_for(qtbot, ops, lambda: view.recall_info().stage is RecallStage.REQUESTED)
    assert "撤回请求已排队，联网后发送" in window.status.currentMessage()
    assert "撤回请求已排队，联网后发送" in view.recall_note.text()
    assert not view.recall_button.isEnabled()
    assert window.signoff.task() is None              # still signed meanwhile

    # The platform refuses (the next step started): the signed opinion stays shown.
    with leader.cache_context():
        (recall_op,) = [o for o in outbox.due_ops(2e9) if o.type == "task.recall"]
        changes = outbox.record_results([{"op_id": recall_op.op_id, "status": "conflict",
                                          "code": "task.recall_too_late"}]).changes
    ctx.changes_applied.emit(changes)
    wait_for(qtbot, ops, lambda: view.recall_info().stage is RecallStage.REFUSED)
    assert view.recall_note.text() == "无法撤回：下一步已开始办理。"
    window.grab().save(str(tmp_path / "refused.png"))
    assert "无法撤回" in window.status.currentMessage()
    mine = [o for o in view.detail().opinions if o.task_id == row.task_id]
    assert mine and not mine[-1].recalled and mine[-1].text == OPINION

    # Asked again, and this time the platform applies it (nothing had started).
    assert view.recall_button.isEnabled()
    ctx.online = True
    view.recall_button.click()
    wait_for(qtbot, ops, lambda: view.recall_info().stage is RecallStage.REQUESTED)
    ctx.changes_applied.emit(leader.sync().changes)
    wait_for(qtbot, ops, lambda: window.signoff.task() is not None)
    assert "已撤回" in window.status.currentMessage()
    assert window.signoff.opinion.toPlainText() == OPINION
    recalled = [o for o in view.detail().opinions if o.task_id == row.task_id]
    assert recalled and recalled[-1].recalled
    assert "撤回" in view.form.toPlainText()
    view.tabs.setCurrentIndex(3)  # 流转记录: the recalled opinion says so
    qtbot.wait(50)
    window.grab().save(str(tmp_path / "recalled.png"))
    view.tabs.setCurrentIndex(0)
    leader.close()


def test_recall_from_the_queue_view(qtbot, ops, zh, platform, test_keyring,
                                    monkeypatch, tmp_path) -> None:  # noqa: ANN001
    leader, window, row = _open_window(qtbot, ops, platform)
    asked = _answer(monkeypatch, [QMessageBox.StandardButton.Yes])
    _sign(qtbot, ops, window, leader)
    window.nav.select("problems")
    problems = window.problems
    wait_for(qtbot, ops, lambda: problems.queue.topLevelItemCount() >= 1)
    current = problems.queue_current()
    assert current is not None and current.type == "task.complete" and current.can_recall
    assert problems.recall.isVisible() and problems.recall.isEnabled()
    assert problems.queue.currentItem().text(0) == "签批"
    window.grab().save(str(tmp_path / "queue.png"))
    unsent = leader.unsent_ops()

    problems.recall.click()
    assert len(asked) == 1 and "撤回" in asked[0]
    wait_for(qtbot, ops, lambda: leader.unsent_ops() == unsent - 1)
    assert "已撤回" in window.status.currentMessage()
    wait_for(qtbot, ops, lambda: not any(
        problems.queue.topLevelItem(i).text(0) == "签批"
        for i in range(problems.queue.topLevelItemCount())))
    # Back in 待办, with the text as its draft.
    with leader.cache_context():
        assert leader.services.signoff.draft(row.task_id).text == OPINION
    leader.close()
