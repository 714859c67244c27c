"""通知公告 on a real platform subprocess: publish, audience, ack, report, withdraw, expiry."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from server import clock
from server.embedded import EmbeddedPlatform
from tests.server.workflow_helpers import PASSWORD, Api, County, make_county, sign_in, uid


@pytest.fixture(scope="module")
def county(live: EmbeddedPlatform) -> County:
    return make_county(live.db_url, only=[
        "admin", "publisher", "town_a", "town_a_clerk", "village", "town_b", "h1",
    ])


@pytest.fixture(scope="module")
def people(live: EmbeddedPlatform, county: County) -> dict[str, Api]:
    return sign_in(live.base_url, county)


def _notice(units: list[str], **extra: object) -> dict:
    return {"client_ref": uid(), "title": "关于国庆节放假的通知", "body": "各单位：……",
            "audience_unit_ids": units, "requires_ack": True, "urgent": False,
            "expires_at": None, "attachments": [], **extra}


def _publish(api: Api, data: dict) -> dict:
    result = api.op("notice.publish", data)
    assert result["status"] == "applied", result
    api.pull()
    (notice,) = [n for n in api.objects("notice") if n["title"] == data["title"]]
    return notice


def test_publish_audience_ack_report_withdraw(people: dict[str, Api], county: County) -> None:
    p = people
    pub = p["publisher"]
    att = pub.put_blob("放假安排表".encode(), "text/plain; charset=utf-8")
    data = _notice([county.units["town_a"]], title=f"放假通知 {uid()}",
                   attachments=[{"name": "安排表.txt", "sha256": att}])
    notice = _publish(pub, data)
    assert notice["attachments"][0]["media_type"].startswith("text/plain")
    nid = notice["id"]

    # Audience: the town and its village (sub-unit), not the other town.
    for short, sees in (("town_a", True), ("village", True), ("town_a_clerk", True),
                        ("town_b", False), ("h1", False)):
        p[short].pull()
        assert (("notice", nid) in p[short].state) is sees, short
    assert p["village"].get(f"/api/v1/blobs/{att}").status_code == 200
    assert p["town_b"].get(f"/api/v1/blobs/{att}").status_code == 404

    # Same client_ref with a fresh op_id: applied, still one notice.
    assert pub.op("notice.publish", data)["status"] == "applied"
    pub.pull()
    assert len([n for n in pub.objects("notice") if n["title"] == data["title"]]) == 1

    # Ack (implies read); replay is a duplicate; receipts go to the user and the publisher.
    ack = {"notice_id": nid, "at": "2005-10-19T10:00:00+08:00"}
    assert p["town_a"].op("notice.ack", ack, op_id="ack-" + nid)["status"] == "applied"
    assert p["town_a"].op("notice.ack", ack, op_id="ack-" + nid)["status"] == "duplicate"
    assert p["village"].op("notice.mark_read", ack)["status"] == "applied"
    p["town_a"].pull()
    assert sorted(r["kind"] for r in p["town_a"].objects("receipt", notice_id=nid)) == [
        "ack", "read"]
    p["village"].pull()
    assert [r["user_id"] for r in p["village"].objects("receipt", notice_id=nid)] == [
        county.ids["village"]]
    pub.pull()
    assert len(pub.objects("receipt", notice_id=nid)) == 3
    # Someone outside the audience cannot ack it (and learns nothing about it).
    r = p["town_b"].op("notice.ack", ack)
    assert (r["status"], r["code"]) == ("rejected", "notice.not_found")

    # The publisher's receipt report: per unit, who read / acknowledged.
    report = pub.get(f"/api/v1/admin/notices/{nid}/receipts").json()
    assert report["totals"] == {"users": 3, "read": 2, "acked": 1, "unread": 1, "not_acked": 2}
    by_unit = {u["unit_id"]: u for u in report["units"]}
    assert by_unit[county.units["village_a"]]["read"] == 1
    town = {u["username"]: u for u in by_unit[county.units["town_a"]]["users"]}
    assert town[county.users["town_a"]]["acked_at"] is not None
    assert town[county.users["town_a_clerk"]]["read_at"] is None
    assert p["town_a"].get(f"/api/v1/admin/notices/{nid}/receipts").status_code == 403
    assert pub.get("/api/v1/admin/notices/nope/receipts").status_code == 404

    # Withdraw: gone from every feed; acks after it are conflicts; twice is 409.
    r = pub.post(f"/api/v1/admin/notices/{nid}/withdraw")
    assert r.status_code == 200, r.text
    for short in ("town_a", "village", "publisher"):
        p[short].pull()
        assert ("notice", nid) not in p[short].state and ("notice", nid) in p[short].deleted
    assert not p["town_a"].objects("receipt", notice_id=nid)
    r = p["town_a_clerk"].op("notice.ack", ack)
    assert (r["status"], r["code"]) == ("conflict", "notice.withdrawn")
    r = pub.post(f"/api/v1/admin/notices/{nid}/withdraw")
    assert r.status_code == 409 and r.json()["code"] == "notice.withdrawn"


def test_publish_refusals(people: dict[str, Api], county: County) -> None:
    p = people
    r = p["town_a"].op("notice.publish", _notice([county.units["town_a"]]))
    assert (r["status"], r["code"]) == ("rejected", "auth.forbidden")
    # An attachment the publisher did not upload (someone else's) is refused.
    theirs = p["h1"].put_blob(b"h1's private file " + uid().encode())
    r = p["publisher"].op("notice.publish", _notice(
        [county.units["town_a"]], attachments=[{"name": "x", "sha256": theirs}]))
    assert (r["status"], r["code"]) == ("rejected", "blob.not_found")
    r = p["publisher"].op("notice.publish", _notice(["no-such-unit"]))
    assert (r["status"], r["code"]) == ("rejected", "unit.not_found")
    r = p["publisher"].op("notice.publish", _notice([county.units["town_a"]], title=""))
    assert (r["status"], r["code"]) == ("rejected", "notice.invalid")
    r = p["publisher"].op("notice.publish", _notice([county.units["town_a"]],
                                                    expires_at="tomorrow"))
    assert (r["status"], r["code"]) == ("rejected", "notice.invalid")
    # Another publisher (here: a non-owner) may not withdraw or report.
    pub = p["publisher"]
    notice = _publish(pub, _notice([county.units["town_b"]], title=f"x {uid()}"))
    assert p["town_b"].post(f"/api/v1/admin/notices/{notice['id']}/withdraw").status_code == 403


def test_expiry_flags_and_blocks_ack(
    live: EmbeddedPlatform, people: dict[str, Api], county: County
) -> None:
    p = people
    soon = (clock.now() + timedelta(seconds=1)).isoformat()
    notice = _publish(p["publisher"], _notice([county.units["town_b"]], title=f"限时 {uid()}",
                                              expires_at=soon))
    p["town_b"].pull()
    assert p["town_b"].state[("notice", notice["id"])]["expired"] is False
    time.sleep(1.2)
    from server import notices
    from server.db import init_database

    init_database(live.db_url)
    assert notices.sweep_expired() >= 1
    assert notices.sweep_expired() == 0, "a swept notice is not republished again"
    p["town_b"].pull()
    flagged = p["town_b"].state[("notice", notice["id"])]
    assert flagged["expired"] is True and flagged["version"] == notice["version"] + 1
    r = p["town_b"].op("notice.ack", {"notice_id": notice["id"], "at": clock.rfc3339(clock.now())})
    assert (r["status"], r["code"]) == ("conflict", "notice.expired")


def test_new_user_receives_live_notices(
    live: EmbeddedPlatform, people: dict[str, Api], county: County
) -> None:
    notice = _publish(people["publisher"], _notice([county.units["town_a"]], title=f"新 {uid()}"))
    username = f"{county.tag}_newcomer"
    r = people["admin"].post("/api/v1/admin/users", {
        "username": username, "password": PASSWORD, "display_name": "新人",
        "unit_id": county.units["village_a"], "roles": ["staff"]})
    assert r.status_code == 201, r.text
    newcomer = Api(live.base_url, username)
    newcomer.pull()
    assert ("notice", notice["id"]) in newcomer.state
