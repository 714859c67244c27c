"""The clerk desk (收发) over a real cache: the 待签收 box with its counts, urgency colours
and overdue flags; 签收 shown at once as 待发送; the 拒收 dialog that needs a reason; the 登记
form prefilled with its preview and routing in one screen; a scanned PDF registered;
催办 / 撤销 / 改派 with their dialogs; 归档; and a reminder reaching its assignee's tray."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget

from client.changes import Changes
from client.db import close_cache, open_cache
from client.models import OutboxOp
from client.services import outbox
from client.services.clerk_desk import ClerkDeskService
from client.services.documents import DocumentService
from client.services.exchange import ExchangeService
from client.sync import apply
from client.ui import theme
from client.ui.desk_dialogs import RefuseDialog
from client.ui.pages.clerk_page import ClerkPage, announce_reminders
from client.ui.tray import Tray
from protocol import ops as op_types
from protocol.wire.outgoing import DeliveryRefuseData, DocumentRegisterData, DocumentRouteData
from tests.ui.conftest import wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from cachekit import directory_changes, document, task, up  # noqa: E402
from exchangekit import delivery, reminder, town_directory  # noqa: E402

ME = "wangli"
NOW = datetime.now().astimezone()
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]"
       b"/Count 1>>endobj 3 0 obj<</Type/Page/MediaBox[0 0 595 842]/Parent 2 0 R>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


class _Ctx:
    """What ClerkPage asks of AppContext, over the services of the test cache."""

    def __init__(self, ops: Any, blobs: Any) -> None:
        self.ops = ops
        self.online = False
        self.user_id = ME
        self.roles = ["clerk"]
        self.services = SimpleNamespace(exchange=ExchangeService(ME),
                                        clerk_desk=ClerkDeskService(ME, blobs))
        self.documents = DocumentService(ME, blobs)
        self.page: ClerkPage | None = None
        self.sync_requests = 0

    def request_sync(self) -> None:
        self.sync_requests += 1

    def act(self, fn, done=None, failed=None, *, owner=None, label=""):  # noqa: ANN001, ANN201
        def finished(result: Any) -> None:
            if done is not None:
                done(result)
            if self.page is not None and getattr(result, "changes", None):
                self.page.apply_changes(result.changes, visible=True)
        self.ops.db(fn, finished, failed, owner=owner, label=label)

    def reload_document(self, document_id: str, task_id: str | None) -> Any:
        return SimpleNamespace(detail=self.documents.get(document_id), images={}, body=None)

    def download_blob(self, sha256: str) -> bool:
        return False

    def op_states(self, op_ids: list[str]) -> dict[str, str | None]:
        return {i: (str(o.state) if (o := outbox.get(i)) else None) for i in op_ids}


@pytest.fixture
def cache(tmp_path: Path):  # noqa: ANN201
    db = open_cache(tmp_path / "cache.db", os.urandom(32))
    apply.set_identity(user_id=ME)
    apply.apply_page([
        *directory_changes(), *town_directory(),
        up("delivery", delivery("dl-fire", "关于做好春季森林草原防火工作的通知",
                                recipient="u-gov", sender="u-town", urgency="very_urgent",
                                sent=NOW - timedelta(hours=6))),
        up("delivery", delivery("dl-farm", "关于报送春耕生产情况的函", recipient="u-gov",
                                sender="u-town2", sent=NOW - timedelta(hours=1))),
        up("delivery", delivery("dl-elsewhere", recipient="u-town3")),
        up("document", document("doc-reg", "关于申请防汛物资的请示", status="registered",
                                delivery_id="dl-old", doc_number="砚政请〔2026〕2号",
                                issuer="富锦市砚山镇人民政府", doc_type="请示")),
        up("document", document("doc-run", "关于财政资金管理的通知")),
        up("task", task("t-run", "doc-run", "zhangjianguo", due=NOW - timedelta(days=1))),
        up("document", document("doc-done", "关于秋季防火的通知", status="completed")),
    ], cursor="c1")
    yield db
    close_cache(db)


@pytest.fixture
def page(qtbot, ops, zh, cache, tmp_path):  # noqa: ANN001, ANN201
    from client.blobstore import BlobStore

    ctx = _Ctx(ops, BlobStore(tmp_path / "blobs", os.urandom(32)))
    widget = ClerkPage(ctx)  # type: ignore[arg-type]
    ctx.page = widget
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    widget.show_desk()
    wait_for(qtbot, ops, lambda: widget.models["box"].rowCount() == 2)
    return widget


def _ops(op_type: str) -> list[OutboxOp]:
    return list(OutboxOp.select().where(OutboxOp.type == op_type))


def _text(page: ClerkPage, key: str, row: int, col: int) -> str:
    model = page.models[key]
    return str(model.data(model.index(row, col)))


def test_box_lists_urgent_first_with_counts_colours_and_overdue(page: ClerkPage) -> None:
    assert page.tabs.tabText(0) == "待签收 (2)"
    assert page.tabs.tabText(1) == "待登记/待分办 (1)"
    assert "2 件待签收" in page.summary.text()
    model = page.models["box"]
    assert _text(page, "box", 0, 2) == "关于做好春季森林草原防火工作的通知"
    assert _text(page, "box", 0, 0) == "特急"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole) == theme.URGENT_RED
    # The issuing body as on the document, as 待登记 shows it (not the sending office).
    assert _text(page, "box", 0, 3) == "富锦市人民政府"
    assert _text(page, "box", 0, 5).startswith("已超时")         # 特急: 4 h, sent 6 h ago
    assert model.data(model.index(0, 5), Qt.ItemDataRole.BackgroundRole) == \
        theme.OVERDUE_BACKGROUND
    assert _text(page, "box", 1, 5).startswith("还剩")
    assert _text(page, "box", 1, 6) == "待签收"


def test_receive_is_shown_at_once_as_waiting_to_send(qtbot, ops, page: ClerkPage) -> None:  # noqa: ANN001
    assert not page.buttons["receive"].isEnabled()
    page.select_row("box", 1)
    assert page.buttons["receive"].isEnabled()
    qtbot.mouseClick(page.buttons["receive"], Qt.MouseButton.LeftButton)
    wait_for(qtbot, ops, lambda: _text(page, "box", 1, 6) == "已签收，待发送")
    assert [o.data["delivery_id"] for o in _ops(op_types.DELIVERY_RECEIVE)] == ["dl-farm"]
    assert page.tabs.tabText(0) == "待签收 (1)"
    page.select_row("box", 1)
    assert not page.buttons["receive"].isEnabled()       # nothing left to do on it


def test_refusal_needs_a_reason_and_offers_common_ones(qtbot, ops, page: ClerkPage) -> None:  # noqa: ANN001
    dialog = RefuseDialog("关于报送春耕生产情况的函", ["非本单位来文", "内容有误", "重复发送"])
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled()
    dialog.text.setPlainText("   ")
    assert not dialog.ok_button.isEnabled()
    dialog.common.itemClicked.emit(dialog.common.item(0))
    assert dialog.reason() == "非本单位来文" and dialog.ok_button.isEnabled()
    assert dialog.ok_button.text() == "拒收(&R)"
    row = page.models["box"].row_at(1)
    page.refuse(row, dialog.reason())
    wait_for(qtbot, ops, lambda: _text(page, "box", 1, 6) == "已拒收，待发送")
    [op] = _ops(op_types.DELIVERY_REFUSE)
    assert DeliveryRefuseData(**op.data).reason == "非本单位来文"


def test_registration_form_is_prefilled_and_routes_in_one_screen(qtbot, ops,  # noqa: ANN001
                                                                  page: ClerkPage) -> None:
    page.tabs.setCurrentIndex(1)
    wait_for(qtbot, ops, lambda: page.models["route"].rowCount() == 1)
    page.select_row("route", 0)
    page.open_registration()
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.form)
    form = page.form
    assert form.title.toPlainText() == "关于申请防汛物资的请示"
    assert form.doc_number.text() == "砚政请〔2026〕2号"
    assert form.issuer.text() == "富锦市砚山镇人民政府" and not form.issuer.isEnabled()
    assert form.doc_type.currentText() == "请示"
    assert form.preview.title.text() == "关于申请防汛物资的请示"
    assert form.head.count() == 1 and form.head.currentText().startswith("刘洋")
    form.title.setPlainText("关于申请2026年防汛物资的请示")
    form.to_leaders.setChecked(True)
    form.check_person(form.leaders, "zhangjianguo")
    form.check_person(form.readers, "chenming")
    qtbot.mouseClick(form.submit_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, ops, lambda: page.stack.currentIndex() == 0)
    [op] = _ops(op_types.DOCUMENT_ROUTE)
    data = DocumentRouteData(**op.data)
    assert data.title == "关于申请2026年防汛物资的请示"
    assert [(t.assignee_id, t.kind) for t in data.tasks] == [("zhangjianguo", "instruct"),
                                                           ("chenming", "read")]
    assert data.tasks[0].due_at is not None and data.tasks[1].due_at is None
    wait_for(qtbot, ops, lambda: _text(page, "route", 0, 5) == "已分办，待发送")


def test_routing_needs_someone_to_act(qtbot, ops, page: ClerkPage) -> None:  # noqa: ANN001
    page.tabs.setCurrentIndex(1)
    wait_for(qtbot, ops, lambda: page.models["route"].rowCount() == 1)
    page.select_row("route", 0)
    page.open_registration()
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.form)
    page.form.to_leaders.setChecked(True)
    page.form.submit_button.click()
    assert page.form.error.isVisible() and "领导" in page.form.error.text()
    assert not _ops(op_types.DOCUMENT_ROUTE)


def test_scanned_pdf_is_registered_from_disk(qtbot, ops, page: ClerkPage,  # noqa: ANN001
                                             tmp_path: Path) -> None:
    page.open_registration(scanned=True)
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.form)
    form = page.form
    assert form.scan_button.isVisible() and form.issuer.isEnabled()
    form.submit_button.click()
    assert form.error.isVisible()                         # no title yet
    scan = tmp_path / "黑政办发8号.pdf"
    scan.write_bytes(PDF)
    form.issuer.setText("黑龙江省人民政府办公厅")
    form.doc_number.setText("黑政办发〔2026〕8号")
    form.title.setPlainText("关于加强春季森林草原防火工作的通知")
    form.set_scan(scan)
    page._preview_scan(scan)
    wait_for(qtbot, ops, lambda: form.preview.title.text() == "关于加强春季森林草原防火工作的通知")
    form.check_person(form.readers, "lihua")
    form.submit_button.click()
    wait_for(qtbot, ops, lambda: page.stack.currentIndex() == 0)
    [op] = _ops(op_types.DOCUMENT_REGISTER)
    data = DocumentRegisterData(**op.data)
    assert data.issuer == "黑龙江省人民政府办公厅" and op.blobs_first == [data.body_sha256]
    assert [(t.assignee_id, t.kind) for t in data.tasks] == [("liuyang", "propose"),
                                                           ("lihua", "read")]


def test_in_progress_reminder_cancel_and_reassign(qtbot, ops, page: ClerkPage,  # noqa: ANN001
                                                  monkeypatch) -> None:
    page.tabs.setCurrentIndex(2)
    wait_for(qtbot, ops, lambda: page.models["progress"].rowCount() == 1)
    assert _text(page, "progress", 0, 4).startswith("已超时")
    assert _text(page, "progress", 0, 3) == "张建国"
    page.select_row("progress", 0)
    row = page.models["progress"].row_at(0)
    remind = page.remind_dialog(row)
    qtbot.addWidget(remind)
    assert "尽快办理" in remind.reason() and remind.ok_button.isEnabled()
    reroute = page.reroute_dialog(row, page.ctx.services.clerk_desk.routing_people().everyone)
    qtbot.addWidget(reroute)
    reroute.text.setPlainText("张市长出差")
    assert not reroute.ok_button.isEnabled()              # no person chosen yet
    reroute.person.setCurrentIndex(reroute.person.findData("lihua"))
    assert reroute.ok_button.isEnabled() and reroute.assignee_id() == "lihua"
    monkeypatch.setattr(QDialog, "exec", lambda self: 1)
    page.remind_selected()
    wait_for(qtbot, ops, lambda: _text(page, "progress", 0, 6) == "催办待发送")
    assert _ops(op_types.TASK_REMIND)[0].data["task_id"] == "t-run"
    assert not page.buttons["cancel"].isEnabled()         # one action at a time


def test_archive_a_completed_document(qtbot, ops, page: ClerkPage, monkeypatch) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QMessageBox

    page.tabs.setCurrentIndex(3)
    wait_for(qtbot, ops, lambda: page.models["completed"].rowCount() == 1)
    page.select_row("completed", 0)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.buttons["archive"].click()
    wait_for(qtbot, ops, lambda: _text(page, "completed", 0, 5) == "已归档，待发送")
    assert _ops(op_types.DOCUMENT_ARCHIVE)[0].data == {"document_id": "doc-done"}


def test_a_reminder_reaches_the_assignee_as_a_tray_alert(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    apply.set_identity(user_id="zhangjianguo")
    apply.apply_page([up("reminder", reminder("r1", "t-run", "zhangjianguo",
                                              document_id="doc-run", text="请今日批示。",
                                              at=NOW))], cursor="c2")
    window = QWidget()
    qtbot.addWidget(window)
    tray = Tray(window)
    announced: list[tuple[str, str, str, str]] = []
    tray.announced.connect(lambda *a: announced.append(a))
    ctx = SimpleNamespace(ops=ops, services=SimpleNamespace(
        clerk_desk=ClerkDeskService("zhangjianguo")))
    announce_reminders(ctx, tray, window)
    wait_for(qtbot, ops, lambda: bool(announced))
    kind, ident, heading, text = announced[0]
    assert (kind, ident, heading) == ("document", "doc-run", "王丽催办")
    assert text == "关于财政资金管理的通知：请今日批示。"
    announce_reminders(ctx, tray, window)                 # shown once only
    ops.wait_idle(10_000)
    assert len(announced) == 1


def test_changes_of_a_sync_refresh_the_box(qtbot, ops, page: ClerkPage) -> None:  # noqa: ANN001
    summary = apply.apply_page([up("delivery", delivery(
        "dl-fire", "关于做好春季森林草原防火工作的通知", recipient="u-gov", sender="u-town",
        status="received", version=2, received_by=ME, document_id="doc-x",
        received_at=NOW.isoformat(timespec="seconds")))], cursor="c3")
    page.apply_changes(summary.changes, visible=True)
    wait_for(qtbot, ops, lambda: page.models["box"].rowCount() == 1)
    assert page.apply_changes(Changes(), visible=True) is None


def test_problems_name_the_clerks_actions(qtbot, zh) -> None:  # noqa: ANN001
    from client.ui.problems_view import ProblemsView

    view = ProblemsView()
    qtbot.addWidget(view)
    assert [view.action_text(t) for t in (op_types.DELIVERY_RECEIVE, op_types.DELIVERY_REFUSE,
                                          op_types.DOCUMENT_ROUTE, op_types.TASK_REMIND)] == [
        "签收", "拒收", "分办", "催办"]


def test_the_desk_is_in_the_navigation_of_clerks_only(qtbot, zh) -> None:  # noqa: ANN001
    from client.types import BadgeCounts
    from client.ui.nav import NavList

    clerk, leader = NavList(roles=["clerk"]), NavList(roles=["leader"])
    qtbot.addWidget(clerk)
    qtbot.addWidget(leader)
    assert clerk.keys[-1] == "desk" and "desk" not in leader.keys
    clerk.set_desk_count(9, hot=True)
    clerk.set_counts(BadgeCounts(1, 0, 0, 0, 0, 0, 0))  # the inbox's counts keep the desk's
    assert clerk.item(len(clerk.keys) - 1).text() == "收发  (9)"


def test_cancelling_needs_a_reason(qtbot, zh) -> None:  # noqa: ANN001
    from client.ui.desk_dialogs import CancelDialog

    dialog = CancelDialog("关于财政资金管理的通知 — 批示 张建国")
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled() and dialog.hint.text() == "必须填写原因。"
    dialog.text.setPlainText("重复分办")
    assert dialog.ok_button.isEnabled() and dialog.reason() == "重复分办"


def test_each_desk_action_asks_for_a_sync_at_once(qtbot, ops, page: ClerkPage) -> None:  # noqa: ANN001
    """签收 said "正在发送…" online, yet waited up to a minute for the sync timer."""
    page.ctx.online = True
    said: list[str] = []
    page.message.connect(lambda text, _ms: said.append(text))
    page.select_row("box", 1)
    qtbot.mouseClick(page.buttons["receive"], Qt.MouseButton.LeftButton)
    wait_for(qtbot, ops, lambda: page.ctx.sync_requests == 1)
    assert said[-1].startswith("已签收") and "正在发送" in said[-1]
    page.refuse(page.models["box"].row_at(0), "非本单位来文")
    wait_for(qtbot, ops, lambda: page.ctx.sync_requests == 2)


def test_no_column_is_narrower_than_its_heading(page: ClerkPage) -> None:
    """The box's first column cut its heading 紧急程度 (70 px for four characters)."""
    for key, table in page.tables.items():
        header = table.horizontalHeader()
        for i in range(header.count()):
            if header.sectionResizeMode(i) != header.ResizeMode.Stretch:
                assert table.columnWidth(i) >= header.sectionSizeHint(i), (
                    key, table.model().headerData(i, Qt.Orientation.Horizontal))


def test_double_click_opens_the_delivery_to_read_and_signs_nothing(qtbot, ops,  # noqa: ANN001
                                                                   page: ClerkPage) -> None:
    """A double-click in 待签收 signed it at once (签收 cannot be undone). It opens the
    delivery: title, 发文字号, 来文单位, 紧急程度, 主送/抄送, body, attachments; 签收 or 拒收
    is chosen there. Enter opens it too."""
    errors: list[str] = []
    page.error.connect(errors.append)
    table = page.tables["box"]
    page.select_row("box", 0)
    rect = table.visualRect(page.models["box"].index(0, 2))
    # A real double-click: press, release, then the second press as a double-click.
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    wait_for(qtbot, ops, lambda: errors or (page.preview is not None
                                            and page.preview.preview is not None))
    assert errors == []
    dialog = page.preview
    assert dialog.isVisible()
    assert _ops(op_types.DELIVERY_RECEIVE) == []          # opening signed nothing
    assert dialog.view.title.text() == "关于做好春季森林草原防火工作的通知"
    assert dialog.values["number"].text() == "富政发〔2026〕12号"
    assert dialog.values["issuer"].text() == "富锦市人民政府"
    assert dialog.values["urgency"].text() == "特急"
    assert dialog.values["main"].text() == "各镇人民政府"
    assert "主送" in dialog.values["delivery"].text()
    assert dialog.view.tabs.currentIndex() == 1            # the body (not downloaded here)
    assert "尚未下载" in dialog.view.body_missing.text() or dialog.view.body_missing.text()
    assert dialog.close_button.isDefault() and not dialog.receive_button.isDefault()
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)
    wait_for(qtbot, ops, lambda: [o.data["delivery_id"] for o in
                                  _ops(op_types.DELIVERY_RECEIVE)] == ["dl-fire"])
    from shiboken6 import isValid
    assert not isValid(dialog) or not dialog.isVisible()   # closed

    page.select_row("box", 1)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    wait_for(qtbot, ops, lambda: page.preview is not dialog and page.preview is not None
             and page.preview.preview is not None)
    assert page.preview.view.title.text() == "关于报送春耕生产情况的函"
    page.preview.close_button.click()
    qtbot.wait(50)
    assert len(_ops(op_types.DELIVERY_RECEIVE)) == 1      # 关闭: nothing more signed
