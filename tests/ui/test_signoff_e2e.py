"""A leader signs a 批示 offline with a handwritten signature; the clerk sees it, verified.

Real parts only: the demo platform subprocess on loopback, real encrypted caches, the
real services and the real widgets (offscreen).
"""

from __future__ import annotations

from client.session import Profile
from client.types import InboxFilters, InboxView
from client.ui.context import AppContext
from client.ui.main_window import MainWindow
from tests.ui.conftest import PASSWORD, wait_for


def _window(qtbot, ops, profile: Profile) -> MainWindow:  # noqa: ANN001
    ctx = AppContext(profile, ops)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1366, 860)
    window.show()
    return window


def _todo_ids(profile: Profile) -> set[str]:
    page = profile.services.inbox.page(InboxView.TODO, InboxFilters(), limit=500)
    return {r.task_id for r in page.rows}


def test_offline_signoff_with_handwriting_reaches_the_clerk_verified(
        qtbot, ops, zh, platform, test_keyring) -> None:  # noqa: ANN001
    leader = Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("zhangjianguo"))
    leader.sync()
    window = _window(qtbot, ops, leader)
    wait_for(qtbot, ops, lambda: window.model.rowCount() > 0)
    row = next(r for r in window.model.rows() if r.task_kind == "instruct")

    platform.stop()  # the county network is down from here on
    window.open_document(row.document_id, row.task_id)
    wait_for(qtbot, ops, lambda: window.signoff.task() is not None)
    panel = window.signoff
    assert "approve" in [b.property("decision") for b in panel.decision_group.buttons()]
    panel.select_decision("approve")
    opinion = "同意。请市财政局抓紧办理，按期报结果。"
    panel.opinion.setPlainText(opinion)
    panel.pad.add_stroke([(30, 80), (60, 40), (90, 90), (130, 50), (170, 85)])
    panel.pad.add_stroke([(200, 60), (260, 62)])
    assert panel.sign_next_button.isEnabled()
    panel.sign_next_button.click()
    wait_for(qtbot, ops, lambda: row.task_id not in _todo_ids(leader))
    assert leader.unsent_ops() >= 1  # kept locally, waiting for the network

    platform.start()
    report = leader.sync()
    assert report.failed_ops == 0
    assert leader.unsent_ops() == 0
    window.close()
    leader.close()

    clerk = Profile.login(platform.base_url, "wangli", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("wangli"))
    try:
        clerk.sync()
        cw = _window(qtbot, ops, clerk)
        cw.open_document(row.document_id)
        wait_for(qtbot, ops, lambda: cw.document.detail() is not None)
        detail = cw.document.detail()
        mine = [o for o in detail.opinions if o.text == opinion]
        assert len(mine) == 1 and mine[0].handwriting_sha256
        html = cw.document.form.toHtml()
        assert opinion in html
        assert "签名有效" in html  # the verification mark, in Chinese
        marks = [cw.document.history.topLevelItem(i).text(5)
                 for i in range(cw.document.history.topLevelItemCount())
                 if opinion in cw.document.history.topLevelItem(i).text(3)]
        assert marks == ["✔ 签名有效"]
        cw.close()
    finally:
        clerk.close()
