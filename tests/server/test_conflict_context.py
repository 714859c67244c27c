"""Conflicts in words (issue 12, deliverable 4): a conflict of `POST /ops` says who made
the step go away, when, and who holds it now (`context`); a replay carries the same; and
`note.send` (留言) passes the kept text on to whoever holds the step, only between
people the document concerns."""

from __future__ import annotations

from datetime import datetime

import pytest

from server.embedded import EmbeddedPlatform
from tests.server.workflow_helpers import Api, County, make_county, register, sign_in, uid

PEOPLE = ["clerk", "proposer", "reader", "publisher", "mayor", "deputy", "h1", "town_a"]


@pytest.fixture(scope="module")
def county(live: EmbeddedPlatform) -> County:
    return make_county(live.db_url, only=PEOPLE)


@pytest.fixture(scope="module")
def people(live: EmbeddedPlatform, county: County) -> dict[str, Api]:
    return sign_in(live.base_url, county, keys=["proposer", "mayor", "deputy"])


def _applied(result: dict) -> None:
    assert result["status"] == "applied", result


def _name(county: County, short: str) -> str:
    return f"{short}-{county.tag}"  # make_county's display names


def _recent(at: str) -> None:
    stamp = datetime.fromisoformat(at)
    assert stamp.utcoffset() is not None
    assert abs((datetime.now(stamp.tzinfo) - stamp).total_seconds()) < 300


def test_reroute_conflict_names_clerk_time_and_new_holder(
        people: dict[str, Api], county: County) -> None:
    p, ids = people, county.ids
    doc_id = register(p["clerk"], county)["id"]
    p["proposer"].pull()
    task = p["proposer"].my_pending(doc_id)
    offline = p["proposer"].signoff_data(task, "approve", text="拟请市长阅示。",
                                         forward_to=[ids["mayor"]])
    _applied(p["clerk"].op("task.reroute", {"task_id": task["id"], "assignee_id": ids["reader"],
                                            "reason": "主任出差"}))
    op_id = f"signoff-{uid()}"
    result = p["proposer"].op("task.complete", offline, op_id=op_id)
    assert (result["status"], result["code"]) == ("conflict", "task.cancelled")
    ctx = result["context"]
    assert ctx["action"] == "rerouted"
    assert (ctx["by"], ctx["by_name"]) == (ids["clerk"], _name(county, "clerk"))
    assert (ctx["holder_id"], ctx["holder_name"]) == (ids["reader"], _name(county, "reader"))
    assert (ctx["document_id"], ctx["task_id"], ctx["reason"]) == (doc_id, task["id"], "主任出差")
    assert ctx["task_kind"] == "propose" and ctx["document_title"] == "关于做好2005年秋季防火工作的通知"
    _recent(ctx["at"])
    p["reader"].pull()
    assert ctx["holder_task_id"] == p["reader"].my_pending(doc_id)["id"]
    # Re-routed again: the holder is whoever holds the step at the end of the chain.
    _applied(p["clerk"].op("task.reroute", {"task_id": ctx["holder_task_id"],
                                            "assignee_id": ids["deputy"], "reason": "秘书请假"}))
    later = p["proposer"].op("task.complete", offline)
    assert later["context"]["holder_id"] == ids["deputy"]
    # The replay answers the first result, context included.
    again = p["proposer"].op("task.complete", offline, op_id=op_id)
    assert (again["status"], again["original_status"]) == ("duplicate", "conflict")
    assert again["context"] == ctx


def test_cancel_conflict_names_the_clerk_and_the_remaining_holder(
        people: dict[str, Api], county: County) -> None:
    p, ids = people, county.ids
    doc_id = register(p["clerk"], county)["id"]
    _applied(p["proposer"].sign(doc_id, "approve", text="请两位市长阅示。",
                                forward_to=[ids["mayor"], ids["deputy"]]))
    p["deputy"].pull()
    task = p["deputy"].my_pending(doc_id)
    offline = p["deputy"].signoff_data(task, "approve", text="同意。", forward_to=[ids["h1"]])
    _applied(p["clerk"].op("task.cancel", {"task_id": task["id"], "reason": "副市长请假"}))
    result = p["deputy"].op("task.complete", offline)
    assert (result["status"], result["code"]) == ("conflict", "task.cancelled")
    ctx = result["context"]
    assert (ctx["action"], ctx["by"], ctx["reason"]) == ("cancelled", ids["clerk"], "副市长请假")
    # The step is the mayor's now (the 批示 that stays pending in the same stage).
    assert (ctx["holder_id"], ctx["holder_name"]) == (ids["mayor"], _name(county, "mayor"))


def test_signed_elsewhere_names_the_signer(people: dict[str, Api], county: County) -> None:
    p, ids = people, county.ids
    doc_id = register(p["clerk"], county)["id"]
    p["proposer"].pull()
    task = p["proposer"].my_pending(doc_id)
    _applied(p["proposer"].op("task.complete", p["proposer"].signoff_data(
        task, "approve", forward_to=[ids["mayor"]])))
    second = p["proposer"].op("task.complete", p["proposer"].signoff_data(
        task, "approve", text="另一台电脑上的意见", forward_to=[ids["mayor"]]))
    assert (second["status"], second["code"]) == ("conflict", "task.not_pending")
    ctx = second["context"]
    assert (ctx["action"], ctx["by"]) == ("signed", ids["proposer"])
    assert ctx["holder_id"] == ids["mayor"]


def test_withdrawn_notice_names_its_publisher(people: dict[str, Api], county: County) -> None:
    p = people
    pub = p["publisher"]
    _applied(pub.op("notice.publish", {
        "client_ref": f"ctx-{uid()}", "title": f"通知 {uid()}", "body": "请知悉。",
        "audience_unit_ids": [county.units["office"]], "requires_ack": True, "urgent": False,
        "expires_at": None, "attachments": []}))
    pub.pull()
    (notice,) = [n for n in pub.objects("notice") if n["body"] == "请知悉。"
                 and n["withdrawn_at"] is None][-1:]
    assert pub.post(f"/api/v1/admin/notices/{notice['id']}/withdraw").status_code == 200
    result = p["reader"].op("notice.ack", {"notice_id": notice["id"],
                                           "at": "2026-12-01T10:00:00+08:00"})
    assert (result["status"], result["code"]) == ("conflict", "notice.withdrawn")
    ctx = result["context"]
    assert (ctx["action"], ctx["by"], ctx["by_name"], ctx["notice_id"]) == (
        "withdrawn", county.ids["publisher"], _name(county, "publisher"), notice["id"])
    _recent(ctx["at"])
    assert ctx["holder_id"] is None


def test_note_send_reaches_sender_and_recipient_only(
        people: dict[str, Api], county: County) -> None:
    p, ids = people, county.ids
    doc_id = register(p["clerk"], county)["id"]
    p["proposer"].pull()
    task = p["proposer"].my_pending(doc_id)
    _applied(p["clerk"].op("task.reroute", {"task_id": task["id"], "assignee_id": ids["reader"],
                                            "reason": "改由秘书拟办"}))

    def note(sender: str, to: str, text: str = "拟请市长阅示。") -> dict:
        return p[sender].op("note.send", {"note_id": f"note-{uid()}", "document_id": doc_id,
                                          "to_user_id": ids.get(to, to), "text": text})

    # The former holder (re-routed away, so no longer seeing the document) may still
    # pass their text on to the new holder.
    _applied(note("proposer", "reader"))
    p["proposer"].pull()
    (sent,) = p["proposer"].objects("note", document_id=doc_id)
    assert (sent["from_id"], sent["to_id"], sent["text"]) == (
        ids["proposer"], ids["reader"], "拟请市长阅示。")
    p["reader"].pull()
    assert p["reader"].objects("note", document_id=doc_id) == [sent]
    p["clerk"].pull()
    assert not p["clerk"].objects("note", document_id=doc_id)
    # The clerk (who sees the document) may write to its holder too.
    _applied(note("clerk", "reader", "请尽快办理。"))

    # Refusals: someone never on the route; a recipient the document does not concern;
    # oneself; no text; an unknown document; a reused note id.
    assert (note("town_a", "reader")["code"]) == "document.not_found"
    assert (note("h1", "reader")["code"]) == "document.not_found"
    r = note("reader", "h1")
    assert (r["status"], r["code"]) == ("rejected", "note.recipient_not_allowed")
    assert note("reader", "ghost")["code"] == "note.recipient_not_allowed"
    assert note("reader", "reader")["code"] == "note.to_self"
    assert note("reader", "clerk", " \u200b \n")["code"] == "note.empty"
    assert p["reader"].op("note.send", {"note_id": f"n-{uid()}", "document_id": "nope",
                                        "to_user_id": ids["clerk"], "text": "x"})["code"] == (
        "document.not_found")
    again = {"note_id": sent["id"], "document_id": doc_id, "to_user_id": ids["clerk"],
             "text": "x"}
    assert p["reader"].op("note.send", again)["code"] == "op.invalid_data"
    assert p["reader"].op("note.send", {**again, "note_id": "n", "text": "长" * 4001})[
        "code"] == "op.invalid_data"
