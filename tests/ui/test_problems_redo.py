"""A sign-off that conflicts (the clerk moved the task meanwhile) shows in Problems with
the text intact, and Redo signs it again on the document's current task."""

from __future__ import annotations

import requests
from PySide6.QtCore import QTimer

from client import models
from client.services import outbox
from client.session import Profile
from tests.ui.conftest import PASSWORD, wait_for
from tests.ui.test_signoff_e2e import _window


def _reroute(platform, headers: dict[str, str], task_id: str, assignee: str) -> str:  # noqa: ANN001
    r = requests.post(f"{platform.base_url}/api/v1/admin/tasks/{task_id}/reroute",
                      json={"assignee_id": assignee}, headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["id"]


def _sign_first_instruct(qtbot, ops, window, leader, text: str):  # noqa: ANN001, ANN202
    """Approve the first 批示 task in the to-do list with `text`; returns its inbox row
    once the sign-off waits in the outbox."""
    wait_for(qtbot, ops, lambda: window.model.rowCount() > 0)
    row = next(r for r in window.model.rows() if r.task_kind == "instruct")
    window.open_document(row.document_id, row.task_id)
    wait_for(qtbot, ops, lambda: window.signoff.task() is not None)
    window.signoff.select_decision("approve")
    window.signoff.opinion.setPlainText(text)
    window.signoff.sign_button.click()
    wait_for(qtbot, ops, lambda: leader.unsent_ops() >= 1)
    return row


def _move_away_and_back(platform, task_id: str) -> None:  # noqa: ANN001
    """The registry reroutes the step to 李华 and back: the signed task is gone."""
    import synckit  # tests/sync helpers (on sys.path through the test_keyring fixture)

    clerk = synckit.raw_session(platform, "wangli")
    users = {u.username: u.id for u in models.User.select()}
    moved = _reroute(platform, clerk, task_id, users["lihua"])
    _reroute(platform, clerk, moved, users["zhangjianguo"])


def test_conflict_keeps_text_and_can_be_redone(qtbot, ops, zh, platform,
                                               test_keyring) -> None:  # noqa: ANN001
    leader = Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("zhangjianguo"))
    try:
        leader.sync()
        window = _window(qtbot, ops, leader)
        window.nav.select("problems")  # nothing yet: the friendly empty state
        wait_for(qtbot, ops, lambda: window.problems.is_empty()
                 and window.problems.empty.isVisible())
        window.nav.select("todo")
        text = "拟同意，请财政局提出具体方案后再报。"
        row = _sign_first_instruct(qtbot, ops, window, leader, text)

        # Meanwhile the registry moves the step away and back: the signed task is gone.
        _move_away_and_back(platform, row.task_id)

        leader.sync()
        problems = outbox.problems()
        assert [p.type for p in problems] == ["task.complete"]
        window.nav.select("problems")
        wait_for(qtbot, ops, lambda: window.problems.tree.topLevelItemCount() == 1)
        assert not window.problems.is_empty() and window.problems.tree.isVisible()
        assert text in window.problems.kept.toPlainText()
        assert window.problems.tree.topLevelItem(0).text(3) == "平台上该办理环节已被撤回或改派他人"
        assert window.problems.redo.isEnabled()

        window.problems.redo.click()
        wait_for(qtbot, ops, lambda: window.signoff.task() is not None
                 and window.signoff.task().id != row.task_id)
        assert window.signoff.opinion.toPlainText() == text
        assert window.signoff.redo_op_id == problems[0].op_id
        window.signoff.sign_button.click()
        wait_for(qtbot, ops, lambda: outbox.problems() == [])
        report = leader.sync()
        assert report.failed_ops == 0 and leader.unsent_ops() == 0
        window.nav.select("problems")
        wait_for(qtbot, ops, lambda: window.problems.tree.topLevelItemCount() == 0
                 and window.problems.is_empty())
        window.close()
    finally:
        leader.close()


def test_discarding_a_conflicted_signoff_marks_opinion_and_task(qtbot, ops, zh, platform,
                                                                test_keyring) -> None:  # noqa: ANN001
    """Discard (with its confirmation) goes through the sign-off service: the kept opinion
    becomes `discarded`, the task leaves its conflict state, the text stays in the audit
    log, and Problems is empty."""
    from client.services import audit

    leader = Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("zhangjianguo"))
    try:
        leader.sync()
        window = _window(qtbot, ops, leader)
        text = "同意，请水务局牵头办理。"
        row = _sign_first_instruct(qtbot, ops, window, leader, text)
        _move_away_and_back(platform, row.task_id)
        leader.sync()
        (problem,) = outbox.problems()
        assert problem.type == "task.complete"
        assert models.Task.get(models.Task.id == row.task_id).local_state == "conflict"

        window.nav.select("problems")
        wait_for(qtbot, ops, lambda: window.problems.tree.topLevelItemCount() == 1)
        window.problems.tree.setCurrentItem(window.problems.tree.topLevelItem(0))
        answered: list[str] = []

        def confirm() -> None:
            from PySide6.QtWidgets import QApplication, QMessageBox

            box = QApplication.activeModalWidget()
            assert isinstance(box, QMessageBox)
            answered.append(box.text())
            box.button(QMessageBox.StandardButton.Yes).click()

        QTimer.singleShot(0, confirm)
        window.problems.discard.click()
        assert answered and text not in answered[0]  # the question, not the text
        wait_for(qtbot, ops, lambda: outbox.problems() == [])
        opinion = models.LocalOpinion.get(models.LocalOpinion.op_id == problem.op_id)
        assert opinion.state == "discarded" and opinion.text == text
        task = models.Task.get(models.Task.id == row.task_id)
        assert task.local_state not in ("conflict", "rejected", "pending_sync")
        logged = audit.entries(action="task.signoff_discarded")
        assert [e.detail["text"] for e in logged] == [text]
        wait_for(qtbot, ops, lambda: window.problems.tree.topLevelItemCount() == 0)
        window.close()
    finally:
        leader.close()
