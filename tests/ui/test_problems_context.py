"""Conflicts in words in 同步问题 (issue 12, deliverable 4): the platform's context says
who moved the step, when and to whom, in natural Chinese (English as the fallback); the
copy carries it; "发送给当前办理人" is offered only when the context names a holder, and
sends the kept text, edited, as a note (留言) that reaches the holder."""

from __future__ import annotations

from datetime import UTC, datetime

import requests
from PySide6.QtGui import QGuiApplication

from client import models
from client.services import outbox
from client.session import Profile
from client.types import OpState, OutboxItem
from client.ui.problems_view import ITEM_ROLE, ProblemsView
from tests.ui.conftest import PASSWORD, wait_for
from tests.ui.test_problems_redo import _sign_first_instruct
from tests.ui.test_signoff_e2e import _window

YEAR = datetime.now().year
AT = f"{YEAR}-12-01T10:12:00+08:00"
REROUTED = {"action": "rerouted", "by": "u-wangli", "by_name": "王丽", "at": AT,
            "document_id": "d1", "task_id": "t1", "task_kind": "instruct",
            "holder_id": "u-liqiang", "holder_name": "李强", "holder_task_id": "t2"}


def _conflict(op_id: str, context: dict | None, code: str = "task.cancelled") -> OutboxItem:
    return OutboxItem(op_id=op_id, type="task.complete",
                      data={"task_id": "t1", "decision": "approve", "text": "同意，请财政局办理。"},
                      state=OpState.CONFLICT, attempts=1,
                      created_at=datetime(YEAR, 12, 1, 1, 0, tzinfo=UTC), next_attempt_at=None,
                      result_code=code, result_detail="the task was cancelled",
                      local_ref=None, blobs_first=[], result_context=context)


def _view(qtbot) -> ProblemsView:  # noqa: ANN001
    view = ProblemsView()
    qtbot.addWidget(view)
    view.me = "u-zhang"
    view.show()
    return view


def test_reroute_is_said_in_chinese_with_who_when_and_the_holder(qtbot, zh) -> None:  # noqa: ANN001
    view = _view(qtbot)
    view.set_items([_conflict("op1", REROUTED)], {"op1": "关于做好秋季防火工作的通知"})
    assert view.reason.text() == ("此环节已由王丽于12月1日 10:12 改派给李强，您的批示未被记录。"
                                  "您写的内容保留在下方。")
    assert view.send_note.isEnabled()
    copied = view.copy_text()
    assert "此环节已由王丽于12月1日 10:12 改派给李强，您的批示未被记录。" in copied
    assert "关于做好秋季防火工作的通知" in copied and "同意，请财政局办理。" in copied
    view.copy.click()
    assert QGuiApplication.clipboard().text() == copied


def test_other_actions_reason_and_holder_in_words(qtbot, zh) -> None:  # noqa: ANN001
    view = _view(qtbot)
    cancelled = {**REROUTED, "action": "cancelled", "reason": "副市长请假。",
                 "holder_name": "张建国", "holder_id": "u-zhangjg"}
    withdrawn = {"action": "withdrawn", "by": "u-zhao", "by_name": "赵敏",
                 "at": f"{YEAR - 1}-03-05T08:30:00+08:00", "notice_id": "n1"}
    recalled = {**REROUTED, "action": "recalled", "by_name": "李主任", "holder_id": "u-zhang",
                "holder_name": "我"}
    view.set_items([_conflict("a", cancelled), _conflict("b", withdrawn, "notice.withdrawn"),
                    _conflict("c", recalled)], {})
    texts = []
    for i in range(3):
        view.tree.setCurrentItem(view.tree.topLevelItem(i))
        texts.append(view.reason.text())
    assert texts[0] == ("此环节已由王丽于12月1日 10:12 撤销，您的批示未被记录。理由：副市长请假。"
                        "此环节现由张建国办理。您写的内容保留在下方。")
    assert texts[1] == (f"此通知已由赵敏于{YEAR - 1}年3月5日 08:30 撤回，您的签批未被记录。"
                        "您写的内容保留在下方。")
    assert texts[2] == ("李主任于12月1日 10:12 撤回了上一环节的签批，此环节随之撤销，您的批示未被"
                        "记录。此环节已回到您手中。您写的内容保留在下方。")
    # Who holds the step now decides the button: nobody (a notice), or the user themselves.
    view.tree.setCurrentItem(view.tree.topLevelItem(0))
    assert view.send_note.isEnabled()
    for i in (1, 2):
        view.tree.setCurrentItem(view.tree.topLevelItem(i))
        assert not view.send_note.isEnabled()


def test_moved_away_and_back_says_it_is_yours_again(qtbot, zh) -> None:  # noqa: ANN001
    view = _view(qtbot)
    view.set_items([_conflict("op1", {**REROUTED, "holder_id": "u-zhang",
                                      "holder_name": "张建国"})], {})
    assert view.reason.text() == ("此环节已由王丽于12月1日 10:12 改派，现又回到您手中，您的批示未被"
                                  "记录，请在当前环节重新签批。您写的内容保留在下方。")
    assert not view.send_note.isEnabled() and view.redo.isEnabled()


def test_without_context_the_catalogue_reason_stays_and_no_note_is_offered(qtbot, zh) -> None:  # noqa: ANN001
    view = _view(qtbot)
    view.set_items([_conflict("op1", None)], {})
    assert view.reason.text() == ("平台上该办理环节已被撤回或改派他人。您的签批未被平台记录，"
                                  "所填内容保留在下方。")
    assert not view.send_note.isEnabled()


def test_english_fallback(qtbot, qapp) -> None:  # noqa: ANN001
    view = _view(qtbot)
    view.set_items([_conflict("op1", REROUTED)], {}, {"op1": "李强"})
    assert view.reason.text() == (
        "This step was reassigned to 李强 by 王丽 at 12-01 10:12; your instruction (批示) was "
        "not recorded. Your text was sent to 李强 as a note. What you wrote is kept below.")


def _reroute(platform, task_id: str, to: str) -> None:  # noqa: ANN001
    import synckit

    r = requests.post(f"{platform.base_url}/api/v1/ops", timeout=30,
                      headers=synckit.raw_session(platform, "wangli"),
                      json={"ops": [{"op_id": f"reroute-{task_id}", "type": "task.reroute",
                                     "data": {"task_id": task_id, "assignee_id": to,
                                              "reason": "张市长外出"}}]})
    assert r.json()["results"][0]["status"] == "applied", r.text


def test_send_to_current_holder_prefills_edits_and_reaches_the_holder(
        qtbot, ops, zh, platform, test_keyring) -> None:  # noqa: ANN001
    leader = Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
                           enrolment_code=platform.issue_enrolment_code("zhangjianguo"))
    try:
        leader.sync()
        window = _window(qtbot, ops, leader)
        typed = "拟同意，请财政局提出具体方案后再报。"
        row = _sign_first_instruct(qtbot, ops, window, leader, typed)
        lihua = models.User.get(models.User.username == "lihua")
        _reroute(platform, row.task_id, lihua.id)
        # (Opening the document queued a read mark, refused now that the step moved away.)
        assert leader.sync().pushed["conflict"] == 1
        window.nav.select("problems")
        view = window.problems
        wait_for(qtbot, ops, lambda: view.tree.topLevelItemCount() >= 1)
        for i in range(view.tree.topLevelItemCount()):
            if view.tree.topLevelItem(i).data(0, ITEM_ROLE).type == "task.complete":
                view.tree.setCurrentItem(view.tree.topLevelItem(i))
        assert view.reason.text().startswith("此环节已由王丽于")
        assert "改派给李华，您的批示未被记录。理由：张市长外出。" in view.reason.text()
        assert view.send_note.isEnabled()

        page = window.problems_page
        item = view.current()
        dialog = page.note_dialog(item)
        assert dialog is not None and "李华" in dialog.findChild(
            type(window.problems.reason), "viewTitle").text()
        assert typed in dialog.reason() and dialog.dismiss.isChecked()
        assert dialog.ok_button.isEnabled()
        dialog.text.setPlainText("")
        assert not dialog.ok_button.isEnabled()  # an empty note cannot be sent
        dialog.text.setPlainText(f"李副市长：供参考，我原拟批示：{typed}")
        page.send_note_from(item, dialog)
        def signoff_problems() -> list:
            return [p for p in outbox.problems() if p.type == "task.complete"]
        wait_for(qtbot, ops, lambda: signoff_problems() == [] and not any(
            view.tree.topLevelItem(i).data(0, ITEM_ROLE).type == "task.complete"
            for i in range(view.tree.topLevelItemCount())))
        assert outbox.get(item.op_id).result_code == "user.noted"
        (note_op,) = [o for o in outbox.due_ops(now=2e9) if o.type == "note.send"]
        assert note_op.data["to_user_id"] == lihua.id
        assert note_op.data["text"] == f"李副市长：供参考，我原拟批示：{typed}"
        assert leader.sync().pushed == {"applied": 1}
        assert outbox.get(note_op.op_id).state == OpState.DONE
    finally:
        leader.close()
    holder = Profile.login(platform.base_url, "lihua", PASSWORD,
                           enrolment_code=platform.issue_enrolment_code("lihua"))
    try:
        holder.sync()
        assert [n.text for n in models.Note.select().where(
            models.Note.document_id == row.document_id)] == [note_op.data["text"]]
        # The holder: a tray alert (as for a 催办), once; the note on the document's page.
        shown: list[tuple[str, str, str, str]] = []
        hw = _window(qtbot, ops, holder)
        hw.tray.announced.connect(lambda *a: shown.append(a))
        hw.announce_reminders()
        wait_for(qtbot, ops, lambda: any(h == "张建国的留言" for _k, _i, h, _t in shown))
        (alert,) = [a for a in shown if a[2] == "张建国的留言"]
        assert alert[:2] == ("document", row.document_id) and note_op.data["text"] in alert[3]
        hw.announce_reminders()
        ops.wait_idle(5000)
        assert [a for a in shown if a[2] == "张建国的留言"] == [alert]
        hw.open_document(row.document_id, None)
        notes = hw.document_page.document.notes
        wait_for(qtbot, ops, lambda: notes.topLevelItemCount() == 1)
        assert notes.topLevelItem(0).text(1) == "张建国" and notes.topLevelItem(0).text(2) == "李华"
        assert notes.topLevelItem(0).text(4) == note_op.data["text"]
        tabs = hw.document_page.document.tabs
        assert tabs.tabText(tabs.indexOf(notes)) == "留言(&N)（1）"
    finally:
        holder.close()
