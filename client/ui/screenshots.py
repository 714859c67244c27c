"""`--screenshot PATH --view NAME`: render one screen offscreen against the demo platform."""

from __future__ import annotations

import datetime
import logging
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from client.types import InboxFilters, InboxView
from client.ui.problems_view import ITEM_ROLE

log = logging.getLogger(__name__)

SIZE = (1366, 860)


def settle(ops: Any, ms: int = 600) -> None:
    """Let queued work finish and the event loop paint."""
    ops.wait_idle(30_000)
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        time.sleep(0.01)
    ops.wait_idle(30_000)


def save(widget: QWidget, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok = widget.grab().save(str(path), "PNG")
    log.info("screenshot %s: %s", path, "saved" if ok else "FAILED")
    return 0 if ok else 1


def render(runner: Any, path: Path, view: str, *, size: tuple[int, int] = SIZE) -> int:
    from client.ui.demo import DEMO_USER

    if view == "login":
        from client.ui.login_dialog import LoginDialog

        dialog = LoginDialog(runner.ops, server_url="http://127.0.0.1:8765",
                             username=DEMO_USER)
        dialog.password.setText("Fujin@2005")
        dialog.show()
        settle(runner.ops, 300)
        return save(dialog, path)
    if view == "enrol":
        from client.ui.enrol_dialog import EnrolKeyDialog

        dialog = EnrolKeyDialog(runner.ops, None)
        dialog.password.setText("Fujin@2005")
        dialog.code.setText("K7QM-3XHP-9TWA")
        dialog.show()
        settle(runner.ops, 300)
        return save(dialog, path)

    from client.ui import screenshots_outgoing

    base = runner.start_demo_platform(show=False)
    user = {"compose": "zhaoxin", "notices": "liuyang", "clerk_inbox": "wangli",
            "registration": "wangli", "delivery_preview": "wangli", **screenshots_outgoing.USERS}.get(view, DEMO_USER)
    runner.sign_in_demo(base, user, show=False)
    window = runner.open_window()
    runner.manager.stop(timeout=10)  # a still picture: no background sync meanwhile
    window.resize(*size)
    window.show()
    settle(runner.ops)

    if view in screenshots_outgoing.VIEWS:  # 发文
        return screenshots_outgoing.render(runner, window, path, view)
    if view == "inbox":
        window.nav.select("todo")
        settle(runner.ops)
        return save(window, path)
    if view == "notes":  # 留言: the demo's note from the registry on a 请示 (its document)
        services = runner.profile.services
        with runner.profile.cache_context():
            rows = services.inbox.page(InboxView.RECEIVED, InboxFilters(), limit=500).rows
            with_notes = [r.document_id for r in rows
                          if services.notes.for_document(r.document_id)]
        if not with_notes:
            raise RuntimeError("the demo county has no note for this user")
        window.nav.select("received")
        settle(runner.ops)
        window.open_document(with_notes[0], None)
        settle(runner.ops, 1200)
        tabs = window.document.tabs
        tabs.setCurrentWidget(window.document.notes)
        settle(runner.ops, 300)
        return save(window, path)
    if view in ("document", "signoff", "body"):
        window.nav.select("todo")
        settle(runner.ops)
        window.table.selectRow(0)
        window._row_activated(window.model.index(0, 0))
        settle(runner.ops, 1200)
        if view == "signoff":
            panel = window.signoff
            panel.select_decision("approve")
            panel.opinion.setPlainText("同意。请财政局会同相关部门抓紧落实，确保按期完成。")
            people = [p for p in panel._people if "handle" in p.roles or "staff" in p.roles]
            if people:
                panel.set_forward([people[0].id])
            panel.pad.add_stroke([(40 + i * 6, 70 + (i % 5) * 6 - (i % 3) * 4) for i in range(30)])
            panel.pad.add_stroke([(90, 40), (110, 100), (130, 45), (160, 95), (200, 50)])
            panel.pad.add_stroke([(230, 60), (300, 62)])
            settle(runner.ops, 300)
            return save(window, path)
        if view == "body":  # the 正文 tab: the first PDF body, rendered by QtPdf (async)
            window.document.tabs.setCurrentIndex(1)
            for row in range(1, window.model.rowCount()):
                if window.document.pdf.pageCount() > 0:
                    break
                window._row_activated(window.model.index(row, 0))
                settle(runner.ops, 1200)
                window.document.tabs.setCurrentIndex(1)
            settle(runner.ops, 2500)
            return save(window, path)
        window.document.tabs.setCurrentIndex(0)
        settle(runner.ops, 500)
        return save(window, path)
    if view == "signed":
        _sign_and_confirm(runner, window)
        return save(window, path)
    if view == "recall":  # a sign-off still queued: 撤回 offered on the document
        _sign_and_stay(runner, window)
        window.status.clearMessage()
        return save(window, path)
    if view == "notices":
        window.nav.select("notices")
        settle(runner.ops)
        if window.notices.model.rowCount():
            window.notices.list.setCurrentIndex(window.notices.model.index(0))
        settle(runner.ops)
        return save(window, path)
    if view == "compose":
        from client.ui.notice_compose import NoticeComposeDialog

        window.nav.select("notices")
        settle(runner.ops)
        units, _people = _directory(runner, window)
        dialog = NoticeComposeDialog(units, window)
        # Dated like the demo county, which lives in the present.
        deadline = datetime.date.today() + datetime.timedelta(days=14)
        dialog.title.setText(f"关于做好{deadline.year}年度电子政务网络安全检查工作的通知")
        dialog.body.setPlainText(
            "各镇、各部门：\n按照佳木斯市人民政府关于进一步加强网络与信息安全工作的通知精神，"
            f"请于{deadline.month}月{deadline.day}日前完成本单位网络与信息安全自查，"
            "并将自查报告报市信息中心。")
        for u in units[:1]:
            for child in u.children[:3]:
                dialog.check_unit(child.id)
        dialog.show()
        settle(runner.ops, 300)
        return save(dialog, path)
    if view == "problems":
        _make_conflict(runner, window)
        window.refresh_counts()
        window.refresh_status()
        window.nav.select("problems")
        settle(runner.ops)
        tree = window.problems.tree
        for i in range(tree.topLevelItemCount()):
            item = tree.topLevelItem(i)
            if item.data(0, ITEM_ROLE).state == "conflict":
                tree.setCurrentItem(item)  # its kept opinion fills the lower pane
                break
        else:
            raise RuntimeError("the problems scenario produced no conflict")
        window.status.clearMessage()  # "signed, sent when online" is stale after the sync
        settle(runner.ops, 300)
        return save(window, path)
    if view in ("clerk_inbox", "registration", "delivery_preview"):
        from client.services import exchange_demo
        from client.sync import apply

        with runner.profile.cache_context():
            seeded = exchange_demo.build(runner.profile.user_id)
            if seeded.changes:
                apply.apply_page(seeded.changes, cursor=apply.current_cursor() or "demo")
        window.nav.select("desk")
        settle(runner.ops)
        desk = window.clerk_page
        if view == "clerk_inbox":
            desk.select_row("box", 0)
            settle(runner.ops, 300)
            return save(window, path)
        if view == "delivery_preview":  # what a double-click (or Enter) on 待签收 opens
            desk.select_row("box", 0)
            desk.open_preview()
            settle(runner.ops, 2500)
            assert desk.preview is not None
            return save(desk.preview, path)
        desk.tabs.setCurrentIndex(1)
        settle(runner.ops)
        desk.open_registration(document_id=seeded.registration_id)
        settle(runner.ops, 1200)
        form = desk.form
        form.to_head.setChecked(True)
        for person in seeded.readers:
            form.check_person(form.readers, person)
        form.reader_filter.setText("副市长")  # the clerk looks for the leaders to copy in
        form.notes.setText("请各镇、各部门认真贯彻落实")
        form.preview.tabs.setCurrentIndex(1)
        settle(runner.ops, 2500)
        return save(window, path)
    raise ValueError(view)


def _make_conflict(runner: Any, window: Any) -> None:
    """A real conflict, as in tests/ui/test_problems_context.py: the leader signs a 批示
    locally, the registry clerk re-routes that task to the vice mayor on the platform
    before the leader's sync, and the sync reports `conflict` (who, when, to whom) while
    keeping the text."""
    import requests

    from client.ui.demo import DEMO_PASSWORD

    window.nav.select("todo")
    settle(runner.ops)
    row = next(r for r in window.model.rows() if r.task_kind == "instruct")
    window.open_document(row.document_id, row.task_id)
    settle(runner.ops, 1200)
    panel = window.signoff
    if panel.task() is None:
        raise RuntimeError("the sign-off panel did not load the task")
    panel.select_decision("approve")
    panel.opinion.setPlainText("拟同意。请财政局会同发改局提出具体实施方案后再报县政府审定。")
    panel.sign_button.click()
    settle(runner.ops)
    if runner.profile.unsent_ops() < 1:
        raise RuntimeError("the sign-off was not queued")

    _units, people = _directory(runner, window)
    ids = {p.username: p.id for p in people}
    base = runner.demo_env.base_url

    def clerk_moves_the_step() -> None:
        r = requests.post(f"{base}/api/v1/auth/login", timeout=10, json={
            "username": "wangli", "password": DEMO_PASSWORD,
            "device_id": "screenshot-clerk", "device_name": "screenshot"})
        r.raise_for_status()
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        # 改派 to the vice mayor, with its reason: the problem names who, when and to whom,
        # and offers to send the kept 批示 to her as a note.
        r = requests.post(f"{base}/api/v1/ops", headers=headers, timeout=10, json={"ops": [{
            "op_id": f"screenshot-reroute-{row.task_id}", "type": "task.reroute",
            "data": {"task_id": row.task_id, "assignee_id": ids["lihua"],
                     "reason": "张市长外出开会，改请李副市长批示"}}]})
        r.raise_for_status()
        if r.json()["results"][0]["status"] != "applied":
            raise RuntimeError(f"the re-route was refused: {r.json()}")

    runner.blocking("reroute", clerk_moves_the_step, show=False)
    # The stopped background manager left the engine told to stop; this one sync is ours.
    runner.profile.engine.stop_requested = False
    runner.blocking("sync", runner.profile.sync, show=False)


def _sign_and_confirm(runner: Any, window: Any) -> None:
    """The document page after its own sign-off was confirmed: the leader signs a 批示 and
    stays on it, one sync carries it to the platform, and the page shows the result
    (as tests/ui/test_document_refresh.py, with the sync run here instead of the
    stopped background manager; its changes reach the window the same way)."""
    window.nav.select("todo")
    settle(runner.ops)
    row = next(r for r in window.model.rows() if r.task_kind == "instruct")
    window.open_document(row.document_id, row.task_id)
    settle(runner.ops, 1200)
    panel = window.signoff
    if panel.task() is None:
        raise RuntimeError("the sign-off panel did not load the task")
    panel.select_decision("approve")
    panel.opinion.setPlainText("同意。请市财政局牵头，会同相关部门抓紧落实，按期报送结果。")
    panel.pad.add_stroke([(40 + i * 6, 70 + (i % 5) * 6 - (i % 3) * 4) for i in range(30)])
    panel.pad.add_stroke([(230, 60), (300, 62)])
    panel.sign_button.click()
    settle(runner.ops)
    runner.profile.engine.stop_requested = False
    report = runner.blocking("sync", runner.profile.sync, show=False)
    window.ctx.changes_applied.emit(report.changes)
    settle(runner.ops, 1200)
    window.status.clearMessage()


def _sign_and_stay(runner: Any, window: Any) -> None:
    """The leader signs a 批示 and stays on the document; nothing is sent (no sync)."""
    window.nav.select("todo")
    settle(runner.ops)
    row = next(r for r in window.model.rows() if r.task_kind == "instruct")
    window.open_document(row.document_id, row.task_id)
    settle(runner.ops, 1200)
    panel = window.signoff
    if panel.task() is None:
        raise RuntimeError("the sign-off panel did not load the task")
    panel.select_decision("approve")
    panel.opinion.setPlainText("同意。请市财政局牵头，会同相关部门抓紧落实，按期报送结果。")
    panel.sign_button.click()
    settle(runner.ops, 1200)
    if not window.document.recall_button.isVisible():
        raise RuntimeError("no 撤回 offered after the sign-off")


def _directory(runner: Any, window: Any) -> tuple[list, list]:
    box: dict[str, Any] = {}
    runner.ops.db(window.ctx.directory, lambda r: box.setdefault("r", r))
    runner.ops.wait_idle(30_000)
    return box["r"]
