"""发文 and 公文交换 on a real platform subprocess, with real signed ops, on both backends:

- the downward chain: a county 通知 drafted, 核稿 with one revision (a new version, both
  hashes kept), 签发 signed over the exact version, numbered, sealed and issued to the
  11 towns; three town clerks 签收 and one refuses with a reason; the sender's 回执 exact;
- the upward chain: a town 请示 goes up, is received and registered as 收文, gets a 批示,
  and the county's 批复 goes back down linked at both ends.
"""

from __future__ import annotations

import pytest

from protocol import docbody
from protocol.canonical import document_digest
from server.embedded import EmbeddedPlatform
from tests.server.outgoing_helpers import (
    SIGNED_AT,
    ExchangeCounty,
    applied,
    body,
    do_step,
    issue,
    make_exchange_county,
    pending_step,
    step_data,
    submit_data,
)
from tests.server.workflow_helpers import Api

AT = "2026-03-03T08:10:00+08:00"


@pytest.fixture(scope="module")
def county(live: EmbeddedPlatform) -> ExchangeCounty:
    return make_exchange_county(live.db_url)


def _api(live: EmbeddedPlatform, c: ExchangeCounty, short: str, key: bool = False) -> Api:
    api = Api(live.base_url, c.users[short])
    if key:
        api.register_key()
    return api


def test_downward_chain(live: EmbeddedPlatform, county: ExchangeCounty) -> None:
    c = county
    drafter = _api(live, c, "drafter")
    reviewer = _api(live, c, "reviewer", key=True)
    mayor = _api(live, c, "mayor", key=True)
    clerk = _api(live, c, "clerk")

    # 拟稿 submitted: version 1, a 核稿 step for the 办公室主任.
    data = submit_data(c, title="关于做好2026年春季森林草原防火工作的通知",
                       text=("各镇人民政府：", "为切实做好春季防火工作，现将有关事项通知如下。"))
    out_id = data["outgoing_id"]
    applied(drafter.op("outgoing.submit", data))
    drafter.pull()
    assert drafter.state[("outgoing", out_id)]["status"] == "reviewing"
    v1 = data["body_sha256"]

    # 核稿 with an edit: version 2, signed over version 2's digest.
    revised = {"v": 1, "blocks": [
        {"kind": "p", "text": "各镇人民政府："},
        {"kind": "h1", "text": "提高认识，落实责任"},
        {"kind": "p", "text": "为切实做好春季森林草原防火工作，现将有关事项通知如下。"}]}
    step = pending_step(reviewer, out_id, "review")
    # A body with a hash that is not its own is refused.
    bad = step_data(reviewer, step, "approve", new_body=revised)
    bad["body_sha256"] = "0" * 64
    assert reviewer.op("outgoing.step", bad)["code"] == "body.invalid"
    applied(reviewer.op("outgoing.step", step_data(reviewer, step, "approve", text="已核。",
                                                   new_body=revised, note="加小标题")))
    mayor.pull()
    out = mayor.state[("outgoing", out_id)]
    assert (out["status"], out["current_version"]) == ("signing", 2)
    versions = sorted(mayor.objects("outgoing_version", outgoing_id=out_id),
                      key=lambda v: v["number"])
    assert [v["body_sha256"] for v in versions] == [v1, docbody.body_sha256(revised)]
    assert versions[1]["author_id"] == reviewer.id and versions[1]["note"] == "加小标题"
    (review,) = mayor.objects("outgoing_step", outgoing_id=out_id, kind="review")
    assert (review["status"], review["version_number"]) == ("done", 2)
    assert review["outgoing_digest"] == out["digest"]

    # 签发: a signature over version 1's digest is refused; over version 2's it is accepted.
    sign = pending_step(mayor, out_id, "sign")
    old = step_data(mayor, sign, "approve", text="同意印发",
                    digest=versions[0]["digest"])
    assert mayor.op("outgoing.step", old)["code"] == "outgoing.digest_mismatch"
    # Only the named signer signs.
    assert reviewer.op("outgoing.step", step_data(reviewer, sign, "approve"))["code"] == (
        "step.not_assignee")
    # The clerk cannot number what was not signed for issue.
    assert clerk.op("outgoing.number", {"outgoing_id": out_id})["code"] == (
        "outgoing.wrong_status")
    applied(mayor.op("outgoing.step", step_data(mayor, sign, "approve", text="同意印发")))

    # 编号, 用印, 核发 by the office's clerk; the drafter may not.
    assert drafter.op("outgoing.number", {"outgoing_id": out_id})["code"] == "clerk.required"
    issue(clerk, out_id)
    clerk.pull()
    out = clerk.state[("outgoing", out_id)]
    year = int(SIGNED_AT[:4])  # the year of the 成文日期
    assert out["status"] == "issued" and out["doc_number"] == f"富政办发〔{year}〕1号"
    assert out["issued_on"] == SIGNED_AT[:10] and out["signed_by"] == mayor.id
    assert out["sealed_by"] == clerk.id and out["issued_by"] == clerk.id
    # 编号 says who and when too (the record's 办理过程 lists every clerk step).
    assert out["numbered_by"] == clerk.id and out["numbered_at"] is not None
    pdf = clerk.get(f"/api/v1/blobs/{out['issued_body']['sha256']}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    deliveries = clerk.objects("delivery", outgoing_id=out_id)
    assert sorted(d["recipient_unit_id"] for d in deliveries) == sorted(c.towns)
    assert {d["status"] for d in deliveries} == {"pending"}

    # Three towns 签收, one refuses; the reason is required.
    receivers = [f"town{i}_clerk" for i in (0, 1, 2)]
    got = {}
    for short in receivers:
        town = _api(live, c, short)
        town.pull()
        (d,) = town.objects("delivery", outgoing_id=out_id)
        assert d["document"]["doc_number"] == out["doc_number"]
        applied(town.op("delivery.receive", {"delivery_id": d["id"], "at": AT}))
        town.pull()
        (doc,) = town.objects("document", delivery_id=d["id"])
        assert doc["status"] == "registered" and doc["registration_number"]
        assert doc["digest"] == d["document"]["digest"] == document_digest(doc)
        assert town.get(f"/api/v1/blobs/{doc['body']['sha256']}").content == pdf.content
        assert town.op("delivery.receive", {"delivery_id": d["id"], "at": AT})["code"] == (
            "delivery.not_pending")
        got[d["recipient_unit_id"]] = (town.id, doc["id"])
    refuser = _api(live, c, "town3_clerk")
    refuser.pull()
    (d3,) = refuser.objects("delivery", outgoing_id=out_id)
    assert refuser.op("delivery.refuse", {"delivery_id": d3["id"], "reason": " ",
                                          "at": AT})["code"] == "opinion.reason_required"
    assert refuser.op("delivery.refuse", {"delivery_id": d3["id"], "reason": "",
                                          "at": AT})["code"] == "opinion.reason_required"
    applied(refuser.op("delivery.refuse", {"delivery_id": d3["id"], "reason": "非本单位来文",
                                           "at": AT}))
    # A town sees only its own delivery; another town's clerk cannot receive it.
    assert refuser.op("delivery.receive", {"delivery_id": deliveries[0]["id"], "at": AT}
                      )["code"] in ("delivery.not_found", "delivery.not_pending")

    # The sender's 回执: exact, per recipient unit.
    clerk.pull()
    table = {d["recipient_unit_id"]: (d["status"], d["received_by"], d["reason"])
             for d in clerk.objects("delivery", outgoing_id=out_id)}
    expected = {u: ("pending", None, None) for u in c.towns}
    for unit_id, (who, _) in got.items():
        expected[unit_id] = ("received", who, None)
    expected[d3["recipient_unit_id"]] = ("refused", None, "非本单位来文")
    assert table == expected
    drafter.pull()
    assert len(drafter.objects("delivery", outgoing_id=out_id)) == len(c.towns)

    # A received document is routed (分办) by the town's clerk, once.
    town0 = _api(live, c, "town0_clerk")
    town0.pull()
    doc_id = got[c.towns[0]][1]
    route = {"document_id": doc_id, "tasks": [{"assignee_id": town0.id, "kind": "read"}],
             "title": "关于做好春季森林草原防火工作的通知"}
    applied(town0.op("document.route", route))
    assert town0.op("document.route", route)["code"] == "document.not_registered"
    town0.pull()
    doc = town0.state[("document", doc_id)]
    assert doc["title"] == route["title"] and doc["digest"] == document_digest(doc)


def test_upward_chain(live: EmbeddedPlatform, county: ExchangeCounty) -> None:
    c = county
    town_drafter = _api(live, c, "erl_drafter")
    town_leader = _api(live, c, "erl_leader", key=True)
    town_clerk = _api(live, c, "town7_clerk")
    clerk = _api(live, c, "clerk")
    mayor = _api(live, c, "mayor", key=True)
    drafter = _api(live, c, "drafter")

    # The town's 请示 to 市政府办公室, signed by the 镇长 (no 核稿).
    ask = submit_data(c, title="二龙山镇关于维修农田灌溉渠道的请示", doc_type="请示",
                      series="二龙山镇请", signatory="erl_leader", reviewer=None,
                      main=[{"name": "富锦市人民政府办公室", "unit_ids": [c.units["office"]]}],
                      text=("我镇灌溉渠道年久失修，拟请拨付维修资金。", "妥否，请批示。"))
    applied(town_drafter.op("outgoing.submit", ask))
    applied(do_step(town_leader, ask["outgoing_id"], "approve", text="同意上报"))
    issue(town_clerk, ask["outgoing_id"])
    town_clerk.pull()
    assert town_clerk.state[("outgoing", ask["outgoing_id"])]["doc_number"].startswith(
        "二龙山镇请〔")

    # 签收 at the county: registered as 收文, routed to the mayor, 批示.
    clerk.pull()
    (up,) = clerk.objects("delivery", outgoing_id=ask["outgoing_id"])
    assert up["document"]["signatory"] == town_leader.user["display_name"]  # 上行文
    applied(clerk.op("delivery.receive", {"delivery_id": up["id"], "at": AT}))
    clerk.pull()
    (doc,) = clerk.objects("document", delivery_id=up["id"])
    assert doc["registration_number"].startswith("富")
    applied(clerk.op("document.route", {"document_id": doc["id"], "tasks": [
        {"assignee_id": mayor.id, "kind": "instruct"}]}))
    applied(mayor.sign(doc["id"], "approve", text="同意，请市政府办公室拟文批复。"))
    clerk.pull()
    assert clerk.state[("document", doc["id"])]["status"] == "completed"

    # The 批复, in reply to the 收文, issued back to the town.
    reply = submit_data(c, title="关于二龙山镇维修农田灌溉渠道的批复", doc_type="批复",
                        series="富政办函", reviewer=None, in_reply_to=doc["id"],
                        main=[{"name": "二龙山镇人民政府", "unit_ids": [c.units["town7"]]}],
                        text=("你镇《关于维修农田灌溉渠道的请示》收悉。经研究，同意。",))
    applied(drafter.op("outgoing.submit", reply))
    applied(do_step(mayor, reply["outgoing_id"], "approve", text="同意印发"))
    issue(clerk, reply["outgoing_id"])

    town_clerk.pull()
    (down,) = town_clerk.objects("delivery", outgoing_id=reply["outgoing_id"])
    assert down["in_reply_to"] == ask["outgoing_id"]
    assert down["document"]["doc_type"] == "批复"
    assert town_clerk.state[("outgoing", ask["outgoing_id"])]["replies"] == [down["id"]]
    town_drafter.pull()
    assert town_drafter.state[("outgoing", ask["outgoing_id"])]["replies"] == [down["id"]]
    drafter.pull()
    assert drafter.state[("outgoing", reply["outgoing_id"])]["in_reply_to"] == doc["id"]
    # The town never sees the county's 收文 document nor the 批复's own route.
    assert ("document", doc["id"]) not in town_clerk.state
    assert ("outgoing", reply["outgoing_id"]) not in town_clerk.state


def test_return_and_resubmit_keeps_every_version(live: EmbeddedPlatform,
                                                  county: ExchangeCounty) -> None:
    c = county
    drafter = _api(live, c, "drafter")
    reviewer = _api(live, c, "reviewer", key=True)
    data = submit_data(c, title="关于开展安全生产大检查的通知")
    out_id = data["outgoing_id"]
    applied(drafter.op("outgoing.submit", data))
    step = pending_step(reviewer, out_id, "review")
    no_reason = step_data(reviewer, step, "return", text="")
    assert reviewer.op("outgoing.step", no_reason)["code"] == "opinion.reason_required"
    applied(reviewer.op("outgoing.step", step_data(reviewer, step, "return",
                                                   text="请补充检查时间安排。")))
    revise = pending_step(drafter, out_id, "revise")
    assert drafter.state[("outgoing", out_id)]["status"] == "revising"
    new = body("为切实做好安全生产工作，定于3月开展大检查。")
    applied(drafter.op("outgoing.step", step_data(drafter, revise, "resubmit", new_body=new,
                                                  note="补充时间")))
    step = pending_step(reviewer, out_id, "review")
    out = reviewer.state[("outgoing", out_id)]
    assert (out["status"], out["current_version"]) == ("reviewing", 2)
    assert out["body_sha256"] == docbody.body_sha256(new)
    # Cancelled by the drafter while the route is open; not by a signer on the route.
    mayor = _api(live, c, "mayor")
    assert mayor.op("outgoing.cancel", {"outgoing_id": out_id, "reason": "不发了"})["code"] == (
        "outgoing.not_drafter")
    applied(drafter.op("outgoing.cancel", {"outgoing_id": out_id, "reason": "内容合并到另文"}))
    reviewer.pull()
    assert reviewer.state[("outgoing_step", step["id"])]["status"] == "cancelled"
    assert reviewer.state[("outgoing", out_id)]["cancelled_reason"] == "内容合并到另文"
