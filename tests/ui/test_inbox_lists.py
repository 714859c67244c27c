"""The inbox list page over a small real cache: issuer completion, a search per view,
one row per document in 已办, and the empty state."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from client.db import close_cache, open_cache
from client.services.inbox import InboxService
from client.sync import apply
from client.types import InboxSort
from client.ui import fmt
from client.ui.inbox_model import COL_DUE, COL_KIND, COL_NUMBER, COL_RECEIVED
from client.ui.pages.inbox_page import InboxPage
from tests.ui.conftest import wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from cachekit import T0, directory_changes, document, task, up  # noqa: E402

ME = "zhangjianguo"


class _Ctx:
    """What InboxPage asks of AppContext, over the services of the test cache."""

    def __init__(self, ops) -> None:  # noqa: ANN001
        self.ops = ops
        self.inbox = InboxService(ME)

    def inbox_fetcher(self, view, filters, sort):  # noqa: ANN001, ANN201
        return lambda after, limit: self.inbox.page(view, filters, sort=sort, after=after,
                                                    limit=limit)

    def issuers(self) -> list[str]:
        return self.inbox.issuers()


@pytest.fixture
def cache(tmp_path: Path):  # noqa: ANN201
    db = open_cache(tmp_path / "cache.db", os.urandom(32))
    apply.set_identity(user_id=ME)
    apply.apply_page([
        *directory_changes(),
        up("document", document("d-fin", "关于下达财政预算的通知", issuer="佳木斯市财政局",
                                received=T0, doc_number="富政发〔2026〕12号")),
        up("document", document("d-fire", "关于做好同江防火工作的通知",
                                issuer="佳木斯市人民政府", received=T0 + timedelta(days=1),
                                doc_number="富政发〔2026〕9号")),
        up("document", document("d-req", "关于申请防汛资金的请示", issuer="富锦市财政局",
                                received=T0 + timedelta(days=2),
                                doc_number="佳政办发〔2026〕86号")),
        up("task", task("t-fin", "d-fin", ME, due=T0 + timedelta(days=5))),
        up("task", task("t-req", "d-req", ME)),
        up("task", task("t-fire", "d-fire", ME, status="done")),
        up("task", task("t-fire-p", "d-fire", ME, kind="propose", status="done")),
    ], cursor="c1")
    yield db
    close_cache(db)


@pytest.fixture
def page(qtbot, ops, zh, cache):  # noqa: ANN001, ANN201
    widget = InboxPage(_Ctx(ops))
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    widget.show_view("todo", "待办")
    wait_for(qtbot, ops, lambda: widget.model.rowCount() == 2)
    return widget


def _ids(page: InboxPage) -> set[str]:
    return {r.document_id for r in page.model.rows()}


def test_issuer_filter_completes_and_matches_part_of_the_name(qtbot, ops, page) -> None:  # noqa: ANN001
    completer = page.filters.issuer.completer()
    wait_for(qtbot, ops, lambda: completer.model().rowCount() == 3)
    completer.setCompletionPrefix("佳木斯")
    found = {completer.completionModel().index(i, 0).data()
             for i in range(completer.completionCount())}
    assert found == {"佳木斯市财政局", "佳木斯市人民政府"}
    completer.setCompletionPrefix("财政局")  # any part of the name, not only its start
    assert completer.completionCount() == 2

    page.filters.issuer.setText("佳木斯")
    wait_for(qtbot, ops, lambda: _ids(page) == {"d-fin"})


def test_each_view_keeps_its_own_search(qtbot, ops, page) -> None:  # noqa: ANN001
    page.show_view("done", "已办")
    wait_for(qtbot, ops, lambda: _ids(page) == {"d-fire"})
    page.filters.search.setText("同江")
    wait_for(qtbot, ops, lambda: _ids(page) == {"d-fire"} and not page.filters._debounce
             .isActive())

    page.show_view("todo", "待办")
    assert page.filters.search.text() == ""
    wait_for(qtbot, ops, lambda: _ids(page) == {"d-fin", "d-req"})

    page.show_view("done", "已办")
    assert page.filters.search.text() == "同江"
    wait_for(qtbot, ops, lambda: _ids(page) == {"d-fire"})


def test_done_shows_a_document_once_with_all_my_steps(qtbot, ops, page) -> None:  # noqa: ANN001
    page.show_view("done", "已办")
    wait_for(qtbot, ops, lambda: _ids(page) == {"d-fire"})
    assert page.model.rowCount() == 1
    assert page.model.index(0, COL_KIND).data() == "拟办、批示"
    font = page.model.index(0, COL_KIND).data(Qt.ItemDataRole.FontRole) or page.table.font()
    assert page.table.columnWidth(COL_KIND) >= QFontMetrics(font).horizontalAdvance("拟办、批示")


def test_received_shows_status_and_deadline_and_headers_sort(qtbot, ops, page) -> None:  # noqa: ANN001
    page.show_view("received", "收文")
    wait_for(qtbot, ops, lambda: page.model.rowCount() == 3)
    header = page.model.headerData
    assert header(COL_KIND, Qt.Orientation.Horizontal) == "状态"
    fin = page.model.find(document_id="d-fin")
    assert page.model.index(fin, COL_DUE).data() == fmt.short_datetime_text(
        T0 + timedelta(days=5))
    assert page.model.index(fin, COL_KIND).data() == fmt.document_status_text("in_progress")

    page.table.horizontalHeader().sectionClicked.emit(COL_NUMBER)
    assert page.filters.sort_order() == InboxSort.DOC_NUMBER
    wait_for(qtbot, ops, lambda: [r.doc_number for r in page.model.rows()] == [
        "佳政办发〔2026〕86号", "富政发〔2026〕9号", "富政发〔2026〕12号"])
    assert page.table.horizontalHeader().sortIndicatorSection() == COL_NUMBER
    page.table.horizontalHeader().sectionClicked.emit(COL_DUE)  # no such order in 收文
    assert page.filters.sort_order() == InboxSort.DOC_NUMBER
    assert page.table.horizontalHeader().sortIndicatorSection() == COL_NUMBER
    page.table.horizontalHeader().sectionClicked.emit(COL_RECEIVED)
    wait_for(qtbot, ops, lambda: [r.document_id for r in page.model.rows()] == [
        "d-req", "d-fire", "d-fin"])

    page.show_view("todo", "待办")
    assert header(COL_KIND, Qt.Orientation.Horizontal) == "环节"


def test_empty_list_says_why_in_the_middle(qtbot, ops, page) -> None:  # noqa: ANN001
    label = page.empty_label
    assert not label.isVisible()
    page.filters.search.setText("不存在的词")
    wait_for(qtbot, ops, lambda: page.model.rowCount() == 0 and label.isVisible())
    assert "没有符合搜索或筛选条件的公文。" in label.text()
    viewport = page.table.viewport()
    assert label.parent() is viewport
    assert abs(label.geometry().center().y() - viewport.rect().center().y()) <= 2
    assert label.height() > viewport.height() / 2  # the middle of the list, not a footer
    label.linkActivated.emit("clear")  # 清除搜索和筛选条件
    assert page.filters.search.text() == ""
    wait_for(qtbot, ops, lambda: page.model.rowCount() == 2 and not label.isVisible())

    page.show_view("circulate", "传阅")
    wait_for(qtbot, ops, lambda: label.isVisible())
    assert "没有传阅给您的文件。" in label.text() and "clear" not in label.text()

    apply.apply_page([up("task", task("t-fin", "d-fin", ME, status="done", version=2)),
                      up("task", task("t-req", "d-req", ME, status="done", version=2))],
                     cursor="c2")
    page.show_view("todo", "待办")
    wait_for(qtbot, ops, lambda: page.model.rowCount() == 0 and label.isVisible())
    assert "待办已全部办理" in label.text()
