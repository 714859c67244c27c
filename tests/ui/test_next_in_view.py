"""签批并办下一件 (and Ctrl+J) go on within the list the open task came from: after a 传阅
item, the next 传阅 item, not 待办 (and not "all done" while 传阅 items remain)."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import QObject, Signal

from client.types import InboxView
from client.ui.pages.document_page import DocumentPage
from tests.ui.conftest import wait_for


class _Ctx(QObject):
    changes_applied = Signal(object)

    def __init__(self, ops, pending: dict[InboxView, list[str]]) -> None:  # noqa: ANN001
        super().__init__()
        self.ops, self.unit_name, self.online = ops, "富锦市人民政府办公室", True
        self.pending = pending
        self.asked: list[tuple[str | None, InboxView]] = []

    def next_todo(self, exclude: str | None, view: InboxView = InboxView.TODO):  # noqa: ANN201
        self.asked.append((exclude, view))
        left = [t for t in self.pending[view] if t != exclude]
        return SimpleNamespace(document_id=f"d-{left[0]}", task_id=left[0]) if left else None


def _page(qtbot, ctx: _Ctx, kind: str) -> tuple[DocumentPage, list]:  # noqa: ANN001
    page = DocumentPage(ctx)  # type: ignore[arg-type]
    qtbot.addWidget(page)
    page._bundle = SimpleNamespace(task=SimpleNamespace(id="t-open", kind=kind))
    opened: list[tuple[str, str | None]] = []
    page.open = lambda doc, task=None, **_kw: opened.append((doc, task))  # type: ignore[method-assign]
    return page, opened


def test_next_after_a_circulated_item_is_the_next_circulated_item(qtbot, ops, zh) -> None:  # noqa: ANN001
    ctx = _Ctx(ops, {InboxView.TODO: [], InboxView.CIRCULATE: ["t-open", "t-read-2"]})
    page, opened = _page(qtbot, ctx, "read")
    left: list[str] = []
    page.no_more_todo.connect(left.append)
    page.open_next_todo()
    wait_for(qtbot, ops, lambda: opened == [("d-t-read-2", "t-read-2")])
    assert ctx.asked == [("t-open", InboxView.CIRCULATE)] and left == []

    ctx.pending[InboxView.CIRCULATE] = ["t-open"]
    messages: list[str] = []
    page.message.connect(lambda text, _ms: messages.append(text))
    page.open_next_todo()
    wait_for(qtbot, ops, lambda: left == ["circulate"])
    assert messages == ["传阅文件已全部阅毕。"]


def test_next_after_a_todo_item_is_the_next_todo(qtbot, ops, zh) -> None:  # noqa: ANN001
    ctx = _Ctx(ops, {InboxView.TODO: ["t-open"], InboxView.CIRCULATE: ["t-read-2"]})
    page, opened = _page(qtbot, ctx, "instruct")
    left: list[str] = []
    page.no_more_todo.connect(left.append)
    page.open_next_todo()
    wait_for(qtbot, ops, lambda: left == ["todo"])
    assert opened == [] and ctx.asked == [("t-open", InboxView.TODO)]
