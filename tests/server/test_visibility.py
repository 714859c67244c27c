"""Each user's change feed holds exactly what docs/contracts.md "Visibility" allows."""

from __future__ import annotations

import pytest

from server.embedded import EmbeddedPlatform
from tests.server.workflow_helpers import (
    PASSWORD,
    Api,
    County,
    make_county,
    register,
    sign_in,
)


@pytest.fixture(scope="module")
def county(live: EmbeddedPlatform) -> County:
    return make_county(live.db_url)


@pytest.fixture(scope="module")
def people(live: EmbeddedPlatform, county: County) -> dict[str, Api]:
    return sign_in(live.base_url, county, keys=("proposer", "town_a", "mayor"))


def _docs(api: Api) -> set[str]:
    api.pull()
    return {i for (t, i) in api.state if t == "document"}


def test_feeds_hold_exactly_the_visible_documents(
    people: dict[str, Api], county: County
) -> None:
    p, ids = people, county.ids
    office_doc = register(p["clerk"], county)["id"]
    town_doc = register(p["town_a_clerk"], county, propose_to=[ids["town_a"]])["id"]
    expected = {short: set() for short in county.users}
    expected.update(clerk={office_doc}, proposer={office_doc},
                    town_a_clerk={town_doc}, town_a={town_doc})
    for short, api in p.items():
        assert _docs(api) == expected[short], short
        # Tasks and opinions only of visible documents; every task's document is present.
        for (t, _), data in api.state.items():
            if t in ("task", "opinion"):
                assert data["document_id"] in expected[short], (short, data)
        # The directory reaches everyone.
        assert ("user", ids["mayor"]) in api.state and ("unit", county.units["town_b"]) in api.state

    # Routing widens the audience step by step: the mayor sees the office document once
    # he holds a task on it, with its whole history (the proposer's opinion included).
    assert p["proposer"].sign(office_doc, "approve", forward_to=[ids["mayor"]])["status"] == (
        "applied")
    assert _docs(p["mayor"]) == {office_doc}
    assert len(p["mayor"].objects("opinion", document_id=office_doc)) == 1
    assert len(p["mayor"].objects("task", document_id=office_doc)) == 2
    # The town's document stays in the town even after its own workflow moves on.
    assert p["town_a"].sign(town_doc, "approve", forward_to=[ids["village"]])["status"] == (
        "applied")
    assert _docs(p["village"]) == {town_doc}
    for short in ("town_b", "clerk", "proposer", "mayor", "h1"):
        assert town_doc not in _docs(p[short]), short


def test_reroute_sends_delete_and_new_clerk_sees_unit_documents(
    live: EmbeddedPlatform, people: dict[str, Api], county: County
) -> None:
    p, ids = people, county.ids
    doc = register(p["clerk"], county, propose_to=[ids["reader"]])["id"]
    p["reader"].pull()
    task = p["reader"].my_pending(doc)
    r = p["clerk"].post(f"/api/v1/admin/tasks/{task['id']}/reroute",
                        {"assignee_id": ids["h1"]})
    assert r.status_code == 200, r.text
    p["reader"].pull()
    for key in (("document", doc), ("task", task["id"])):
        assert key in p["reader"].deleted and key not in p["reader"].state
    assert doc in _docs(p["h1"])
    # h1 sees the cancelled task too: a task of a visible document.
    assert p["h1"].state[("task", task["id"])]["status"] == "cancelled"

    username = f"{county.tag}_clerk2"
    r = p["admin"].post("/api/v1/admin/users", {
        "username": username, "password": PASSWORD, "display_name": "新文书",
        "unit_id": county.units["office"], "roles": ["clerk"]})
    assert r.status_code == 201, r.text
    clerk2 = Api(live.base_url, username)
    assert doc in _docs(clerk2)


def test_receipts_visible_to_owner_and_publisher_only(
    people: dict[str, Api], county: County
) -> None:
    p = people
    data = {"client_ref": "vis-1", "title": "仅限本镇", "body": "……",
            "audience_unit_ids": [county.units["town_a"]], "requires_ack": True,
            "urgent": True, "expires_at": None, "attachments": []}
    assert p["publisher"].op("notice.publish", data)["status"] == "applied"
    p["town_a"].pull()
    (notice,) = [n for n in p["town_a"].objects("notice") if n["title"] == "仅限本镇"]
    assert notice["urgent"] is True
    at = "2005-10-19T10:00:00+08:00"
    assert p["town_a"].op("notice.ack", {"notice_id": notice["id"], "at": at})["status"] == (
        "applied")
    p["town_a"].pull()
    p["publisher"].pull()
    p["town_a_clerk"].pull()
    mine = {k for k in p["town_a"].state if k[0] == "receipt"}
    assert len(mine) == 2
    assert mine <= set(p["publisher"].state)
    assert not mine & set(p["town_a_clerk"].state)


def test_moving_a_user_republishes_what_they_may_see(
    live: EmbeddedPlatform, people: dict[str, Api], county: County
) -> None:
    """Issue 13, finding 7: a clerk moved to another unit loses the old unit's documents,
    their files and the old unit's notices, and gets the new unit's; sessions end."""
    p = people
    admin = p["admin"]
    # A second clerk of town A, who will move to town B.
    username = f"{county.tag}_mover"
    r = admin.post("/api/v1/admin/users", {
        "username": username, "password": PASSWORD, "display_name": "调动文书",
        "unit_id": county.units["town_a"], "roles": ["clerk"]})
    assert r.status_code == 201, r.text
    mover_id = r.json()["id"]
    town_a_doc = register(p["town_a_clerk"], county, propose_to=[county.ids["town_a"]])
    notice = {"client_ref": f"mv-{mover_id}", "title": "砚山镇通知", "body": "……",
              "audience_unit_ids": [county.units["town_a"]], "requires_ack": False,
              "urgent": False, "expires_at": None, "attachments": []}
    assert p["publisher"].op("notice.publish", notice)["status"] == "applied"
    mover = Api(live.base_url, username)
    mover.pull()
    assert ("document", town_a_doc["id"]) in mover.state
    assert any(n["title"] == "砚山镇通知" for n in mover.objects("notice"))
    body = town_a_doc["body"]["sha256"]
    assert mover.get(f"/api/v1/blobs/{body}").status_code == 200
    # Only an administrator moves users.
    r = p["clerk"].post(f"/api/v1/admin/users/{mover_id}/move",
                        {"unit_id": county.units["town_b"]})
    assert r.status_code == 403
    r = admin.post(f"/api/v1/admin/users/{mover_id}/move", {"unit_id": county.units["town_b"]})
    assert r.status_code == 200, r.text
    assert r.json()["unit_id"] == county.units["town_b"]
    # The old session ended with the move.
    assert mover.get("/api/v1/changes").status_code == 401
    moved = Api(live.base_url, username)
    moved.pull()
    assert ("document", town_a_doc["id"]) not in moved.state
    assert not any(n["title"] == "砚山镇通知" for n in moved.objects("notice"))
    assert moved.get(f"/api/v1/blobs/{body}").status_code in (403, 404)
    # Moving to the unit the user is in already is a conflict, an unknown unit a 422.
    r = admin.post(f"/api/v1/admin/users/{mover_id}/move", {"unit_id": county.units["town_b"]})
    assert r.status_code == 409 and r.json()["code"] == "user.same_unit"
    r = admin.post(f"/api/v1/admin/users/{mover_id}/move", {"unit_id": "no-such-unit"})
    assert r.status_code == 422
