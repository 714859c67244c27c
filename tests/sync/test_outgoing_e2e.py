"""发文 end to end from the client side, against the real platform (demo county):

a county 通知 is drafted by staff offline, goes through 核稿 with one revision, is signed
for issue (签发) by the leader while offline, numbered, sealed and issued (核发) to the
towns by the clerk; town clerks 签收 (one refuses, with a reason) and the sender's 回执
table is exact.

A platform that does not implement the 发文 ops yet answers them `op.unknown_type`: then
these tests skip — except under CI=true, where that skip is a failure (the merged tree
must pass them).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

import requests
from synckit import PASSWORD, login, raw_session

from client.session import Profile
from protocol import docbody
from tests.support.services import require_service

TITLE = "关于做好今冬明春森林防火工作的通知"
BODY = {"v": 1, "blocks": [
    {"kind": "p", "text": "为切实做好今冬明春森林防火工作，现将有关事项通知如下。"},
    {"kind": "h1", "text": "提高思想认识"},
    {"kind": "p", "text": "各镇要充分认识森林防火工作的重要性和紧迫性。"},
    {"kind": "h1", "text": "落实工作责任"},
    {"kind": "p", "text": "各镇人民政府主要负责同志为本辖区森林防火第一责任人。"},
]}


def _now() -> datetime:
    return datetime.now().astimezone()


def _unsupported(why: str) -> None:
    require_service(f"the platform does not implement 发文 yet ({why})")


def _require_outgoing_ops(platform: Any, username: str) -> None:
    """Probe: an `outgoing.cancel` of no document is rejected for what it is
    (outgoing.not_found, ...) by a platform that knows the op, op.unknown_type otherwise."""
    r = requests.post(f"{platform.base_url}/api/v1/ops", headers=raw_session(platform, username),
                      json={"ops": [{"op_id": str(uuid.uuid4()), "type": "outgoing.cancel",
                                     "data": {"outgoing_id": "probe-none", "reason": "probe"}}]},
                      timeout=15)
    r.raise_for_status()
    if r.json()["results"][0].get("code") == "op.unknown_type":
        _unsupported("op.unknown_type")


def _account(platform: Any, *, role: str, unit: str | None = None,
             unit_prefix: str | None = None, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    for acc in platform.accounts:
        roles = acc.get("roles") or []
        unit_id = str(acc.get("unit_id") or "")
        if role in roles and acc["username"] not in exclude and (
                unit is None or unit_id == unit) and (
                unit_prefix is None or unit_id.startswith(unit_prefix)):
            return acc
    _unsupported(f"no demo account with role {role} in {unit or unit_prefix or 'any unit'}")
    raise AssertionError  # unreachable


def _town_clerks(platform: Any) -> list[dict[str, Any]]:
    return [a for a in platform.accounts if "clerk" in (a.get("roles") or [])
            and str(a.get("unit_id") or "").startswith("fujin-town-")]


def _post_ops(platform: Any, username: str, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    r = requests.post(f"{platform.base_url}/api/v1/ops", headers=raw_session(platform, username),
                      json={"ops": ops}, timeout=30)
    r.raise_for_status()
    return list(r.json()["results"])


def _pushed_ok(profile: Profile) -> dict[str, int]:
    report = profile.sync()
    assert "rejected" not in report.pushed and "conflict" not in report.pushed, report.pushed
    return report.pushed


def test_downward_chain_from_draft_to_receipts(fresh_platform) -> None:
    platform = fresh_platform
    office = "fujin-szfb"  # 市政府办公室 (docs/contracts.md stable ids)
    _require_outgoing_ops(platform, "liuyang")
    drafter_acc = _account(platform, role="staff", unit=office)
    reviewer_acc = _account(platform, role="reviewer")
    clerk_acc = _account(platform, role="clerk", unit=office)
    leader = "zhangjianguo"

    # 1. The drafter writes the 通知 with the platform stopped (offline), and submits.
    drafter = login(platform, drafter_acc["username"])
    d = drafter.services.drafting
    choices = d.choices()
    towns = next(r for r in choices.recipients if r.is_group and r.name.endswith("镇人民政府"))
    assert len(towns.unit_ids) == 11, "the demo county has 11 towns"
    if not choices.series:
        _unsupported("the drafting unit has no 发文字号 series")
    reviewer_id = reviewer_acc["user_id"]
    leader_id = platform.account(leader)["user_id"]
    drafter.close()
    platform.stop()
    offline = Profile.open_offline(platform.base_url, drafter_acc["username"], PASSWORD)
    try:
        d = offline.services.drafting
        draft = d.new_draft(now=_now())
        d.save(draft.id, fields={"title": TITLE, "main_recipients": [towns.wire()],
                                 "signatory_id": leader_id, "reviewer_id": reviewer_id,
                                 "series": choices.series[0][0]}, body=BODY, now=_now())
        d.submit(draft.id, now=_now())
        assert [r.status for r in offline.services.outgoing.rows("mine")
                if r.id == draft.id] == ["queued"]  # 待发送 at once
    finally:
        offline.close()
    platform.start()
    drafter = Profile.resume(platform.base_url, drafter_acc["username"])
    assert _pushed_ok(drafter) == {"applied": 1}
    drafter.sync()
    mine = [r for r in drafter.services.outgoing.rows("mine") if r.id == draft.id]
    assert [(r.status, r.is_draft) for r in mine] == [("reviewing", False)]
    drafter.close()

    # 2. 核稿 with one revision: the reviewer adds a section; it becomes version 2.
    reviewer = login(platform, reviewer_acc["username"])
    o = reviewer.services.outgoing
    [row] = [r for r in o.rows("review") if r.id == draft.id]
    view = o.open_step(row.step_id)
    assert view.detail.digest_ok and view.detail.current.number == 1
    revised = {"v": 1, "blocks": [*BODY["blocks"][:3],
                                  {"kind": "h1", "text": "严格火源管控"},
                                  {"kind": "p", "text": "防火期内严禁一切野外用火。"},
                                  *BODY["blocks"][3:]]}
    result = o.complete_step(row.step_id, decision="approve", text="已核，增加火源管控一节。",
                             body=revised, version_note="增加火源管控", signer=reviewer.signer(),
                             shown_digest=view.detail.digest, now=_now())
    assert _pushed_ok(reviewer)
    reviewer.sync()
    detail = o.detail(draft.id)
    assert detail.status == "signing" and detail.current.number == 2
    assert detail.current.body_sha256 == docbody.body_sha256(revised) == result.body_sha256
    assert detail.digest_ok and detail.digest == result.outgoing_digest
    reviewer.close()

    # 3. 签发 by the leader while offline; sent once the platform is back.
    mayor = login(platform, leader)
    o = mayor.services.outgoing
    [row] = [r for r in o.rows("sign") if r.id == draft.id]
    view = o.open_step(row.step_id)
    assert [x.text for x in view.diff if x.tag == "+"][:1] == ["二、严格火源管控"]
    mayor.close()
    platform.stop()
    offline = Profile.open_offline(platform.base_url, leader, PASSWORD)
    try:
        offline.services.outgoing.complete_step(
            row.step_id, decision="approve", text="同意印发",
            handwriting_png=None, signer=offline.signer(), shown_digest=view.detail.digest,
            now=_now())
        signing = offline.services.outgoing.rows("sign")
        assert [r.local for r in signing if r.id == draft.id] == ["pending_sync"], [
            (r.id == draft.id, r.title, r.local) for r in signing]
    finally:
        offline.close()
    platform.start()
    mayor = Profile.resume(platform.base_url, leader)
    assert _pushed_ok(mayor) == {"applied": 1}
    mayor.close()

    # 4. The clerk numbers, seals and issues.
    clerk = login(platform, clerk_acc["username"])
    o = clerk.services.outgoing
    assert o.detail(draft.id).status == "signed"
    hint = o.detail(draft.id).next_number
    o.clerk_action(draft.id, "number", now=_now())
    _pushed_ok(clerk)
    clerk.sync()
    detail = o.detail(draft.id)
    number = detail.data["doc_number"]
    assert detail.status == "numbered" and number == hint
    assert re.fullmatch(rf"{re.escape(choices.series[0][0])}〔{_now().year}〕\d+号", number)
    if not detail.has_seal:
        _unsupported("the office has no registered seal in the demo")
    o.clerk_action(draft.id, "seal", now=_now())
    _pushed_ok(clerk)
    clerk.sync()
    o.clerk_action(draft.id, "issue", now=_now())
    _pushed_ok(clerk)
    clerk.sync()
    assert o.detail(draft.id).status == "issued"
    receipts = o.receipts(draft.id, now=_now())
    assert len(receipts.rows) == 11 and receipts.count("pending") == 11
    assert receipts.overdue == 0

    # 5. Town clerks 签收 (three) and refuse (one, with a reason) through the exchange.
    deliveries = {r.unit_id: r.delivery_id for r in receipts.rows}
    town_clerks = [a for a in _town_clerks(platform) if a["unit_id"] in deliveries]
    if len(town_clerks) < 4:
        _unsupported("fewer than four town clerks in the demo")
    at = _now().isoformat(timespec="seconds")
    for acc in town_clerks[:3]:
        [res] = _post_ops(platform, acc["username"], [{
            "op_id": str(uuid.uuid4()), "type": "delivery.receive",
            "data": {"delivery_id": deliveries[acc["unit_id"]], "at": at}}])
        assert res["status"] == "applied", res
    refuser = town_clerks[3]
    [res] = _post_ops(platform, refuser["username"], [{
        "op_id": str(uuid.uuid4()), "type": "delivery.refuse",
        "data": {"delivery_id": deliveries[refuser["unit_id"]], "reason": "非本单位来文",
                 "at": at}}])
    assert res["status"] == "applied", res

    # 6. The sender's 回执 table is exact.
    clerk.sync()
    receipts = o.receipts(draft.id, now=_now())
    by_unit = {r.unit_id: r for r in receipts.rows}
    assert receipts.count("received") == 3 and receipts.count("refused") == 1
    assert receipts.count("pending") == 7
    for acc in town_clerks[:3]:
        r = by_unit[acc["unit_id"]]
        assert r.status == "received" and r.by_name == acc["display_name"] and r.at
    refused = by_unit[refuser["unit_id"]]
    assert refused.status == "refused" and refused.reason == "非本单位来文"
    assert refused.by_name == refuser["display_name"]
    clerk.close()

    # The drafter reads the same 回执.
    drafter = Profile.resume(platform.base_url, drafter_acc["username"])
    drafter.sync()
    theirs = drafter.services.outgoing.receipts(draft.id, now=_now())
    assert [(r.unit_id, r.status) for r in theirs.rows] == [
        (r.unit_id, r.status) for r in receipts.rows]
    drafter.close()


def test_return_needs_a_reason_and_the_drafter_resubmits(fresh_platform) -> None:
    platform = fresh_platform
    office = "fujin-szfb"
    _require_outgoing_ops(platform, "liuyang")
    drafter_acc = _account(platform, role="staff", unit=office)
    reviewer_acc = _account(platform, role="reviewer")
    drafter = login(platform, drafter_acc["username"])
    d = drafter.services.drafting
    choices = d.choices()
    if not choices.series:
        _unsupported("the drafting unit has no 发文字号 series")
    towns = next(r for r in choices.recipients if r.is_group and r.name.endswith("镇人民政府"))
    draft = d.new_draft(now=_now())
    d.save(draft.id, fields={"title": TITLE, "main_recipients": [towns.wire()],
                             "signatory_id": platform.account("zhangjianguo")["user_id"],
                             "reviewer_id": reviewer_acc["user_id"],
                             "series": choices.series[0][0]}, body=BODY, now=_now())
    d.submit(draft.id, now=_now())
    _pushed_ok(drafter)
    drafter.close()

    reviewer = login(platform, reviewer_acc["username"])
    o = reviewer.services.outgoing
    [row] = [r for r in o.rows("review") if r.id == draft.id]
    o.complete_step(row.step_id, decision="return", text="主送单位不全，请补充市政府各部门。",
                    signer=reviewer.signer(), now=_now())
    _pushed_ok(reviewer)
    reviewer.close()

    drafter = Profile.resume(platform.base_url, drafter_acc["username"])
    drafter.sync()
    o = drafter.services.outgoing
    [row] = [r for r in o.rows("mine") if r.id == draft.id]
    assert row.status == "revising" and row.step_kind == "revise"
    bureaus = next(r for r in choices.recipients if r.is_group and r.name.endswith("各部门"))
    o.complete_step(row.step_id, decision="resubmit", text="已补充主送单位。",
                    metadata={"main_recipients": [towns.wire(), bureaus.wire()]},
                    signer=None, now=_now())
    _pushed_ok(drafter)
    drafter.sync()
    detail = o.detail(draft.id)
    assert detail.status == "reviewing" and detail.digest_ok
    assert [g["name"] for g in detail.data["main_recipients"]] == [towns.name, bureaus.name]
    drafter.close()
