"""撤回 (the op `task.recall`) on a real platform subprocess: applied while the next
steps have not started (they are cancelled, the opinion is kept and marked recalled,
the task is pending again), refused once one has (`task.recall_too_late`), and the
other refusals. The rule itself: protocol.workflow_rules.check_recall."""

from __future__ import annotations

from typing import Any

import pytest

from server.embedded import EmbeddedPlatform
from tests.server.workflow_helpers import Api, County, doc_keys, make_county, register, sign_in, uid


@pytest.fixture(scope="module")
def county(live: EmbeddedPlatform) -> County:
    return make_county(live.db_url, only=["admin", "clerk", "proposer", "mayor", "deputy",
                                          "h1", "reader"])


@pytest.fixture(scope="module")
def people(live: EmbeddedPlatform, county: County) -> dict[str, Api]:
    return sign_in(live.base_url, county, keys=None)


def _sign(api: Api, doc_id: str, decision: str, **kw: Any) -> str:
    """Sign the user's pending task; returns the op_id (what a recall names)."""
    api.pull()
    task = api.my_pending(doc_id)
    op_id = uid()
    result = api.op("task.complete", api.signoff_data(task, decision, **kw), op_id=op_id)
    assert result["status"] == "applied", result
    return op_id


def _recall(api: Api, doc_id: str, op_id: str) -> dict[str, Any]:
    api.pull()
    (opinion,) = [o for o in api.objects("opinion", document_id=doc_id) if o["op_id"] == op_id]
    return api.op("task.recall", {"task_id": opinion["task_id"], "op_id": op_id})


def _status(api: Api, task_id: str) -> str:
    api.pull()
    return api.state[("task", task_id)]["status"]


def test_recall_before_the_next_step_started(people: dict[str, Api], county: County) -> None:
    p, ids = people, county.ids
    doc_id = register(p["clerk"], county)["id"]
    op_id = _sign(p["proposer"], doc_id, "approve", text="拟请市长阅示。",
                  forward_to=[ids["mayor"]])
    p["mayor"].pull()
    mayor_task = p["mayor"].my_pending(doc_id)
    assert mayor_task["origin_opinion_id"] is not None

    result = _recall(p["proposer"], doc_id, op_id)
    assert result["status"] == "applied", result

    # The proposer's task is pending again, same assignee; the opinion is kept, recalled.
    p["proposer"].pull()
    task = p["proposer"].my_pending(doc_id)
    (opinion,) = p["proposer"].objects("opinion", document_id=doc_id)
    assert opinion["recalled_at"] and opinion["text"] == "拟请市长阅示。"
    assert opinion["op_id"] == op_id and opinion["task_id"] == task["id"]
    # The clerk, who saw the opinion, sees it recalled; the mayor's step is cancelled and
    # the mayor, who held nothing else on it, loses the document.
    p["clerk"].pull()
    assert p["clerk"].state[("opinion", opinion["id"])]["recalled_at"]
    assert p["clerk"].state[("task", mayor_task["id"])]["status"] == "cancelled"
    p["mayor"].pull()
    assert not doc_keys(p["mayor"], doc_id)

    # Signed again, to the deputy this time: the recalled approval names nobody any more.
    _sign(p["proposer"], doc_id, "approve", text="拟请副市长阅示。", forward_to=[ids["deputy"]])
    p["deputy"].pull()
    assert p["deputy"].my_pending(doc_id)["kind"] == "instruct"
    p["mayor"].pull()
    assert not doc_keys(p["mayor"], doc_id)
    # A second recall of the first sign-off: already recalled.
    again = p["proposer"].op("task.recall", {"task_id": task["id"], "op_id": op_id})
    assert (again["status"], again["code"]) == ("conflict", "task.recall_already")


def test_recall_too_late_once_the_next_step_is_signed(people: dict[str, Api],
                                                      county: County) -> None:
    p, ids = people, county.ids
    doc_id = register(p["clerk"], county)["id"]
    op_id = _sign(p["proposer"], doc_id, "approve", forward_to=[ids["mayor"]])
    _sign(p["mayor"], doc_id, "approve", text="请财政局办理。", forward_to=[ids["h1"]])
    result = _recall(p["proposer"], doc_id, op_id)
    assert (result["status"], result["code"]) == ("conflict", "task.recall_too_late")
    assert "instruct" in result["detail"]
    # Nothing changed: the opinion stands, the handler's task is still pending.
    p["clerk"].pull()
    opinions = p["clerk"].objects("opinion", document_id=doc_id)
    assert len(opinions) == 2 and not any(o["recalled_at"] for o in opinions)
    p["h1"].pull()
    assert p["h1"].my_pending(doc_id)["kind"] == "handle"


def test_recall_of_a_return_restores_the_superseded_step(people: dict[str, Api],
                                                         county: County) -> None:
    p, ids = people, county.ids
    doc_id = register(p["clerk"], county)["id"]
    _sign(p["proposer"], doc_id, "approve", forward_to=[ids["mayor"], ids["deputy"]])
    p["mayor"].pull()
    mayor_task = p["mayor"].my_pending(doc_id)
    op_id = _sign(p["deputy"], doc_id, "return", text="应先征求财政局意见。")
    assert _status(p["clerk"], mayor_task["id"]) == "cancelled"
    p["proposer"].pull()
    given_back = p["proposer"].my_pending(doc_id)
    assert _recall(p["deputy"], doc_id, op_id)["status"] == "applied"
    p["clerk"].pull()
    assert p["clerk"].state[("task", given_back["id"])]["status"] == "cancelled"
    assert p["clerk"].state[("task", mayor_task["id"])]["status"] == "pending"
    p["deputy"].pull()
    assert p["deputy"].my_pending(doc_id)["kind"] == "instruct"


def test_recall_when_a_later_stage_was_opened_by_another_signoff(
    people: dict[str, Api], county: County
) -> None:
    """Mayor and deputy instruct in parallel; the deputy's sign-off closes the stage and
    opens 承办. The mayor may still recall: the 承办 step waits on both, it is cancelled,
    and rebuilt from both approvals once the mayor signs again."""
    p, ids = people, county.ids
    doc_id = register(p["clerk"], county)["id"]
    _sign(p["proposer"], doc_id, "approve", forward_to=[ids["mayor"], ids["deputy"]])
    mayor_op = _sign(p["mayor"], doc_id, "approve", text="同意。")
    _sign(p["deputy"], doc_id, "approve", text="请财政局办理。", forward_to=[ids["h1"]])
    p["h1"].pull()
    handle = p["h1"].my_pending(doc_id)
    assert _recall(p["mayor"], doc_id, mayor_op)["status"] == "applied"
    assert _status(p["clerk"], handle["id"]) == "cancelled"
    _sign(p["mayor"], doc_id, "approve", text="同意，抓紧办理。")
    p["h1"].pull()
    again = p["h1"].my_pending(doc_id)
    assert again["id"] != handle["id"] and again["kind"] == "handle"


def test_recall_of_the_last_step_reopens_and_archive_closes(
    people: dict[str, Api], county: County
) -> None:
    p, ids = people, county.ids
    doc_id = register(p["clerk"], county)["id"]
    _sign(p["proposer"], doc_id, "approve", forward_to=[ids["deputy"]])
    op_id = _sign(p["deputy"], doc_id, "approve", text="阅。")
    p["clerk"].pull()
    assert p["clerk"].state[("document", doc_id)]["status"] == "completed"
    assert _recall(p["deputy"], doc_id, op_id)["status"] == "applied"
    p["clerk"].pull()
    assert p["clerk"].state[("document", doc_id)]["status"] == "in_progress"
    op_id = _sign(p["deputy"], doc_id, "approve", text="阅。")
    r = p["clerk"].post(f"/api/v1/admin/documents/{doc_id}/archive")
    assert r.status_code == 200, r.text
    result = _recall(p["deputy"], doc_id, op_id)
    assert (result["status"], result["code"]) == ("conflict", "task.recall_document_closed")


def test_recall_refusals(people: dict[str, Api], county: County) -> None:
    p, ids = people, county.ids
    doc_id = register(p["clerk"], county)["id"]
    op_id = _sign(p["proposer"], doc_id, "approve", forward_to=[ids["mayor"]])
    p["proposer"].pull()
    (opinion,) = p["proposer"].objects("opinion", document_id=doc_id)
    data = {"task_id": opinion["task_id"], "op_id": op_id}
    # Someone who sees the document but did not sign: not the author.
    for who in ("mayor", "clerk"):
        r = p[who].op("task.recall", data)
        assert (r["status"], r["code"]) == ("rejected", "task.recall_not_author"), who
    # Someone who does not see it: as if there were nothing (no ids leak).
    r = p["reader"].op("task.recall", data)
    assert (r["status"], r["code"]) == ("conflict", "task.recall_not_signed")
    # An op that never recorded a sign-off, or the wrong task.
    r = p["proposer"].op("task.recall", {"task_id": opinion["task_id"], "op_id": uid()})
    assert (r["status"], r["code"]) == ("conflict", "task.recall_not_signed")
    r = p["proposer"].op("task.recall", {"task_id": "other", "op_id": op_id})
    assert (r["status"], r["code"]) == ("conflict", "task.recall_not_signed")
    for bad in ({}, {"task_id": opinion["task_id"]}, {"task_id": "", "op_id": op_id},
                {"task_id": "a\x00", "op_id": op_id}):
        r = p["proposer"].op("task.recall", bad)
        assert (r["status"], r["code"]) == ("rejected", "op.invalid_data"), bad
    p["mayor"].pull()
    assert p["mayor"].my_pending(doc_id)
