"""Upper-level documents through an exchange account, and the clerk's desk as ops
(登记 of a scanned document, 分办, cancel and re-route with a reason, 催办, 办结, 归档), on
a real platform subprocess (SQLite; the chain tests cover PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from protocol.canonical import document_digest
from server.embedded import EmbeddedPlatform
from tests.server.outgoing_helpers import (
    ExchangeCounty,
    applied,
    make_exchange_county,
    pending_step,
    submit_data,
)
from tests.server.workflow_helpers import Api, running_platform, uid

AT = "2026-03-03T08:10:00+08:00"


@pytest.fixture(scope="module")
def live(request: pytest.FixtureRequest) -> Iterator[EmbeddedPlatform]:
    with running_platform(request) as running:
        yield running


@pytest.fixture(scope="module")
def county(live: EmbeddedPlatform) -> ExchangeCounty:
    return make_exchange_county(live.db_url, towns=3)


def _sent(api: Api, **over: Any) -> dict[str, Any]:
    body = api.put_blob(f"%PDF-1.4 佳木斯市文件 {uid()}".encode())
    doc = {"doc_number": "佳政办发〔2026〕8号", "issuer": "佳木斯市人民政府办公室",
           "doc_type": "通知", "title": "关于做好2026年春耕生产工作的通知",
           "classification": "none", "urgency": "urgent", "signatory": None,
           "main_recipients": ["各县（市）区人民政府"], "cc": [], "issued_on": "2026-02-28",
           "notes": None, "body": {"sha256": body}, "attachments": []}
    doc.update(over)
    doc["digest"] = document_digest(doc)
    return doc


def test_exchange_account_sends_in(live: EmbeddedPlatform, county: ExchangeCounty) -> None:
    c = county
    jms = Api(live.base_url, c.users["jms"])
    clerk = Api(live.base_url, c.users["clerk"])
    town = Api(live.base_url, c.users["town0_clerk"])
    doc = _sent(jms)
    send = {"send_id": uid(), "document": doc, "main_unit_ids": [c.units["office"]],
            "cc_unit_ids": [c.towns[0]]}
    # Only an exchange account sends this way; the digest must be the document's own.
    assert clerk.op("exchange.send", {**send, "send_id": uid()})["code"] == (
        "exchange.not_allowed")
    forged = {**send, "send_id": uid(), "document": {**doc, "title": "改过的标题"}}
    assert jms.op("exchange.send", forged)["code"] == "op.invalid_data"
    stolen = _sent(jms, body={"sha256": clerk.put_blob(f"别人的文件 {uid()}".encode())})
    assert jms.op("exchange.send", {**send, "send_id": uid(), "document": stolen})["code"] == (
        "blob.not_found")
    op_id = uid()
    applied(jms.op("exchange.send", send, op_id=op_id))
    assert jms.op("exchange.send", send, op_id=op_id)["status"] == "duplicate"
    # The same send_id in another op is refused: one sending, one set of deliveries.
    assert jms.op("exchange.send", send)["code"] == "op.invalid_data"

    clerk.pull()
    (d,) = [x for x in clerk.objects("delivery") if x["outgoing_id"] is None]
    assert (d["role"], d["status"], d["sender_unit_id"]) == ("main", "pending", c.units["jms"])
    assert d["due_at"] > d["sent_at"]  # urgent: 24 hours to 签收
    applied(clerk.op("delivery.receive", {"delivery_id": d["id"], "at": AT}))
    clerk.pull()
    (received,) = clerk.objects("document", delivery_id=d["id"])
    assert (received["issuer"], received["doc_number"]) == (doc["issuer"], doc["doc_number"])
    assert received["digest"] == document_digest(received) == d["document"]["digest"]
    town.pull()
    (cc,) = [x for x in town.objects("delivery") if x["outgoing_id"] is None]
    assert cc["role"] == "cc" and ("delivery", d["id"]) not in town.state
    # The sender reads the 回执.
    jms.pull()
    mine = {x["recipient_unit_id"]: x["status"] for x in jms.objects("delivery")}
    assert mine == {c.units["office"]: "received", c.towns[0]: "pending"}


def test_clerk_desk_ops(live: EmbeddedPlatform, county: ExchangeCounty) -> None:
    c = county
    clerk = Api(live.base_url, c.users["clerk"])
    drafter = Api(live.base_url, c.users["drafter"])
    mayor = Api(live.base_url, c.users["mayor"])
    reviewer = Api(live.base_url, c.users["reviewer"])
    scan = clerk.put_blob(f"%PDF-1.4 扫描件 {uid()}".encode())
    reg = {"document_id": uid(), "doc_number": "黑政办函〔2026〕3号",
           "issuer": "黑龙江省人民政府办公厅", "doc_type": "函", "title": "关于征求意见的函",
           "issued_on": "2026-02-20", "body_sha256": scan,
           "tasks": [{"assignee_id": reviewer.id, "kind": "propose"},
                     {"assignee_id": drafter.id, "kind": "read"}]}
    assert drafter.op("document.register", {**reg, "document_id": uid()})["code"] == (
        "clerk.required")
    applied(clerk.op("document.register", reg))
    clerk.pull()
    doc = clerk.state[("document", reg["document_id"])]
    assert doc["status"] == "registered" and doc["registration_number"].startswith("富")
    assert doc["digest"] == document_digest(doc)
    tasks = {t["assignee_id"]: t for t in clerk.objects("task", document_id=doc["id"])}
    propose = tasks[reviewer.id]

    # 退回/cancel/re-route take a reason; the reason travels with the task.
    assert clerk.op("task.reroute", {"task_id": propose["id"], "assignee_id": mayor.id,
                                     "reason": ""})["code"] == "opinion.reason_required"
    applied(clerk.op("task.reroute", {"task_id": propose["id"], "assignee_id": mayor.id,
                                      "reason": "主任出差，改请市长拟办"}))
    clerk.pull()
    assert clerk.state[("task", propose["id"])]["reason"] == "主任出差，改请市长拟办"
    (moved,) = clerk.objects("task", document_id=doc["id"], assignee_id=mayor.id)

    # 催办 reaches the assignee (and only them and the clerk); only a clerk reminds.
    rid = uid()
    assert drafter.op("task.remind", {"reminder_id": uid(), "task_id": moved["id"],
                                      "text": "请尽快"})["code"] == "clerk.required"
    applied(clerk.op("task.remind", {"reminder_id": rid, "task_id": moved["id"],
                                     "text": "请于今日内拟办"}))
    mayor.pull()
    reminder = mayor.state[("reminder", rid)]
    assert (reminder["to_id"], reminder["from_id"], reminder["document_id"]) == (
        mayor.id, clerk.id, doc["id"])
    drafter.pull()
    assert ("reminder", rid) not in drafter.state

    # 催办 on an outgoing step.
    out = submit_data(c, title="关于召开春耕工作会议的通知")
    applied(drafter.op("outgoing.submit", out))
    step = pending_step(reviewer, out["outgoing_id"], "review")
    applied(clerk.op("task.remind", {"reminder_id": uid(), "step_id": step["id"]}))
    reviewer.pull()
    assert [r["step_id"] for r in reviewer.objects("reminder")] == [step["id"]]

    # 办结 and 归档 by the clerk.
    assert clerk.op("document.archive", {"document_id": doc["id"]})["code"] == (
        "document.not_completed")
    applied(clerk.op("document.complete", {"document_id": doc["id"]}))
    assert clerk.op("document.complete", {"document_id": doc["id"]})["code"] == (
        "document.completed")
    applied(clerk.op("document.archive", {"document_id": doc["id"]}))
    clerk.pull()
    assert clerk.state[("document", doc["id"])]["status"] == "archived"
    assert clerk.state[("task", moved["id"])]["status"] == "cancelled"
    # task.cancel on the remaining read task: a reason again.
    read = tasks[drafter.id]
    assert clerk.op("task.cancel", {"task_id": read["id"], "reason": " "})["code"] == (
        "opinion.reason_required")
    applied(clerk.op("task.cancel", {"task_id": read["id"], "reason": "无需传阅"}))


def test_a_new_clerk_gets_the_units_outgoing_and_exchange_box(
        live: EmbeddedPlatform, county: ExchangeCounty) -> None:
    c = county
    admin = Api(live.base_url, c.users["admin"])
    drafter = Api(live.base_url, c.users["drafter"])
    out = submit_data(c, title="关于新任文书权限的通知")
    applied(drafter.op("outgoing.submit", out))
    username = f"{c.tag}_clerk2"
    r = admin.post("/api/v1/admin/users", {"username": username, "password": "Fuj1n#Clerk2026",
                                           "display_name": "新文书", "unit_id": c.units["office"],
                                           "roles": ["clerk"]})
    assert r.status_code == 201, r.text
    clerk2 = Api(live.base_url, username, "Fuj1n#Clerk2026")
    clerk2.pull()
    assert ("outgoing", out["outgoing_id"]) in clerk2.state
    assert clerk2.objects("outgoing_version", outgoing_id=out["outgoing_id"])
    assert any(d["recipient_unit_id"] == c.units["office"] for d in clerk2.objects("delivery"))


def test_submit_refusals(live: EmbeddedPlatform, county: ExchangeCounty) -> None:
    c = county
    drafter = Api(live.base_url, c.users["drafter"])

    def code(**over: Any) -> str | None:
        data = {**submit_data(c, title="关于核对拟稿规则的通知"), **over}
        return drafter.op("outgoing.submit", data)["code"]

    # Only leaders sign and countersign; the 核稿 is a reviewer's (or a leader's).
    assert code(signatory_id=c.ids["drafter"]) == "routing.unknown_user"
    assert code(reviewer_id=c.ids["clerk"]) == "routing.unknown_user"
    assert code(countersigner_ids=[c.ids["reviewer"]]) == "routing.unknown_user"
    # The body follows protocol.docbody and its hash is its own.
    empty = {"v": 1, "blocks": [{"kind": "p", "text": " "}]}
    assert code(body=empty) == "body.empty"
    broken = {"v": 1, "blocks": [{"kind": "p", "text": "两行\n正文"}]}
    assert code(body=broken) == "body.invalid"
    assert code(body_sha256="0" * 64) == "body.invalid"
    assert code(classification="secret") == "document.classified"
    assert code(doc_type="便函") == "op.invalid_data"
    assert code(main_recipients=[{"name": "外省", "unit_ids": ["nope"]}]) == "unit.not_found"
    assert code(main_recipients=[]) == "op.invalid_data"
    assert code(in_reply_to="no-such-document") == "document.not_found"
    assert code(series="富政发") == "series.unknown"
    # An exchange account sends with exchange.send, never drafts.
    jms = Api(live.base_url, c.users["jms"])
    assert jms.op("outgoing.submit", submit_data(c, title="冒名拟稿"))["code"] == (
        "exchange.not_allowed")


def test_every_outgoing_op_type_replays_as_duplicate(live: EmbeddedPlatform,
                                                     county: ExchangeCounty) -> None:
    """Each 发文/交换 op sent twice with one op_id: the second answer is "duplicate" and the
    world shows one effect (test_workflow's replay test covers the 收文 ops)."""
    from protocol.ops import OUTGOING_OP_TYPES
    from tests.server.outgoing_helpers import step_data

    c = county
    drafter = Api(live.base_url, c.users["drafter"])
    reviewer = Api(live.base_url, c.users["reviewer"])
    mayor = Api(live.base_url, c.users["mayor"])
    for signer in (reviewer, mayor):
        signer.register_key()
    clerk = Api(live.base_url, c.users["clerk"])
    town0 = Api(live.base_url, c.users["town0_clerk"])
    town1 = Api(live.base_url, c.users["town1_clerk"])
    jms = Api(live.base_url, c.users["jms"])
    done: set[str] = set()

    def twice(api: Api, op_type: str, data: dict[str, Any]) -> None:
        op_id = uid()
        assert api.op(op_type, data, op_id=op_id)["status"] == "applied", op_type
        again = api.op(op_type, data, op_id=op_id)
        assert (again["status"], again["original_status"]) == ("duplicate", "applied"), op_type
        done.add(op_type)

    out = submit_data(c, title="关于重放测试的通知", series="富政办函")
    out_id = out["outgoing_id"]
    twice(drafter, "outgoing.submit", out)
    for signer in (reviewer, mayor):
        twice(signer, "outgoing.step", step_data(signer, pending_step(signer, out_id),
                                                 "approve", text="同意"))
    for op_type in ("outgoing.number", "outgoing.seal", "outgoing.issue"):
        twice(clerk, op_type, {"outgoing_id": out_id})
    town0.pull()
    (d0,) = town0.objects("delivery", outgoing_id=out_id)
    twice(town0, "delivery.receive", {"delivery_id": d0["id"], "at": AT})
    town1.pull()
    (d1,) = town1.objects("delivery", outgoing_id=out_id)
    twice(town1, "delivery.refuse", {"delivery_id": d1["id"], "reason": "非本单位来文", "at": AT})
    town0.pull()
    (doc,) = town0.objects("document", delivery_id=d0["id"])
    twice(town0, "document.route", {"document_id": doc["id"], "tasks": [
        {"assignee_id": town0.id, "kind": "handle"}, {"assignee_id": drafter.id, "kind": "read"}]})
    town0.pull()
    (read,) = town0.objects("task", document_id=doc["id"], kind="read")
    (handle,) = town0.objects("task", document_id=doc["id"], kind="handle")
    twice(town0, "task.remind", {"reminder_id": uid(), "task_id": read["id"], "text": "请阅"})
    twice(town0, "task.reroute", {"task_id": read["id"], "assignee_id": clerk.id,
                                  "reason": "改请办公室阅"})
    town0.pull()
    (moved,) = town0.objects("task", document_id=doc["id"], kind="read", status="pending")
    twice(town0, "task.cancel", {"task_id": moved["id"], "reason": "无需传阅"})
    twice(town0, "document.complete", {"document_id": doc["id"]})
    twice(town0, "document.archive", {"document_id": doc["id"]})
    scan = clerk.put_blob(f"%PDF-1.4 重放 {uid()}".encode())
    twice(clerk, "document.register", {
        "document_id": uid(), "doc_number": "", "issuer": "黑龙江省人民政府", "doc_type": "函",
        "title": "纸质来文", "issued_on": "2026-02-20", "body_sha256": scan})
    twice(jms, "exchange.send", {"send_id": uid(), "document": _sent(jms),
                                 "main_unit_ids": [c.towns[2]]})
    other = submit_data(c, title="关于重放撤销的通知")
    twice(drafter, "outgoing.submit", other)
    twice(drafter, "outgoing.cancel", {"outgoing_id": other["outgoing_id"], "reason": "重复拟稿"})
    assert done == set(OUTGOING_OP_TYPES)

    # One effect each.
    clerk.pull()
    assert len(clerk.objects("delivery", outgoing_id=out_id)) == len(c.towns)
    (series,) = clerk.objects("doc_series", prefix="富政办函")
    assert series["last_number"] == 1
    assert len(clerk.objects("outgoing_version", outgoing_id=out_id)) == 1
    town0.pull()
    assert len(town0.objects("document", delivery_id=d0["id"])) == 1
    assert len(town0.objects("reminder")) == 1
    assert town0.state[("document", doc["id"])]["status"] == "archived"
