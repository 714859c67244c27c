"""通知公告: an attachment opens from the reading pane; the receipts list names each
person's unit, shows the confirmation time in full, and its dialog has a 关闭 button."""

from __future__ import annotations

import tempfile
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFontMetrics
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox, QWidget

from client.types import (
    Attachment,
    NoticeDetail,
    NoticeRow,
    ReceiptInfo,
    ReceiptStatus,
)
from client.ui import fmt
from client.ui.notices_view import COL_CONFIRMED, COL_READ, COL_UNIT, ReceiptsWidget
from client.ui.pages.notices_page import NoticesPage
from tests.ui.conftest import wait_for

AT = datetime(2026, 11, 26, 13, 36, tzinfo=UTC)
ATT = Attachment(name="防汛值班表.xlsx", sha256="ab" * 32, media_type="application/x", size=5,
                 available=True)


def _detail() -> NoticeDetail:
    row = NoticeRow(id="n1", title="关于防汛值班的通知", publisher_id="zhaoxin",
                    publisher_name="赵欣", urgent=False, requires_ack=False, published_at=AT,
                    expires_at=None, is_read=True, acked=False, local_state="")
    return NoticeDetail(row=row, body="请按表值班。", audience_unit_ids=[], attachments=[ATT])


class _Ctx(QObject):
    def __init__(self, ops, blobs: dict[str, bytes]) -> None:  # noqa: ANN001
        super().__init__()
        self.ops, self.roles, self.user_id, self.online = ops, [], "lihua", True
        self.blobs = blobs
        self.downloaded: list[str] = []
        # Opened attachments go to the profile's folder (issue 13), not to /tmp.
        self.profile = types.SimpleNamespace(dir=Path(tempfile.mkdtemp(prefix="profile-")))

    def blob_bytes(self, sha: str) -> bytes | None:
        return self.blobs.get(sha)

    def download_blob(self, sha: str) -> bool:
        self.downloaded.append(sha)
        self.blobs[sha] = b"table"
        return True


def test_a_notice_attachment_opens(qtbot, ops, zh, monkeypatch) -> None:  # noqa: ANN001
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl",
                        staticmethod(lambda url: opened.append(url) or True))
    parent = QWidget()
    qtbot.addWidget(parent)
    ctx = _Ctx(ops, {})
    page = NoticesPage(ctx, parent)  # type: ignore[arg-type]
    qtbot.addWidget(page.view)  # the window's page stack would own it
    page.view.set_detail(_detail())
    label = page.view.attachments
    assert 'href="attachment:0"' in label.text() and "防汛值班表.xlsx" in label.text()
    assert label.textInteractionFlags() & Qt.TextInteractionFlag.LinksAccessibleByMouse

    label.linkActivated.emit("attachment:0")  # not here yet: fetched, then opened
    wait_for(qtbot, ops, lambda: len(opened) == 1)
    assert ctx.downloaded == [ATT.sha256]
    path = opened[0].toLocalFile()
    assert path.endswith("防汛值班表.xlsx")
    assert Path(path).is_relative_to(ctx.profile.dir / "open")
    with open(path, "rb") as f:
        assert f.read() == b"table"


def test_without_a_program_for_the_file_the_user_is_told_and_can_save_it(
        qtbot, ops, zh, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    """A computer with no program for the file (no PDF reader on a fresh desktop): the
    click did nothing at all, a Qt warning in the log the only trace. Now a question says
    so and offers to save the file elsewhere."""
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: False))
    asked: list[str] = []
    answers = [QMessageBox.StandardButton.Close, QMessageBox.StandardButton.Save]

    def question(parent, title, text, *args):  # noqa: ANN001, ANN002, ANN202
        asked.append(text)
        return answers.pop(0)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    target = tmp_path / "saved" / "值班表.xlsx"
    target.parent.mkdir()
    filters: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: filters.append(a[3]) or (str(target), "")))
    parent = QWidget()
    qtbot.addWidget(parent)
    ctx = _Ctx(ops, {ATT.sha256: b"table"})
    page = NoticesPage(ctx, parent)  # type: ignore[arg-type]
    qtbot.addWidget(page.view)
    messages: list[str] = []
    page.message.connect(lambda text, _ms: messages.append(text))
    page.view.set_detail(_detail())

    page.view.attachments.linkActivated.emit("attachment:0")  # 关闭: nothing saved
    wait_for(qtbot, ops, lambda: len(asked) == 1)
    assert "防汛值班表.xlsx" in asked[0] and "没有" in asked[0]
    assert not target.exists()
    page.view.attachments.linkActivated.emit("attachment:0")  # 保存
    wait_for(qtbot, ops, lambda: target.exists())
    assert target.read_bytes() == b"table"
    assert filters == ["XLSX 文件 (*.xlsx);;所有文件 (*)"]
    assert messages and str(target) in messages[-1]


def test_receipts_show_unit_full_times_and_a_close_button(qtbot, ops, zh) -> None:  # noqa: ANN001
    status = ReceiptStatus(
        notice_id="n1",
        read=[ReceiptInfo("lihua", "李华", "read", AT)],
        acked=[ReceiptInfo("lihua", "李华", "ack", AT)],
        audience_users=2, missing=["zhouqiang"],
        units={"lihua": "市政府办公室", "zhouqiang": "市财政局"})
    widget = ReceiptsWidget()
    qtbot.addWidget(widget)
    widget.resize(640, 400)
    widget.show()
    widget.set_status(status, {"zhouqiang": "周强"})
    tree = widget.tree
    assert tree.headerItem().text(COL_UNIT) == "单位"
    first = tree.topLevelItem(0)
    assert first.text(COL_UNIT) == "市政府办公室" and tree.topLevelItem(1).text(COL_UNIT) == \
        "市财政局"
    shown = fmt.datetime_text(AT)
    assert first.text(COL_CONFIRMED) == shown
    needed = QFontMetrics(tree.font()).horizontalAdvance(shown)
    assert tree.columnWidth(COL_CONFIRMED) >= needed

    parent = QWidget()
    qtbot.addWidget(parent)
    ctx = SimpleNamespace(ops=ops, roles=[], user_id="zhaoxin",
                          receipts=lambda _nid: (status, {"zhouqiang": "周强"}))
    page = NoticesPage(ctx, parent)  # type: ignore[arg-type]
    qtbot.addWidget(page.view)
    page.show_receipts("n1")
    wait_for(qtbot, ops, lambda: page.receipts_dialog is not None)
    dialog = page.receipts_dialog
    close = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    assert close is not None and close.text() == "关闭"
    close.click()
    assert not dialog.isVisible()


def test_a_receipt_read_offline_shows_when_the_platform_received_it(qtbot, zh) -> None:  # noqa: ANN001
    later = AT + timedelta(days=2)
    status = ReceiptStatus(
        notice_id="n1",
        read=[ReceiptInfo("lihua", "李华", "read", AT, later),
              ReceiptInfo("wangli", "王丽", "read", AT, AT + timedelta(seconds=4))],
        acked=[ReceiptInfo("lihua", "李华", "ack", AT, later)],
        audience_users=2, missing=[], units={})
    widget = ReceiptsWidget()
    qtbot.addWidget(widget)
    widget.set_status(status, {})
    rows = {widget.tree.topLevelItem(i).text(0): widget.tree.topLevelItem(i)
            for i in range(widget.tree.topLevelItemCount())}
    assert rows["李华"].text(COL_CONFIRMED) == (
        f"{fmt.datetime_text(AT)}（平台于{fmt.datetime_text(later)}收到）")
    assert rows["王丽"].text(COL_READ) == fmt.datetime_text(AT)  # within minutes
