"""留言 on the client (client.services.notes): bad input is refused before anything is
queued; a note is queued offline and shown at once; a received note is applied from the
feed, listed on its document and alerted once (old ones only recorded)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cachekit import T0, directory_changes, document, rfc, up

from client.errors import GovDeskError
from client.services import outbox
from client.services.notes import NotesService
from client.sync import apply


def _note(nid: str, at: datetime, **kw: Any) -> dict[str, Any]:
    return {"id": nid, "version": 1, "updated_at": rfc(at), "document_id": "d1",
            "from_id": kw.pop("from_id", "lihua"), "to_id": kw.pop("to_id", "zhangjianguo"),
            "text": kw.pop("text", "请张市长阅示。"), "at": rfc(at)} | kw


def test_bad_notes_are_refused_and_nothing_is_queued(cache: Any) -> None:
    notes = NotesService("zhangjianguo")
    for to, text, code in (("lihua", " \u200b\n ", "note.empty"),
                           ("lihua", "长" * 4001, "note.too_long"),
                           ("zhangjianguo", "给自己", "note.to_self")):
        with pytest.raises(GovDeskError) as err:
            notes.send("d1", to, text)
        assert err.value.code == code
    assert outbox.due_ops(now=2e9) == []


def test_a_note_is_queued_shown_then_replaced_by_the_platform_copy(cache: Any) -> None:
    apply.apply_page([*directory_changes(), up("document", document("d1"))], cursor="c1")
    notes = NotesService("zhangjianguo")
    sent = notes.send("d1", "lihua", "  请李副市长阅示。\n")
    (op,) = outbox.due_ops(now=2e9)
    assert op.type == "note.send" and op.data == {
        "note_id": sent.note_id, "document_id": "d1", "to_user_id": "lihua",
        "text": "请李副市长阅示。"}
    (row,) = notes.for_document("d1")
    assert (row.pending, row.from_name, row.to_name) == (True, "张建国", "李华")
    assert "d1" in sent.changes.documents
    outbox.record_results([{"op_id": op.op_id, "status": "applied", "seq": 9}])
    (row,) = notes.for_document("d1")  # applied, not pulled yet: still shown, as sent
    assert (row.pending, row.refused) == (False, False)
    apply.apply_page([up("note", _note(sent.note_id, T0, from_id="zhangjianguo",
                                       to_id="lihua", text="请李副市长阅示。"))], cursor="c2")
    (row,) = notes.for_document("d1")
    assert (row.id, row.pending) == (sent.note_id, False)
    # A refused note stays on the page, marked, with its text (and in Problems).
    refused = notes.send("d1", "chenming", "请陈局长办理。")
    outbox.record_results([{"op_id": refused.op_id, "status": "rejected",
                            "code": "note.recipient_not_allowed"}])
    assert [(r.text, r.refused) for r in notes.for_document("d1")] == [
        ("请李副市长阅示。", False), ("请陈局长办理。", True)]
    assert [p.data["text"] for p in outbox.problems()] == ["请陈局长办理。"]


def test_received_notes_alert_once_and_old_ones_are_only_recorded(cache: Any) -> None:
    now = datetime.now(UTC)
    apply.apply_page([*directory_changes(), up("document", document("d1")),
                      up("note", _note("n-old", now - timedelta(days=30))),
                      up("note", _note("n-new", now - timedelta(minutes=5)))], cursor="c1")
    notes = NotesService("zhangjianguo")
    (alert,) = notes.to_announce(now=now)
    assert (alert.id, alert.from_name, alert.title) == ("n-new", "李华", "关于做好秋季防火工作的通知")
    notes.mark_announced([alert.id], now=now)
    assert notes.to_announce(now=now) == []
    assert NotesService("lihua").to_announce(now=now) == []  # not addressed to her
    assert [n.id for n in notes.for_document("d1")] == ["n-old", "n-new"]
