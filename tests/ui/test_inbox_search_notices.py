"""Search and filters in the inbox, and a notice acknowledged then seen by its publisher."""

from __future__ import annotations

from client import models
from client.session import Profile
from client.ui.notices_view import ReceiptsWidget
from tests.ui.conftest import PASSWORD, wait_for
from tests.ui.test_signoff_e2e import _window


def _expected(word: str, urgency: set[str] | None = None) -> set[str]:
    out = set()
    bodies = dict(models.DocumentData.select(models.DocumentData.pk,
                                             models.DocumentData.body_text).tuples())
    for d in models.Document.select():
        # The body's text counts too once it is on disk (client/bodytext.py).
        hay = f"{d.title} {d.doc_number} {d.issuer} {bodies.get(d.pk) or ''}"
        if word in hay and (urgency is None or d.urgency in urgency):
            out.add(d.id)
    return out


def test_two_character_search_and_combined_filters(qtbot, ops, zh, platform,
                                                   test_keyring) -> None:  # noqa: ANN001
    leader = Profile.login(platform.base_url, "zhangjianguo", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("zhangjianguo"))
    try:
        leader.sync()
        window = _window(qtbot, ops, leader)
        window.nav.select("received")
        wait_for(qtbot, ops, lambda: window.model.rowCount() > 0)
        everything = {r.document_id for r in window.model.rows()}
        word = "松花"  # a two-character word: the case trigram search cannot serve
        expected = _expected(word)
        assert expected and expected != everything

        window.filters.search.setText(word)
        wait_for(qtbot, ops, lambda: {r.document_id for r in window.model.rows()} == expected)

        # Combined with an urgency filter: both must hold for every row.
        urgent = window.filters.urgency.findData("very_urgent,urgent")
        assert urgent > 0
        window.filters.urgency.setCurrentIndex(urgent)
        both = _expected(word, {"very_urgent", "urgent"})
        wait_for(qtbot, ops, lambda: {r.document_id for r in window.model.rows()} == both)
        assert both < expected

        window.filters.unread.setChecked(True)
        unread = {d for d in both if not models.Document.get(models.Document.id == d).is_read}
        wait_for(qtbot, ops, lambda: {r.document_id for r in window.model.rows()} == unread)

        window.filters.reset()
        wait_for(qtbot, ops, lambda: {r.document_id for r in window.model.rows()} == everything)
        window.close()
    finally:
        leader.close()


def test_acknowledged_notice_updates_the_publishers_receipts(qtbot, ops, zh, platform,
                                                             test_keyring) -> None:  # noqa: ANN001
    staff = Profile.login(platform.base_url, "sunhaitao", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("sunhaitao"))
    try:
        staff.sync()
        window = _window(qtbot, ops, staff)
        window.nav.select("notices")
        wait_for(qtbot, ops, lambda: window.notices.model.rowCount() > 0)
        zhaoxin = models.User.get(models.User.username == "zhaoxin").id
        row = next(r for r in window.notices.model.rows()
                   if r.requires_ack and not r.acked and r.publisher_id == zhaoxin)
        window.notices.select(row.id)
        wait_for(qtbot, ops, lambda: window.notices._detail is not None
                 and window.notices._detail.row.id == row.id)
        assert window.notices.ack_button.isVisible()
        window.notices.ack_button.click()
        wait_for(qtbot, ops, lambda: window.notices._detail.row.acked)
        assert "待发送" in window.notices.ack_state.text()
        assert staff.sync().failed_ops == 0
        window.close()
        publisher_id = row.publisher_id
    finally:
        staff.close()

    pub = Profile.login(platform.base_url, "zhaoxin", PASSWORD,
        enrolment_code=platform.issue_enrolment_code("zhaoxin"))
    try:
        pub.sync()
        assert pub.user_id == publisher_id
        pw = _window(qtbot, ops, pub)
        pw.show_receipts(row.id)
        wait_for(qtbot, ops, lambda: getattr(pw, "receipts_dialog", None) is not None)
        widget = pw.receipts_dialog.findChild(ReceiptsWidget)
        assert "孙海涛" in widget.acked_names()
        pw.receipts_dialog.close()
        pw.close()
    finally:
        pub.close()
