"""A leader's 批示 names handlers and, with the 传阅 picker, readers: the platform records
`circulate_to` and the readers get read tasks. Real platform, cache and widgets."""

from __future__ import annotations

import requests
from PySide6.QtCore import QTimer

from client.session import Profile
from tests.ui.conftest import PASSWORD, wait_for
from tests.ui.test_signoff_e2e import _window

HANDLER = "u-chenming"   # 陈明, 市财政局局长: 承办
READER = "u-zhouqiang"   # 周强, 市财政局科员: 传阅


def _admin_document(platform, document_id: str) -> dict:  # noqa: ANN001
    import synckit

    clerk = synckit.raw_session(platform, "wangli")
    r = requests.get(f"{platform.base_url}/api/v1/admin/documents/{document_id}",
                     headers=clerk, timeout=30)
    r.raise_for_status()
    return r.json()


def test_instruct_approval_circulates_to_readers_chosen_in_the_picker(
        qtbot, ops, zh, platform, test_keyring) -> None:  # noqa: ANN001
    leader = Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("zhangjianguo"))
    try:
        leader.sync()
        window = _window(qtbot, ops, leader)
        wait_for(qtbot, ops, lambda: window.model.rowCount() > 0)
        wait_for(qtbot, ops, lambda: window.signoff._people != [])  # directory loaded
        row = next(r for r in window.model.rows() if r.task_kind == "instruct")
        window.open_document(row.document_id, row.task_id)
        wait_for(qtbot, ops, lambda: window.signoff.task() is not None)
        panel = window.signoff

        # Only a 批示 approval circulates.
        panel.select_decision("return")
        assert panel.circulate_row.isHidden()
        panel.select_decision("approve")
        assert not panel.circulate_row.isHidden() and panel.circulate_button.isEnabled()
        assert panel.circulate_to() == []

        def choose_reader() -> None:
            picker = panel.reader_picker
            assert picker is not None and picker.isVisible()
            picker.search.setText("周强")
            assert picker.visible_people() == [READER]
            picker.check(READER)
            picker.accept()

        QTimer.singleShot(0, choose_reader)
        panel.circulate_button.click()  # modal picker; answered by choose_reader
        assert panel.circulate_to() == [READER]
        assert "周强" in panel.circulate_label.text()
        # A decision that does not circulate sends no readers, even with some picked.
        panel.select_decision("return")
        assert panel.circulate_to() == []
        panel.select_decision("approve")
        assert panel.circulate_to() == [READER]
        panel.set_forward([HANDLER])
        panel.opinion.setPlainText("同意。请财政局办理，周强同志阅知。")
        panel.sign_button.click()
        wait_for(qtbot, ops, lambda: leader.unsent_ops() >= 1)
        report = leader.sync()
        assert report.failed_ops == 0 and leader.unsent_ops() == 0

        doc = _admin_document(platform, row.document_id)
        mine = [o for o in doc["opinions"] if o["task_id"] == row.task_id]
        assert len(mine) == 1
        assert mine[0]["forward_to"] == [HANDLER]
        assert mine[0]["circulate_to"] == [READER]
        # The stage is complete (the leader was its only 批示): handler and reader got
        # their tasks.
        pending = sorted((t["kind"], t["assignee_id"]) for t in doc["tasks"]
                         if t["status"] == "pending")
        assert pending == [("handle", HANDLER), ("read", READER)]
        window.close()
    finally:
        leader.close()
