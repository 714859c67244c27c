"""The sign-off panel shows exactly the decisions of the task it holds, however often reused."""

from __future__ import annotations

from client.types import DocumentId, TaskId, TaskInfo, UserId
from client.ui.signoff_panel import SignoffPanel


def _task(n: int, kind: str) -> TaskInfo:
    return TaskInfo(id=TaskId(f"t-{n}"), document_id=DocumentId(f"d-{n}"),
                    assignee_id=UserId("u-1"), assignee_name="张建国", kind=kind,
                    status="pending", due_at=None, created_by=None, local_state="")


def test_decision_buttons_are_replaced_not_added_when_the_next_task_opens(qtbot) -> None:
    panel = SignoffPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_task(_task(1, "instruct"), ["approve", "return", "forward"])
    # Sign-and-next opens the next task without returning to the event loop in between.
    panel.set_task(_task(2, "read"), ["read"])
    in_layout = [panel.decisions_box.itemAt(i).widget()
                 for i in range(panel.decisions_box.count())]
    assert [w.property("decision") for w in in_layout if w is not None] == ["read"]
    assert [b.property("decision") for b in panel.decision_group.buttons()] == ["read"]
