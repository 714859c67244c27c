"""A 退回 asks first, naming whom the document goes back to; Cancel signs nothing."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMessageBox

from client.session import Profile
from client.ui.context import AppContext
from client.ui.main_window import MainWindow
from tests.ui.conftest import PASSWORD, wait_for


def test_return_asks_naming_the_sender_and_cancel_signs_nothing(
        qtbot, ops, zh, platform, test_keyring, monkeypatch) -> None:  # noqa: ANN001
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
    task = window.signoff.task()
    sender = window.signoff.person_name(task.created_by)
    assert sender  # the demo's 拟办 came from a person of the directory

    asked: list[str] = []
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes]

    def question(_parent: Any, _title: str, text: str, *_args: Any) -> Any:
        asked.append(text)
        return answers[len(asked) - 1]

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    before = leader.unsent_ops()  # opening it queued its read mark
    window.signoff.select_decision("return")
    window.signoff.opinion.setPlainText("请补充水务局的意见后再报。")
    window.signoff.sign_button.click()
    assert len(asked) == 1 and sender in asked[0] and "退回" in asked[0]
    assert leader.unsent_ops() == before  # Cancel: nothing signed, nothing queued
    assert window.signoff.task() is not None and window.signoff.sign_button.isEnabled()

    window.signoff.sign_button.click()  # Yes
    wait_for(qtbot, ops, lambda: leader.unsent_ops() == before + 1)
    assert len(asked) == 2
    leader.close()
