"""The 发文 screens offscreen, on a real cache filled with contract-valid feed objects
(tests/unit/outgoingkit.py): the drafting editor (heading numbers live, Ctrl+digit
levels, autosave, submit → 待发送), the review diff, the 签发 panel, the clerk's buttons
and the 回执 table."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

from cachekit import T0, key, rfc, up  # noqa: E402
from outgoingkit import (  # noqa: E402
    BODY_V1,
    CLERK,
    DRAFTER,
    LEADER,
    OFFICE,
    REVIEWER,
    delivery,
    directory,
    outgoing,
    reviewing,
    series,
    signing,
    version,
)

from client import db  # noqa: E402
from client.blobstore import BlobStore  # noqa: E402
from client.changes import Changes  # noqa: E402
from client.models import OutboxOp, OutgoingDraft, OutgoingStep  # noqa: E402
from client.services import Services, outbox  # noqa: E402
from client.services.outgoing import VIEWS  # noqa: E402
from client.sync import apply  # noqa: E402
from client.ui.body_editor import BodyEditor  # noqa: E402
from client.ui.pages.outgoing_page import ROW_ROLE, OutgoingPage  # noqa: E402
from protocol import docbody  # noqa: E402
from protocol import ops as op_types  # noqa: E402
from protocol.signing import Signer, generate_keypair  # noqa: E402
from tests.ui.conftest import wait_for  # noqa: E402


class _Ctx(QObject):
    """What the page uses of AppContext: ops, services, act, signer, user_id."""

    changes_applied = Signal(object)

    def __init__(self, ops_, cache: Any, services: Services, me: str,
                 signer: Signer | None) -> None:
        super().__init__()
        self.ops, self.cache, self.services, self.user_id = ops_, cache, services, me
        self._signer = signer
        self.applied: list[Changes] = []
        self.online = False
        self.sync_requests = 0
        self.page: OutgoingPage | None = None  # told of changes as AppContext does

    def signer(self) -> Signer | None:
        return self._signer

    def request_sync(self) -> None:
        self.sync_requests += 1

    def blob_bytes(self, sha256: str) -> bytes | None:
        return self.blobs.open_bytes(sha256) if self.blobs.has(sha256) else None

    def download_blob(self, sha256: str) -> bool:
        return False

    def op_states(self, op_ids: list[str]) -> dict[str, str | None]:
        with db.use_cache(self.cache):
            return {i: (str(o.state) if (o := outbox.get(i)) else None) for i in op_ids}

    def act(self, fn, done=None, failed=None, *, owner=None, label="") -> None:  # noqa: ANN001
        def finished(result: Any) -> None:
            if done is not None:
                done(result)
            changes = result if isinstance(result, Changes) else getattr(result, "changes",
                                                                         None)
            if changes:
                self.applied.append(changes)
                if self.page is not None:
                    self.page.apply_changes(changes, visible=True)
        self.ops.db(fn, finished, failed, owner=owner, label=label)

    def in_cache(self, fn):  # noqa: ANN001, ANN201
        with db.use_cache(self.cache):
            return fn()


@pytest.fixture
def cache(tmp_path: Path):  # noqa: ANN201
    key_bytes = b"k" * 32
    cache = db.open_cache(tmp_path / "cache.db", key_bytes)
    with db.use_cache(cache):
        apply.apply_page(directory(), cursor="d")
    yield cache, BlobStore(tmp_path / "blobs", key_bytes)
    db.close_cache(cache)


def _page(qtbot, ops, cache, me: str, *, feed: list | None = None) -> tuple[OutgoingPage, _Ctx]:  # noqa: ANN001
    database, blobs = cache
    signer = None
    with db.use_cache(database):
        apply.set_identity(user_id=me)
        if feed:
            apply.apply_page(feed, cursor=f"c-{len(feed)}")
        kp = generate_keypair("ed25519")
        apply.apply_page([up("key", key(kp.key_id, me, kp.public_b64))], cursor="k")
        signer = Signer.from_keypair(kp, me)
    services = Services(me=me, blobs=db.bound(blobs, database))
    for name in ("inbox", "documents", "signoff", "notices", "phrases", "directory",
                 "drafting", "outgoing"):
        setattr(services, name, db.bound(getattr(services, name), database))
    ctx = _Ctx(ops, database, services, me, signer)
    ctx.blobs = blobs
    ctx.profile = SimpleNamespace(dir=blobs.root.parent / "profile")
    page = OutgoingPage(ctx)
    qtbot.addWidget(page)
    page.resize(1300, 800)
    page.show()
    return page, ctx


# --- the body editor -----------------------------------------------------------------------

def test_heading_numbers_follow_levels_live_and_keys_set_them(qtbot, qapp, zh) -> None:  # noqa: ANN001
    editor = BodyEditor()
    qtbot.addWidget(editor)
    editor.show()
    editor.set_body(BODY_V1)
    assert editor.labels() == ["", "一、", "", "二、", "（一）", ""]
    # Ctrl+1 on the first paragraph makes it a heading: every number below moves.
    editor.moveCursor(QTextCursor.MoveOperation.Start)
    editor.setFocus()
    QTest.keyClick(editor, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert editor.labels()[:4] == ["一、", "二、", "", "三、"]
    QTest.keyClick(editor, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert editor.labels()[:2] == ["", "一、"]
    # A paragraph is indented two characters; a heading's number is not typed.
    first = editor.document().firstBlock()
    assert first.blockFormat().textIndent() == pytest.approx(
        2 * editor.fontMetrics().horizontalAdvance("国"))
    assert editor.body()["blocks"][1] == {"kind": "h1", "text": "提高思想认识"}
    # Enter after a heading starts a paragraph.
    cursor = editor.textCursor()
    cursor.setPosition(first.next().position() + len(first.next().text()))
    editor.setTextCursor(cursor)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert editor.body()["blocks"][2] == {"kind": "p", "text": ""}


def test_paste_is_plain_paragraphs(qtbot, qapp) -> None:  # noqa: ANN001
    from PySide6.QtCore import QMimeData

    editor = BodyEditor()
    qtbot.addWidget(editor)
    mime = QMimeData()
    mime.setHtml("<b>粗体</b><br>第二行")
    mime.setText("粗体\n第二行")
    editor.insertFromMimeData(mime)
    assert editor.body()["blocks"] == [{"kind": "p", "text": "粗体"},
                                       {"kind": "p", "text": "第二行"}]


# --- drafting ------------------------------------------------------------------------------

def test_drafting_autosaves_and_submits_as_waiting(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    page, ctx = _page(qtbot, ops, cache, DRAFTER)
    page.new_draft()
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.editor)
    editor = page.editor
    assert editor.series.currentData() == "富政发"
    editor.title.setText("关于做好今冬明春森林防火工作的通知")  # as typed
    editor.body.setFocus()
    editor.body.insertPlainText("为切实做好森林防火工作，现通知如下。")
    # Saved a moment after typing, without any button.
    wait_for(qtbot, ops, lambda: ctx.in_cache(lambda: OutgoingDraft.get().fields["title"])
             == "关于做好今冬明春森林防火工作的通知")
    assert ctx.in_cache(lambda: OutgoingDraft.get().body["blocks"][0]["text"]).startswith(
        "为切实做好")
    # Submitting without recipients says what is missing and sends nothing.
    editor.submit_button.click()
    wait_for(qtbot, ops, lambda: editor.message.isVisible())
    assert "主送" in editor.message.text()
    editor._main = [{"name": "各镇人民政府", "unit_ids": ["u-ca", "u-ys", "u-xl"]}]
    editor._select(editor.signatory, LEADER)
    editor._select(editor.reviewer, REVIEWER)
    editor.submit_button.click()
    wait_for(qtbot, ops, lambda: ctx.in_cache(lambda: OutgoingDraft.get().state) == "queued")
    op = ctx.in_cache(lambda: outbox.due_ops(now=2e9))[0]
    assert op.type == ops_type_submit() and op.data["reviewer_id"] == REVIEWER
    wait_for(qtbot, ops, lambda: page.list.count() == 1 and "待发送" in page.list.item(0).text())
    assert not editor.submit_button.isEnabled()  # a submitted draft is read-only


def ops_type_submit() -> str:
    return op_types.OUTGOING_SUBMIT


# --- 核稿 with the diff, 签发 --------------------------------------------------------------

def test_review_with_an_edit_queues_a_new_version(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    page, ctx = _page(qtbot, ops, cache, REVIEWER, feed=reviewing("o1"))
    page.show_view("review")
    wait_for(qtbot, ops, lambda: page.list.count() == 1)
    page.list.setCurrentRow(0)
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.step)
    panel = page.step
    assert "核稿" in panel.heading.text() and panel.edit_button.isVisible()
    assert "第一稿" in panel.diff.toPlainText() or "First version" in panel.diff.toPlainText() \
        or "首稿" in panel.diff.toPlainText()
    panel.edit_button.click()
    cursor = panel.body.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    panel.body.setTextCursor(cursor)
    QTest.keyClick(panel.body, Qt.Key.Key_Return)
    panel.body.insertPlainText("各镇于月底前报送落实情况。")
    panel.version_note.setText("补充报送要求")
    panel.act_button.click()
    wait_for(qtbot, ops, lambda: ctx.in_cache(
        lambda: OutgoingStep.get_by_id("o1-s1").local_mark) == "pending_sync")
    data = ctx.in_cache(lambda: outbox.due_ops(now=2e9))[0].data
    assert data["body"]["blocks"][-1] == {"kind": "p", "text": "各镇于月底前报送落实情况。"}
    assert data["body_sha256"] == docbody.body_sha256(data["body"])
    assert data["version_note"] == "补充报送要求" and data["signature"]


def test_return_without_a_reason_is_stopped_on_screen(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    page, ctx = _page(qtbot, ops, cache, REVIEWER, feed=reviewing("o1"))
    page.open_step("o1-s1")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.step)
    page.step.select_decision("return")
    page.step.opinion.clear()
    page.step.act_button.click()
    assert page.step.message.isVisible()
    assert ctx.in_cache(lambda: outbox.due_ops(now=2e9)) == []


def test_the_diff_colours_added_and_removed_lines(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    page, _ctx = _page(qtbot, ops, cache, LEADER, feed=signing("o1"))
    page.open_step("o1-s2")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.step)
    html = page.step.diff.toHtml()
    text = page.step.diff.toPlainText()
    assert "二、加强火源管控" in text and "三、落实工作责任" in text
    assert "#e3f4e7" in html and "#fbe4e2" in html  # added green, removed red
    assert page.step.tabs.currentWidget() is page.step.diff  # the changes first
    assert "已核验" in text or "verified" in text


def test_sign_for_issue_panel_defaults_and_signs(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    page, ctx = _page(qtbot, ops, cache, LEADER, feed=signing("o1"))
    page.show_view("sign")
    wait_for(qtbot, ops, lambda: page.list.count() == 1)
    page.list.setCurrentRow(0)
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.step)
    panel = page.step
    assert panel.opinion.toPlainText() == "同意印发"
    assert panel.pad.isVisible() and "同意印发" in panel.act_button.text() or \
        panel.act_button.text()
    assert panel.act_button.font().pointSizeF() > panel.opinion.font().pointSizeF() - 2
    panel.pad.add_stroke([(20, 20), (80, 60), (140, 30)])
    panel.act_button.click()
    wait_for(qtbot, ops, lambda: ctx.in_cache(lambda: outbox.due_ops(now=2e9)) != [])
    op = ctx.in_cache(lambda: outbox.due_ops(now=2e9))[0]
    assert op.data["decision"] == "approve" and op.data["text"] == "同意印发"
    assert op.blobs_first == [op.data["handwriting_sha256"]]
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.record)


# --- the clerk and the 回执 ----------------------------------------------------------------

def test_clerk_buttons_follow_the_status(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    import datetime as dt

    year = dt.datetime.now().year
    page, ctx = _page(qtbot, ops, cache, CLERK, feed=[
        up("outgoing", outgoing("o1", status="signed")),
        up("doc_series", series(OFFICE, "富政发", year, 11))])
    page.show_view("issued")
    wait_for(qtbot, ops, lambda: page.list.count() == 1)
    page.list.setCurrentRow(0)
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.record)
    rec = page.record
    assert rec.number_button.isEnabled() and not rec.seal_button.isEnabled()
    assert not rec.issue_button.isEnabled()
    assert f"富政发〔{year}〕12号" in rec.hint.text()
    rec.number_button.click()
    wait_for(qtbot, ops, lambda: ctx.in_cache(lambda: outbox.due_ops(now=2e9)) != [])
    assert ctx.in_cache(lambda: outbox.due_ops(now=2e9))[0].type == op_types.OUTGOING_NUMBER
    wait_for(qtbot, ops, lambda: not rec.number_button.isEnabled())
    assert "待发送" in rec.status.text()


def test_not_a_clerk_sees_no_clerk_buttons(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    page, _ctx = _page(qtbot, ops, cache, DRAFTER,
                       feed=[up("outgoing", outgoing("o1", status="signed"))])
    page.open_record("o1")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.record)
    assert not page.record.number_button.isVisibleTo(page)
    assert not page.record.cancel_button.isEnabled()  # past the route: the clerk's
    assert page.record.cancel_button.isVisibleTo(page)


def test_receipts_table_per_unit_with_overdue(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    sent = T0  # long ago: the pending one is overdue now
    page, _ctx = _page(qtbot, ops, cache, CLERK, feed=[
        up("outgoing", outgoing("o1", status="issued", doc_number="富政发〔2026〕12号")),
        up("delivery", delivery("d1", "o1", "u-ca", status="received",
                                received_by="zhouqiang",
                                received_at=rfc(sent + timedelta(hours=2)))),
        up("delivery", delivery("d2", "o1", "u-ys", status="refused", refused_by="zhouqiang",
                                refused_at=rfc(sent + timedelta(hours=3)),
                                reason="非本单位来文")),
        up("delivery", delivery("d3", "o1", "u-xl")),
    ])
    page.open_record("o1")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.record)
    rows = page.record.receipt_texts()
    assert len(rows) == 3
    by_unit = {r[0]: r for r in rows}
    assert by_unit["长安镇"][2] == "已签收" and by_unit["长安镇"][3] == "周强"
    assert by_unit["砚山镇"][2] == "已退回" and by_unit["砚山镇"][5] == "非本单位来文"
    assert "逾期" in by_unit["兴隆镇"][2]
    assert "1" in page.record.receipt_summary.text()


def test_attachments_are_added_and_their_line_renamed(qtbot, ops, zh, cache,  # noqa: ANN001
                                                      tmp_path) -> None:
    page, ctx = _page(qtbot, ops, cache, DRAFTER)
    page.new_draft()
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.editor)
    f = tmp_path / "森林防火责任分解表.xlsx"
    f.write_bytes(b"table")
    page.attach_paths(page.editor.draft_id(), [f])
    wait_for(qtbot, ops, lambda: page.editor.attachments.count() == 1)
    assert page.editor.attachments.item(0).text() == "森林防火责任分解表"
    page.editor.attachments.item(0).setText("2026年森林防火责任分解表")  # 附件说明, edited
    page.editor.save_now()
    wait_for(qtbot, ops, lambda: ctx.in_cache(
        lambda: OutgoingDraft.get().fields["attachments"][0]["name"]) == "2026年森林防火责任分解表")
    assert ctx.in_cache(lambda: OutgoingDraft.get().fields["attachments"][0]["size"]) == 5


# --- found in a real-window walkthrough ----------------------------------------------------

LONG_TITLE = "关于做好全市冬季供暖保障工作和安全生产检查工作的通知"


def test_a_long_title_shows_its_first_character(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    """The title field is narrower than a title: loaded or just typed, it shows the title
    from its start (QLineEdit left it scrolled to the end, the first character hidden)."""
    page, ctx = _page(qtbot, ops, cache, DRAFTER)
    page.new_draft()
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.editor)
    title = page.editor.title
    assert title.fontMetrics().horizontalAdvance(LONG_TITLE) > title.width()  # does not fit
    title.setFocus()
    title.insert(LONG_TITLE)  # as typed (QTest cannot type Chinese)
    assert title.cursorPosition() == len(LONG_TITLE)  # typing: the end, where the cursor is
    page.editor.body.setFocus()                        # leaving the field
    wait_for(qtbot, ops, lambda: not title.hasFocus())
    assert title.cursorPosition() == 0 and title.toolTip() == LONG_TITLE
    # Opened again (another draft, then this one): from the start too.
    draft_id = page.editor.draft_id()
    page.editor.save_now()
    wait_for(qtbot, ops, lambda: ctx.in_cache(lambda: OutgoingDraft.get().fields["title"])
             == LONG_TITLE)
    page.new_draft()
    wait_for(qtbot, ops, lambda: page.editor.draft_id() != draft_id)
    page.open_draft(draft_id)
    wait_for(qtbot, ops, lambda: page.editor.draft_id() == draft_id)
    assert title.text() == LONG_TITLE and title.cursorPosition() == 0
    title.setText(LONG_TITLE + "（修订）")  # set while another field has the focus
    assert title.cursorPosition() == 0


def test_the_opinion_label_is_a_shortcut_not_an_ampersand(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    """"意见(&O)：" showed its "&": the label had no buddy. Now Alt+O goes to the opinion."""
    page, _ctx = _page(qtbot, ops, cache, REVIEWER, feed=reviewing("o1"))
    page.open_step("o1-s1")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.step)
    panel = page.step
    assert panel.opinion_label.buddy() is panel.opinion
    page.activateWindow()
    panel.act_button.setFocus()
    QTest.keyClick(page, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    wait_for(qtbot, ops, lambda: panel.opinion.hasFocus())


def test_each_action_asks_for_a_sync_and_says_it_is_being_sent(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    """Online, 提交 / 核稿 / 编号 said "联网后发送" and waited for the 60-second timer (the
    clerk's next button stayed grey for a minute). Now each asks for a sync at once, says
    it is being sent, and says so when the platform has it."""
    import datetime as dt

    page, ctx = _page(qtbot, ops, cache, REVIEWER, feed=reviewing("o1"))
    ctx.online = True
    said: list[str] = []
    page.message.connect(lambda text, _ms: said.append(text))
    page.open_step("o1-s1")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.step)
    page.step.act_button.click()
    wait_for(qtbot, ops, lambda: ctx.sync_requests == 1)
    assert said[-1] == "核稿已在本机签署，正在发送…"
    op = ctx.in_cache(lambda: outbox.due_ops(now=2e9))[0]
    ctx.in_cache(lambda: OutboxOp.update(state="done").where(OutboxOp.op_id == op.op_id)
                 .execute())  # what a sync records when the platform applied it
    page.apply_changes(Changes(outbox=True), visible=True)
    wait_for(qtbot, ops, lambda: said[-1] == "核稿已送达平台。")

    year = dt.datetime.now().year
    clerk, cctx = _page(qtbot, ops, cache, CLERK, feed=[
        up("outgoing", outgoing("o2", status="signed")),
        up("doc_series", series(OFFICE, "富政发", year, 11))])
    cctx.online = False
    said.clear()
    clerk.message.connect(lambda text, _ms: said.append(text))
    clerk.open_record("o2")
    wait_for(qtbot, ops, lambda: clerk.stack.currentWidget() is clerk.record)
    clerk.record.number_button.click()
    wait_for(qtbot, ops, lambda: cctx.sync_requests == 1)
    assert said[-1] == "编号已记录，联网后发送。"  # offline: the truth


def test_after_signing_the_record_stays_and_a_done_step_is_not_yours(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    """After 同意印发 the changes it announced reopened the step over the record (请您办理,
    the signature pad empty); a step already done said 请您办理 and offered 修改正文."""
    page, ctx = _page(qtbot, ops, cache, LEADER, feed=signing("o1"))
    ctx.page = page
    page.open_step("o1-s2")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.step)
    page.step.act_button.click()
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.record)
    ops.wait_idle(5000)
    qtbot.wait(100)
    assert page.stack.currentWidget() is page.record
    # The review step of the same document is done: opened, it says so.
    page.open_step("o1-s1")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.step)
    assert page.step.heading.text() == "核稿 — 已办理"
    assert not page.step.edit_button.isVisibleTo(page) and not page.step.act_button.isEnabled()


def test_a_submitted_draft_shows_its_record_once_the_platform_has_it(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    """After the sync that delivered it, the editor still said 已提交，待发送 while its row
    said 核稿中, and clicking the row (already current) did nothing."""
    page, ctx = _page(qtbot, ops, cache, DRAFTER)
    page.new_draft()
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.editor)
    editor = page.editor
    editor.title.setText("关于做好今冬明春森林防火工作的通知")
    editor.body.insertPlainText("为切实做好森林防火工作，现通知如下。")
    editor._main = [{"name": "各镇人民政府", "unit_ids": ["u-ca", "u-ys", "u-xl"]}]
    editor._select(editor.signatory, LEADER)
    editor._select(editor.reviewer, REVIEWER)
    editor.submit_button.click()
    wait_for(qtbot, ops, lambda: ctx.in_cache(lambda: OutgoingDraft.get().state) == "queued")
    draft_id = editor.draft_id()
    wait_for(qtbot, ops, lambda: editor.body.isReadOnly())
    # The sync: the platform's outgoing, under the draft's id, now being reviewed.
    ctx.in_cache(lambda: apply.apply_page([up("outgoing", outgoing(draft_id))], cursor="s1"))
    page.apply_changes(Changes(outgoing=frozenset({draft_id})), visible=True)
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.record)
    assert page.record.title.text() == "关于做好今冬明春森林防火工作的通知"
    assert "核稿" in page.record.status.text()


def test_a_record_without_receipts_keeps_its_parts_together(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    """Before 核发 (no 回执 table) the title, the status and the facts were spread over the
    page with wide empty bands between them."""
    page, _ctx = _page(qtbot, ops, cache, DRAFTER, feed=reviewing("o1"))
    page.open_record("o1")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.record)
    rec = page.record
    assert not rec.receipts.isVisible()
    qtbot.wait(50)
    # Each label as tall as its text (they were stretched to ~170 px each, the text
    # floating in the middle of the band).
    for label in (rec.title, rec.status, rec.receipt_summary):
        assert label.height() <= label.sizeHint().height() + 8, (label.text(), label.height())
    assert rec.status.y() - rec.title.geometry().bottom() < 24


def test_the_version_note_has_room_next_to_the_hashes(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    """修改正文 in 核稿 on a 1366-px screen: the 修改说明 field was five characters wide,
    squeezed by the hash label beside it."""
    page, _ctx = _page(qtbot, ops, cache, REVIEWER, feed=reviewing("o1"))
    page.resize(1200, 760)  # the page's share of a 1366 × 860 window
    page.open_step("o1-s1")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.step)
    panel = page.step
    panel.edit_button.click()
    qtbot.wait(50)
    em = panel.version_note.fontMetrics().horizontalAdvance("国")
    assert panel.version_note.width() >= 12 * em, (panel.version_note.width(), em)
    assert panel.hashes.toolTip().startswith("正文")


def test_the_navigation_counts_the_steps_waiting_in_outgoing(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    """The leader's 待办 showed 5 and 发文 nothing, with a 签发 waiting: 发文 now has its
    badge, kept when the other counts change."""
    from client.types import BadgeCounts
    from client.ui.nav import NavList

    page, _ctx = _page(qtbot, ops, cache, LEADER, feed=signing("o1"))
    nav = NavList()
    qtbot.addWidget(nav)
    page.counts_changed.connect(nav.set_outgoing_count)
    page.refresh_counts()
    wait_for(qtbot, ops, lambda: nav.count_of("outgoing") == 1)
    labels = [nav.item(i).text() for i in range(nav.count())]
    assert any(t.startswith("发文") and "1" in t for t in labels), labels
    nav.set_counts(BadgeCounts(todo=5, todo_very_urgent=0, done=0, received_unread=0,
                               circulate=0, notices_unread=0, problems=0))
    assert nav.count_of("outgoing") == 1 and nav.count_of("todo") == 5


def test_a_click_on_a_units_name_ticks_it(qtbot, qapp, zh) -> None:  # noqa: ANN001
    """In 主送/抄送 a click on 市财政局 only selected the line; the small box had to be hit.
    Now the name ticks it, and the box still toggles once (not twice)."""
    from client.services.drafting import Recipient
    from client.ui.drafting_editor import RecipientDialog

    dialog = RecipientDialog("主送", [Recipient("各镇人民政府", ("u-ca", "u-ys"), True),
                                      Recipient("市财政局", ("u-fin",), False)], [])
    qtbot.addWidget(dialog)
    dialog.show()
    lst = dialog.list
    rect = lst.visualItemRect(lst.item(1))
    qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert lst.item(1).checkState() == Qt.CheckState.Checked
    qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert lst.item(1).checkState() == Qt.CheckState.Unchecked
    # The box itself: Qt's own toggle, once.
    box = rect.topLeft() + QPoint(lst.style().pixelMetric(
        lst.style().PixelMetric.PM_IndicatorWidth) // 2 + 4, rect.height() // 2)
    qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=box)
    assert lst.item(1).checkState() == Qt.CheckState.Checked
    assert [r["name"] for r in dialog.chosen()] == ["市财政局"]


def test_a_typed_heading_number_makes_the_heading_not_a_second_number(qtbot, qapp, zh) -> None:  # noqa: ANN001
    """A drafter typed 一、总体要求 on a 一级标题 line (as in Word): the margin's 一、 and the
    typed one printed 一、一、. Typing 一、 / （一） / （1） at a block's start now makes that
    heading and drops the typed number; 2. (maybe 2.5亿元) is left alone."""
    editor = BodyEditor()
    qtbot.addWidget(editor)
    editor.show()
    editor.setFocus()
    editor.insertPlainText("一、")  # the IME commits it
    qtbot.waitUntil(lambda: editor.current_kind() == "h1")
    editor.insertPlainText("总体要求")
    assert editor.body()["blocks"] == [{"kind": "h1", "text": "总体要求"}]
    assert editor.labels() == ["一、"]
    QTest.keyClick(editor, Qt.Key.Key_Return)
    editor.insertPlainText("（一）")
    qtbot.waitUntil(lambda: editor.current_kind() == "h2")
    editor.insertPlainText("加强领导")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    editor.insertPlainText("2.")
    qtbot.wait(20)
    editor.insertPlainText("5亿元资金已到位。")
    assert [(b["kind"], b["text"]) for b in editor.body()["blocks"]] == [
        ("h1", "总体要求"), ("h2", "加强领导"), ("p", "2.5亿元资金已到位。")]


def test_pasted_numbered_lines_become_headings(qtbot, qapp) -> None:  # noqa: ANN001
    from PySide6.QtCore import QMimeData

    editor = BodyEditor()
    qtbot.addWidget(editor)
    mime = QMimeData()
    mime.setText("一、总体要求\n各镇要高度重视。\n（一）加强领导\n1.落实责任\n（1）明确分工\n"
                 "2.5亿元资金已到位。")
    editor.insertFromMimeData(mime)
    assert [(b["kind"], b["text"]) for b in editor.body()["blocks"]] == [
        ("h1", "总体要求"), ("p", "各镇要高度重视。"), ("h2", "加强领导"), ("h3", "落实责任"),
        ("h4", "明确分工"), ("p", "2.5亿元资金已到位。")]
    assert editor.labels() == ["一、", "", "（一）", "1.", "（1）", ""]


def test_documents_in_the_list_stand_apart(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    """Two documents' lines (title, then kind · status · drafter) ran into each other."""
    page, _ctx = _page(qtbot, ops, cache, DRAFTER, feed=[
        up("outgoing", outgoing("o1")), up("outgoing", outgoing("o2", title="关于开会的通知"))])
    page.show_view("mine")
    wait_for(qtbot, ops, lambda: page.list.count() == 2)
    item = page.list.item(1)
    lines = item.text().count("\n") + 1
    text_height = lines * page.list.fontMetrics().lineSpacing()
    assert page.list.visualItemRect(item).height() >= text_height + 8


def test_the_date_is_written_as_on_the_document(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    """成文日期 showed 2026-12-02 in the Chinese record; the document prints 2026年12月2日."""
    page, _ctx = _page(qtbot, ops, cache, CLERK, feed=[up("outgoing", outgoing(
        "o1", status="numbered", doc_number="富政发〔2026〕12号", issued_on="2026-12-02"))])
    page.open_record("o1")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.record)
    text = page.record.facts.toPlainText()
    assert "2026年12月2日" in text and "2026-12-02" not in text


def test_the_issued_pdf_opens_from_the_record(qtbot, ops, zh, cache, monkeypatch) -> None:  # noqa: ANN001
    """After 核发 the record offered no way to see the issued document; now it opens the
    GB/T 9704 PDF with the system's reader (not offered before 核发)."""
    from PySide6.QtGui import QDesktopServices

    pdf = b"%PDF-1.4\n% issued\n%%EOF\n"
    sha = cache[1].put_bytes(pdf, "application/pdf")
    page, _ctx = _page(qtbot, ops, cache, CLERK, feed=[
        up("outgoing", outgoing("o1", status="issued", doc_number="富政发〔2026〕12号",
                                issued_body={"sha256": sha, "media_type": "application/pdf",
                                             "size": len(pdf)})),
        up("outgoing", outgoing("o2", status="sealed", doc_number="富政发〔2026〕13号"))])
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl",
                        staticmethod(lambda url: opened.append(url.toLocalFile()) or True))
    page.open_record("o2")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.record
             and page.record.detail is not None and page.record.detail.id == "o2")
    assert not page.record.pdf_button.isVisibleTo(page)
    page.open_record("o1")
    wait_for(qtbot, ops, lambda: page.record.detail is not None
             and page.record.detail.id == "o1")
    assert page.record.pdf_button.isVisibleTo(page)
    page.record.pdf_button.click()
    wait_for(qtbot, ops, lambda: bool(opened))
    assert opened[0].endswith("富政发〔2026〕12号 关于做好今冬明春森林防火工作的通知.pdf")
    assert Path(opened[0]).read_bytes() == pdf


def test_the_leader_signing_sees_who_reviewed_it_and_what_they_wrote(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    """The 签发 panel showed the text, the changes and the facts, but not the route: the
    leader could not see the 核稿 opinion (已核，作了修改。) before signing."""
    page, _ctx = _page(qtbot, ops, cache, LEADER, feed=signing("o1"))
    page.open_step("o1-s2")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.step)
    details = page.step.facts.toPlainText()
    assert "办理过程" in details and "已核，作了修改。" in details and "核稿通过" in details


def test_seal_and_issue_ask_first_with_cancel_the_default(qtbot, ops, zh, cache,  # noqa: ANN001
                                                          monkeypatch) -> None:
    """核发 ran at the click: it names the 发文字号 and how many units it goes to, 取消 is
    the default, and 取消 queues nothing. 用印 asks too."""
    from PySide6.QtWidgets import QMessageBox

    number = "富政发〔2026〕12号"
    page, ctx = _page(qtbot, ops, cache, CLERK, feed=[
        up("outgoing", outgoing("o1", status="sealed", doc_number=number,
                                main_recipients=[
                                    {"name": "各镇人民政府", "unit_ids": ["u-ca", "u-ys", "u-xl"]},
                                    {"name": "市财政局", "unit_ids": ["u-fin"]}],
                                cc=[{"name": "市财政局", "unit_ids": ["u-fin"]},
                                    {"name": "市审计局", "unit_ids": ["u-aud"]}])),
        up("outgoing", outgoing("o2", status="numbered", doc_number="富政发〔2026〕13号"))])
    asked: list[tuple[str, Any]] = []
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes,
               QMessageBox.StandardButton.Cancel]

    def exec_(box: QMessageBox) -> Any:
        asked.append((box.text(), box.standardButton(box.defaultButton())))
        return answers[len(asked) - 1]

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    page.open_record("o1")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.record)
    rec = page.record
    assert rec.issue_button.isEnabled()
    rec.issue_button.click()
    text, default = asked[0]
    assert number in text and "主送 4 个单位" in text and "抄送 1 个单位" in text
    assert default == QMessageBox.StandardButton.Cancel
    qtbot.wait(50)
    assert ctx.in_cache(lambda: outbox.due_ops(now=2e9)) == []  # 取消: nothing queued
    rec.issue_button.click()  # 核发
    wait_for(qtbot, ops, lambda: ctx.in_cache(lambda: outbox.due_ops(now=2e9)) != [])
    assert ctx.in_cache(lambda: outbox.due_ops(now=2e9))[0].type == op_types.OUTGOING_ISSUE

    page.open_record("o2")
    wait_for(qtbot, ops, lambda: rec.detail is not None and rec.detail.id == "o2")
    assert rec.seal_button.isEnabled()  # the fixture's unit has its seal registered
    rec.seal_button.click()
    assert "富政发〔2026〕13号" in asked[2][0] and asked[2][1] == QMessageBox.StandardButton.Cancel
    qtbot.wait(50)
    assert len(ctx.in_cache(lambda: outbox.due_ops(now=2e9))) == 1  # still only the 核发


def test_the_route_lists_who_numbered_sealed_and_issued_it_and_when(qtbot, ops, zh,  # noqa: ANN001
                                                                    cache) -> None:
    """办理过程 stopped at 签发: 编号, 用印 and 核发 were done by nobody anyone could see."""
    at = {"numbered_at": rfc(T0 + timedelta(hours=1)),
          "sealed_at": rfc(T0 + timedelta(hours=2)), "issued_at": rfc(T0 + timedelta(hours=3))}
    page, _ctx = _page(qtbot, ops, cache, DRAFTER, feed=[
        up("outgoing", outgoing("o1", status="issued", doc_number="富政发〔2005〕12号",
                                numbered_by=CLERK, sealed_by=CLERK, issued_by=CLERK, **at)),
        up("outgoing", outgoing("o2", status="numbered", doc_number="富政发〔2005〕13号"))])
    page.open_record("o1")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.record)
    # One table row a step: step, who, what, (version), when.
    text = " ".join(page.record.route.toPlainText().split())
    assert "编号 王丽 富政发〔2005〕12号 2005年10月19日" in text
    assert "用印 王丽 已办 2005年10月19日" in text and "核发 王丽 已办 2005年10月19日" in text

    # A number from a platform that did not say who gave it: the step, with the number.
    page.open_record("o2")
    wait_for(qtbot, ops, lambda: page.record.detail is not None
             and page.record.detail.id == "o2")
    text = page.record.route.toPlainText()
    assert "富政发〔2005〕13号" in text and "用印" not in text and "核发" not in text


def test_the_clerk_has_a_to_do_list_of_the_next_steps_most_urgent_first(qtbot, ops, zh,  # noqa: ANN001
                                                                        cache) -> None:
    """The clerk worked from 已发文, where signed, numbered, sealed, issued and cancelled
    documents mix. 收发待办 lists what waits for the clerk's next step, with counts."""
    page, ctx = _page(qtbot, ops, cache, CLERK, feed=[
        up("outgoing", outgoing("o1", status="signed", title="关于甲的通知")),
        up("outgoing", outgoing("o2", status="sealed", urgency="very_urgent",
                                title="关于乙的紧急通知", doc_number="富政发〔2005〕3号")),
        up("outgoing", outgoing("o3", status="numbered", urgency="urgent",
                                title="关于丙的通知", doc_number="富政发〔2005〕4号")),
        up("outgoing", outgoing("o4", status="issued", title="关于丁的通知")),
        up("outgoing", outgoing("o5", status="cancelled", title="关于戊的通知")),
        up("outgoing", outgoing("o6", status="signed", title="关于己的通知"))])
    page.refresh_counts()
    button = page.tabs.group.button(VIEWS.index("clerk"))
    wait_for(qtbot, ops, lambda: button.isVisibleTo(page))
    assert page.tabs.tabText(VIEWS.index("clerk")) == "收发待办 (4)"
    page.show_view("clerk")
    wait_for(qtbot, ops, lambda: page.list.count() == 4)
    ids = [page.list.item(i).data(ROW_ROLE).id for i in range(4)]
    assert ids[:2] == ["o2", "o3"] and set(ids[2:]) == {"o1", "o6"}  # 特急, 加急, then
    assert "待核发" in page.list.item(0).text() and "待用印" in page.list.item(1).text()
    assert "待编号" in page.list.item(2).text()
    assert page.clerk_summary.text() == "待编号 2  ·  待用印 1  ·  待核发 1"

    # 编号 from the list: the row waits (待发送) at the end, the counts move on.
    page.list.setCurrentRow(2)
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.record)
    numbered = page.record.detail.id
    page.record.number_button.click()
    wait_for(qtbot, ops, lambda: page.clerk_summary.text().startswith("待编号 1"))
    assert page.list.item(3).data(ROW_ROLE).id == numbered
    assert "待发送" in page.list.item(3).text()


def test_not_a_clerk_has_no_clerk_to_do_list(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    page, _ctx = _page(qtbot, ops, cache, DRAFTER,
                       feed=[up("outgoing", outgoing("o1", status="signed"))])
    page.refresh_counts()
    wait_for(qtbot, ops, lambda: page._counts != {})
    assert not page.tabs.group.button(VIEWS.index("clerk")).isVisibleTo(page)


def test_after_a_review_with_an_edit_the_new_text_shows_at_once_as_waiting(qtbot, ops, zh,  # noqa: ANN001
                                                                         cache) -> None:
    """After a 核稿 with an edit the record's text went back to version 1 until the next
    sync. The reviewer's version shows at once, marked 待发送, until the feed brings it."""
    page, ctx = _page(qtbot, ops, cache, REVIEWER, feed=reviewing("o1"))
    page.open_step("o1-s1")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.step)
    panel = page.step
    panel.edit_button.click()
    cursor = panel.body.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    panel.body.setTextCursor(cursor)
    QTest.keyClick(panel.body, Qt.Key.Key_Return)
    panel.body.insertPlainText("各镇于月底前报送落实情况。")
    panel.act_button.click()
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.record
             and page.record.detail is not None and page.record.detail.pending_version)
    rec = page.record
    assert rec.body.toPlainText().rstrip().endswith("各镇于月底前报送落实情况。")
    assert rec.left_tabs.tabText(1) == "正文（第2稿，待发送）"
    assert "待发送" in rec.route.toPlainText()
    # The done step, opened again, shows the same text.
    page.open_step("o1-s1")
    wait_for(qtbot, ops, lambda: page.stack.currentWidget() is page.step)
    assert panel.body.toPlainText().rstrip().endswith("各镇于月底前报送落实情况。")

    # The feed brings version 2: it is shown as the platform's, no longer 待发送.
    data = ctx.in_cache(lambda: outbox.due_ops(now=2e9))[0].data
    ctx.in_cache(lambda: apply.apply_page([
        up("outgoing_version", version("o1", 2, data["body"], author=REVIEWER)),
        up("outgoing", outgoing("o1", status="signing", version=2, body=data["body"],
                                current_version=2))], cursor="v2"))
    page.open_record("o1")
    wait_for(qtbot, ops, lambda: rec.detail is not None and rec.detail.pending_version is None
             and rec.detail.current is not None and rec.detail.current.number == 2)
    assert rec.left_tabs.tabText(1) == "正文（第2稿）"
    assert rec.body.toPlainText().rstrip().endswith("各镇于月底前报送落实情况。")


def test_from_the_navigation_the_page_opens_on_the_list_that_waits(qtbot, ops, zh, cache) -> None:  # noqa: ANN001
    """A leader clicked 发文 (1) and found 我的拟稿, empty, the 签发 one button away: the page
    now opens on the list holding what the badge counted, and stays on a list the user
    chose while it holds something."""
    page, _ctx = _page(qtbot, ops, cache, LEADER, feed=signing("o1"))
    page.refresh_counts()
    wait_for(qtbot, ops, lambda: page._counts.get("sign") == 1)
    assert page.view == "mine"
    page.open_from_navigation()
    assert page.view == "sign"
    wait_for(qtbot, ops, lambda: page.list.count() == 1)
    page.show_view("issued")
    page.open_from_navigation()  # 已发文 holds nothing waiting: back to 待签发
    assert page.view == "sign"
