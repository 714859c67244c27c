"""With nothing to handle, Problems says so (in Chinese) instead of showing an empty
table and disabled buttons; with problems it shows the list and hides the message."""

from __future__ import annotations

from datetime import UTC, datetime

from client.types import OpState, OutboxItem
from client.ui.problems_view import ProblemsView

EMPTY_ZH = "没有需要处理的同步问题。所有操作都已送达平台。"


def _conflict(op_id: str, code: str | None, detail: str | None) -> OutboxItem:
    return OutboxItem(op_id=op_id, type="task.complete",
                      data={"task_id": "t1", "decision": "approve", "text": "拟同意。"},
                      state=OpState.CONFLICT, attempts=1,
                      created_at=datetime(2005, 10, 19, 2, 0, tzinfo=UTC),
                      next_attempt_at=None, result_code=code, result_detail=detail,
                      local_ref=None, blobs_first=[])


def test_empty_state_is_shown_and_gives_way_to_the_list(qtbot, zh) -> None:  # noqa: ANN001
    view = ProblemsView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    view.set_items([], {})
    assert view.is_empty()
    assert view.empty.isVisible() and view.empty.text() == EMPTY_ZH
    assert not view.tree.isVisible() and not view.redo.isVisible()
    assert not view.explain.isVisible()  # "the platform did not accept…" would be false

    view.set_items([_conflict("op1", "task.cancelled", "the task was cancelled")],
                   {"op1": "关于商请联合开展松花江防汛检查的函"})
    assert not view.is_empty()
    assert view.tree.isVisible() and view.explain.isVisible()
    assert not view.empty.isVisible()
    assert view.redo.isEnabled() and "拟同意。" in view.kept.toPlainText()

    view.set_items([], {})
    assert view.is_empty() and view.empty.isVisible() and view.kept.toPlainText() == ""
    assert not view.redo.isEnabled() and not view.discard.isEnabled()


def test_reason_is_translated_when_known_and_kept_verbatim_otherwise(qtbot, zh) -> None:  # noqa: ANN001
    view = ProblemsView()
    qtbot.addWidget(view)
    view.set_items([_conflict("a", "task.cancelled", "the task was cancelled"),
                    _conflict("b", "task.brand_new", "something new happened"),
                    _conflict("c", "task.odd", None)], {})
    reasons = [view.tree.topLevelItem(i).text(3) for i in range(3)]
    assert reasons == ["平台上该办理环节已被撤回或改派他人", "something new happened", "task.odd"]


def test_a_problem_says_why_in_words_and_copies_the_kept_text(qtbot, zh) -> None:  # noqa: ANN001
    view = ProblemsView()
    qtbot.addWidget(view)
    view.show()
    view.set_items([_conflict("op1", "task.cancelled", "the task was cancelled")],
                   {"op1": "关于商请联合开展松花江防汛检查的函"})
    reason = view.reason.text()
    assert reason == "平台上该办理环节已被撤回或改派他人。您的签批未被平台记录，所填内容保留在下方。"  # task.cancelled in words
    assert view.copy.isEnabled()
    view.copy.click()
    from PySide6.QtGui import QGuiApplication

    copied = QGuiApplication.clipboard().text()
    assert "关于商请联合开展松花江防汛检查的函" in copied
    assert reason in copied and "拟同意。" in copied
