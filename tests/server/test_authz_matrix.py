"""Authorisation matrix: every role against every endpoint and the objects it must and
must not reach, on a real platform subprocess (SQLite).

The county (tests/server/workflow_helpers.py) gives one user per role: `admin` (市信息中心),
`clerk`, `staff` (the proposer) and `publisher` of 市政府办公室, `leader` (the mayor),
`town` (砚山镇 staff) and `town_clerk` (砚山镇's clerk), plus `publisher2` of 长安镇 made
here. The world they act on is built once per module:
- document D of 市政府办公室, approved by `staff` and waiting for the mayor's 批示 (task
  T), with one signed opinion; its body and attachment blobs;
- document D2 of 砚山镇 waiting for `town`'s 拟办; its body blob;
- notice N (audience 市政府办公室) and N2 (audience 砚山镇), both by `publisher`, each
  with an attachment; a blob that `town` uploaded and nothing refers to.
Every row names the exact status (and problem code) expected.
"""

from __future__ import annotations

import hashlib
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from protocol.signing import generate_keypair
from server.embedded import EmbeddedPlatform
from tests.server.workflow_helpers import PASSWORD, Api, County, make_county, register, uid

ROLES = ("admin", "clerk", "leader", "staff", "publisher", "town", "town_clerk", "publisher2")
# role -> the short name of the county's person who plays it
PERSON = {"admin": "admin", "clerk": "clerk", "leader": "mayor", "staff": "proposer",
          "publisher": "publisher", "town": "town_a", "town_clerk": "town_a_clerk"}
AT = "2005-10-19T10:00:00+08:00"


@dataclass
class World:
    live: EmbeddedPlatform
    county: County
    api: dict[str, Api]          # role -> signed-in user
    ids: dict[str, str]          # role -> user id
    doc: dict[str, Any]          # D
    doc2: dict[str, Any]         # D2
    task: dict[str, Any]         # T: the mayor's pending instruct task on D
    opinion: dict[str, Any]      # the proposer's opinion on D
    notice: dict[str, Any]       # N
    notice2: dict[str, Any]      # N2
    blobs: dict[str, str]        # name -> sha256
    keys: dict[str, str]         # role -> the key id that role registered


def _notice(api: Api, title: str) -> dict[str, Any]:
    api.pull()
    (found,) = [n for n in api.objects("notice") if n["title"] == title]
    return found


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    from server import directory
    from server.db import close_database

    with EmbeddedPlatform(demo=False) as live:
        county = make_county(live.db_url, only=[*(PERSON[r] for r in ROLES if r in PERSON), "h3", "h4"])
        directory.create_user(f"{county.tag}_publisher2", PASSWORD, "publisher2",
                              county.units["town_b"], ["publisher"], "科长",
                              user_id=f"{county.tag}-publisher2")
        county.users["publisher2"] = f"{county.tag}_publisher2"
        county.ids["publisher2"] = f"{county.tag}-publisher2"
        api = {role: Api(live.base_url, county.users[PERSON.get(role, role)]) for role in ROLES}
        ids = {role: a.id for role, a in api.items()}
        keys = {role: a.register_key().key_id for role, a in api.items()}

        doc = register(api["clerk"], county, propose_to=[ids["staff"]])
        r = api["staff"].sign(doc["id"], "approve", text="拟请市长阅示。",
                              forward_to=[ids["leader"]])
        assert r["status"] == "applied", r
        api["leader"].pull()
        task = api["leader"].my_pending(doc["id"])
        (opinion,) = api["leader"].objects("opinion", document_id=doc["id"])
        doc2 = register(api["town_clerk"], county, propose_to=[ids["town"]],
                        title="关于砚山镇防汛工作的请示")

        blobs = {"doc_body": doc["body"]["sha256"], "doc_att": doc["attachments"][0]["sha256"],
                 "doc2_body": doc2["body"]["sha256"]}
        pub = api["publisher"]
        for name, unit in (("N", "office"), ("N2", "town_a")):
            att = pub.put_blob(f"通知附件 {name} {uid()}".encode(), "text/plain")
            blobs[f"{name}_att"] = att
            result = pub.op("notice.publish", {
                "client_ref": f"authz-{name}", "title": f"通知{name}", "body": "请各单位知悉。",
                "audience_unit_ids": [county.units[unit]], "requires_ack": True,
                "urgent": False, "expires_at": None,
                "attachments": [{"name": "附件.txt", "sha256": att}]})
            assert result["status"] == "applied", result
        blobs["town_private"] = api["town"].put_blob(f"未引用的文件 {uid()}".encode())
        yield World(live, county, api, ids, doc, doc2, task, opinion, _notice(pub, "通知N"),
                    _notice(pub, "通知N2"), blobs, keys)
        close_database()


# --- GET /changes: who sees what ---------------------------------------------------------

# role -> (D and its task/opinion, D2, N, N2)
FEED_VISIBILITY = {
    "admin":      (False, False, False, False),
    "clerk":      (True, False, True, False),
    "leader":     (True, False, False, False),
    "staff":      (True, False, True, False),
    "publisher":  (False, False, True, True),
    "town":       (False, True, False, True),
    "town_clerk": (False, True, False, True),
    "publisher2": (False, False, False, False),
}


@pytest.mark.parametrize("role", ROLES)
def test_change_feed_holds_exactly_what_the_role_may_see(world: World, role: str) -> None:
    api = world.api[role]
    api.cursor, api.state = None, {}  # a pull from scratch (same session: same device)
    state = api.pull()
    sees_doc, sees_doc2, sees_n, sees_n2 = FEED_VISIBILITY[role]
    assert (("document", world.doc["id"]) in state) is sees_doc
    assert (("task", world.task["id"]) in state) is sees_doc
    assert (("opinion", world.opinion["id"]) in state) is sees_doc
    assert (("document", world.doc2["id"]) in state) is sees_doc2
    assert (("notice", world.notice["id"]) in state) is sees_n
    assert (("notice", world.notice2["id"]) in state) is sees_n2
    # The directory is everyone's; nothing of another unit's documents leaks otherwise.
    assert ("user", world.ids["town"]) in state and ("key", world.keys["leader"]) in state
    foreign = {world.doc["id"]} if not sees_doc else set()
    foreign |= {world.doc2["id"]} if not sees_doc2 else set()
    for (kind, _), data in state.items():
        if kind in ("task", "opinion", "receipt"):
            assert data.get("document_id") not in foreign


# --- GET/PUT /blobs ------------------------------------------------------------------------

# blob -> roles that may read it (uploader or audience of a referring object)
BLOB_READERS = {
    "doc_body": {"clerk", "leader", "staff"},
    "doc_att": {"clerk", "leader", "staff"},
    "doc2_body": {"town", "town_clerk"},
    "N_att": {"clerk", "staff", "publisher"},
    "N2_att": {"publisher", "town", "town_clerk"},
    "town_private": {"town"},
}


@pytest.mark.parametrize("blob", sorted(BLOB_READERS))
@pytest.mark.parametrize("role", ROLES)
def test_blob_read_needs_a_visible_reference(world: World, role: str, blob: str) -> None:
    sha = world.blobs[blob]
    r = world.api[role].get(f"/api/v1/blobs/{sha}", headers={"Range": "bytes=0-3"})
    if role in BLOB_READERS[blob]:
        assert r.status_code == 206, r.text
        assert r.headers["ETag"] == f'"{sha}"'
    else:
        _problem(r, 404, "blob.not_found")


def test_blob_put_rules(world: World) -> None:
    data = f"任何登录用户都可上传 {uid()}".encode()
    sha = hashlib.sha256(data).hexdigest()
    url = f"{world.live.base_url}/api/v1/blobs/{sha}"
    _problem(requests.put(url, data=data, timeout=10), 401)
    _problem(world.api["town"].http.put(url, data=data + b"x", timeout=10), 400,
             "blob.hash_mismatch")
    assert world.api["town"].http.put(url, data=data, timeout=10).status_code == 201
    # The uploader may read it back; nobody else (nothing refers to it).
    assert world.api["town"].get(f"/api/v1/blobs/{sha}").status_code == 200
    _problem(world.api["leader"].get(f"/api/v1/blobs/{sha}"), 404, "blob.not_found")
    # Uploading the same bytes proves possession: then the uploader may read them. The
    # answer is the same whether the platform held them (no oracle: issue 13, finding 15).
    assert world.api["leader"].http.put(url, data=data, timeout=10).status_code == 201
    assert world.api["leader"].get(f"/api/v1/blobs/{sha}").content == data


# --- /ops of every type -----------------------------------------------------------------


def _task_complete(world: World, role: str) -> dict[str, Any]:
    """The mayor's task, signed by `role` with their own registered key."""
    leader = world.api["leader"]
    api = world.api[role]
    data = leader.signoff_data(world.task, "approve", text="同意。", signer=api.signer)
    return data


def _op(world: World, role: str, op_type: str, data: dict[str, Any]) -> tuple[str, str | None]:
    result = world.api[role].op(op_type, data)
    return result["status"], result["code"]


def _enrol(world: World, role: str, data: dict[str, Any]) -> tuple[int, str | None]:
    """Enrol a key (password + a fresh enrolment code of the caller): status, code."""
    kp = types.SimpleNamespace(key_id=data["key_id"], algorithm=data["algorithm"],
                               public_b64=data["public_key"])
    r = world.api[role].enrol(kp)
    return r.status_code, (None if r.status_code == 201 else r.json().get("code"))


def _answer(world: World | OutWorld, role: str, op_type: str,
            data: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """An op's whole refusal: status, code and detail (what could tell ids apart)."""
    result = world.api[role].op(op_type, data)
    return result["status"], result["code"], result["detail"]


NOT_ASSIGNEE = ("rejected", "task.not_assignee")
TASK_NOT_FOUND = ("rejected", "task.not_found")


@pytest.mark.parametrize("role", [r for r in ROLES if r != "leader"])
def test_task_complete_by_a_non_assignee_is_rejected(world: World, role: str) -> None:
    """Who sees D is told the task is someone else's; the others get the answer of an
    unknown task, word for word (issue 13, finding 15)."""
    expected = NOT_ASSIGNEE if FEED_VISIBILITY[role][0] else TASK_NOT_FOUND
    assert _op(world, role, "task.complete", _task_complete(world, role)) == expected
    # Not even with the assignee's own valid signature.
    data = world.api["leader"].signoff_data(world.task, "approve", text="同意。")
    got = _answer(world, role, "task.complete", data)
    assert got[:2] == expected
    if not FEED_VISIBILITY[role][0]:
        assert got == _answer(world, role, "task.complete", {**data, "task_id": uid()})
    world.api["leader"].pull()
    assert world.api["leader"].my_pending(world.doc["id"])["id"] == world.task["id"]


def test_task_complete_refusals_for_the_assignee(world: World) -> None:
    leader = world.api["leader"]
    unknown = leader.signoff_data(world.task, "approve", text="同意。")
    unknown["task_id"] = "no-such-task"
    assert _op(world, "leader", "task.complete", unknown) == ("rejected", "task.not_found")
    # Someone else's key: the signature does not name a key of the signer.
    other = leader.signoff_data(world.task, "approve", signer=world.api["staff"].signer)
    assert _op(world, "leader", "task.complete", other) == ("rejected", "signature.unknown_key")
    # A handwriting image the signer did not upload (another unit's document body).
    stolen = leader.signoff_data(world.task, "approve",
                                 handwriting_sha256=world.blobs["doc2_body"])
    assert _op(world, "leader", "task.complete", stolen) == ("rejected", "blob.not_found")


@pytest.mark.parametrize("role", [r for r in ROLES if r != "staff"])
def test_only_the_author_may_recall_a_signoff(world: World, role: str) -> None:
    """撤回 of the proposer's opinion on D by everyone else: those who see D are told it
    is not theirs, the others learn nothing about it. The opinion stays as it was."""
    data = {"task_id": world.opinion["task_id"], "op_id": world.opinion["op_id"]}
    expected = (("rejected", "task.recall_not_author") if FEED_VISIBILITY[role][0]
                else ("conflict", "task.recall_not_signed"))
    assert _op(world, role, "task.recall", data) == expected
    world.api["clerk"].pull()
    assert world.api["clerk"].state[("opinion", world.opinion["id"])]["recalled_at"] is None


# role -> expected result of marking D read
MARK_READ_D = {r: ("applied", None) if FEED_VISIBILITY[r][0] else
               ("rejected", "document.not_found") for r in ROLES}


@pytest.mark.parametrize("role", ROLES)
def test_document_mark_read_only_for_its_audience(world: World, role: str) -> None:
    got = _op(world, role, "document.mark_read", {"document_id": world.doc["id"], "at": AT})
    assert got == MARK_READ_D[role]
    # An unknown id answers exactly like an invisible one.
    assert _op(world, role, "document.mark_read", {"document_id": "nope", "at": AT}) == (
        "rejected", "document.not_found")


@pytest.mark.parametrize("op_type", ["notice.ack", "notice.mark_read"])
@pytest.mark.parametrize("role", ROLES)
def test_notice_receipts_only_for_the_audience(world: World, role: str, op_type: str) -> None:
    for notice, sees in ((world.notice, FEED_VISIBILITY[role][2]),
                         (world.notice2, FEED_VISIBILITY[role][3])):
        got = _op(world, role, op_type, {"notice_id": notice["id"], "at": AT})
        assert got == (("applied", None) if sees else ("rejected", "notice.not_found"))


PUBLISHERS = {"publisher", "publisher2"}


@pytest.mark.parametrize("role", ROLES)
def test_notice_publish_needs_the_publisher_role(world: World, role: str) -> None:
    data = {"client_ref": f"pub-{uid()}", "title": "关于冬季供暖的通知", "body": "……",
            "audience_unit_ids": [world.county.units["office"]], "requires_ack": False,
            "urgent": False, "expires_at": None, "attachments": []}
    got = _op(world, role, "notice.publish", data)
    assert got == (("applied", None) if role in PUBLISHERS else ("rejected", "auth.forbidden"))
    if role in PUBLISHERS:
        # Attaching a blob the publisher did not upload would hand it to the audience.
        data = {**data, "client_ref": f"pub-{uid()}",
                "attachments": [{"name": "x.pdf", "sha256": world.blobs["doc2_body"]}]}
        assert _op(world, role, "notice.publish", data) == ("rejected", "blob.not_found")


@pytest.mark.parametrize("role", ROLES)
def test_key_ops(world: World, role: str) -> None:
    # Nobody takes over another user's key id, nor revokes another user's key.
    victim = "town" if role != "town" else "leader"
    kp = generate_keypair("ed25519")
    taken = {"key_id": world.keys[victim], "algorithm": "ed25519", "public_key": kp.public_b64}
    assert _enrol(world, role, taken) == (422, "key.id_mismatch")
    row = world.api[victim].pull()[("key", world.keys[victim])]
    same = {"key_id": row["id"], "algorithm": row["algorithm"], "public_key": row["public_key"]}
    assert _enrol(world, role, same) == (409, "key.id_taken")
    # The op alone (a bearer token) never registers a key (issue 13, High 1).
    assert _op(world, role, "key.register", same) == ("rejected", "key.enrolment_required")
    assert _op(world, role, "key.revoke", {"key_id": world.keys[victim]}) == (
        "rejected", "auth.forbidden")
    assert _op(world, role, "key.revoke", {"key_id": "0" * 16}) == ("rejected", "key.not_found")
    assert _op(world, role, "key.revoke", {"key_id": 5}) == ("rejected", "op.invalid_data")
    assert world.api[victim].pull()[("key", world.keys[victim])]["revoked_at"] is None
    # One's own second key may be registered and revoked.
    kp = generate_keypair("ed25519")
    own = {"key_id": kp.key_id, "algorithm": "ed25519", "public_key": kp.public_b64}
    assert _enrol(world, role, own) == (201, None)
    assert _op(world, role, "key.revoke", {"key_id": kp.key_id}) == ("applied", None)
    assert _op(world, role, "key.revoke", {"key_id": kp.key_id}) == ("applied", None)
    assert world.api[role].pull()[("key", kp.key_id)]["revoked_at"] is not None


@pytest.mark.parametrize("role", ROLES)
def test_note_send_between_people_of_the_document(world: World, role: str) -> None:
    """留言 about D: only who sees D (or held a step of it) sends, only to who sees D."""
    def send(to: str) -> tuple[str, str | None]:
        return _op(world, role, "note.send", {"note_id": f"note-{uid()}",
                                              "document_id": world.doc["id"],
                                              "to_user_id": world.ids[to], "text": "请阅示。"})
    sees = FEED_VISIBILITY[role][0]
    expected = (("applied", None) if sees and role != "leader" else
                ("rejected", "note.to_self") if sees else ("rejected", "document.not_found"))
    assert send("leader") == expected
    assert send("town") == (("rejected", "note.recipient_not_allowed") if sees
                            else ("rejected", "document.not_found"))
    if expected[0] == "applied":
        for other in ROLES:
            state = world.api[other].pull()
            notes = [d for (t, _), d in state.items()
                     if t == "note" and d["from_id"] == world.ids[role]]
            assert bool(notes) is (other in (role, "leader")), other


def test_unknown_op_type_is_rejected(world: World) -> None:
    assert _op(world, "admin", "user.make_admin", {"user_id": world.ids["town"]}) == (
        "rejected", "op.unknown_type")


# --- /admin/* routes -------------------------------------------------------------------


def _problem(r: requests.Response, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body = r.json()
    if code is not None:
        assert body["code"] == code, body
    return body


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str                    # formatted with the World's fields
    allowed: dict[str, tuple[int, str | None]]  # role -> (status, code) past the gate
    body: Any = None
    skip: frozenset[str] = frozenset()  # allowed roles whose success is tested elsewhere


def _document_body(world: World, blob: str = "town_private") -> dict[str, Any]:
    """A registration whose body blob none of the clerks or the admin uploaded."""
    return {"doc_number": "佳政函〔2005〕1号", "issuer": "佳木斯市人民政府", "doc_type": "函",
            "title": "权限测试", "issued_on": "2005-10-19", "body_sha256": world.blobs[blob],
            "propose_to": [world.ids["staff"]]}


ROUTES = [
    # Allowed callers get past the role gate and stop at a later check, so no row changes
    # the world the other rows look at.
    Route("list documents", "GET", "/api/v1/admin/documents",
          {"admin": (200, None), "clerk": (200, None), "town_clerk": (200, None)}),
    Route("register document", "POST", "/api/v1/admin/documents",
          {"admin": (422, "blob.not_found"), "clerk": (422, "blob.not_found"),
           "town_clerk": (422, "blob.not_found")}, body=_document_body),
    # Another unit's clerk (or publisher) gets past the role gate and is answered as for
    # an unknown id: D and N are not theirs to see (issue 13, finding 15).
    Route("document detail", "GET", "/api/v1/admin/documents/{doc[id]}",
          {"admin": (200, None), "clerk": (200, None),
           "town_clerk": (404, "document.not_found")}),
    Route("archive", "POST", "/api/v1/admin/documents/{doc[id]}/archive",
          {"admin": (409, "document.not_completed"), "clerk": (409, "document.not_completed"),
           "town_clerk": (404, "document.not_found")}),
    Route("cancel task", "POST", "/api/v1/admin/tasks/{task[id]}/cancel",
          {"admin": (409, "task.last_in_stage"), "clerk": (409, "task.last_in_stage"),
           "town_clerk": (404, "task.not_found")}),
    Route("reroute task", "POST", "/api/v1/admin/tasks/{task[id]}/reroute",
          {"admin": (409, "task.same_assignee"), "clerk": (409, "task.same_assignee"),
           "town_clerk": (404, "task.not_found")},
          body=lambda w: {"assignee_id": w.ids["leader"]}),
    Route("receipt report", "GET", "/api/v1/admin/notices/{notice[id]}/receipts",
          {"admin": (200, None), "publisher": (200, None),
           "publisher2": (404, "notice.not_found")}),
    Route("withdraw unknown notice", "POST", "/api/v1/admin/notices/nope/withdraw",
          {"admin": (404, "notice.not_found"), "publisher": (404, "notice.not_found"),
           "publisher2": (404, "notice.not_found")}),
    Route("withdraw notice", "POST", "/api/v1/admin/notices/{notice[id]}/withdraw",
          {"publisher2": (404, "notice.not_found")}, skip=frozenset({"admin", "publisher"})),
    Route("list units", "GET", "/api/v1/admin/units", {"admin": (200, None)}),
    Route("create unit", "POST", "/api/v1/admin/units", {"admin": (409, "unit.exists")},
          body=lambda w: {"name": "市政府办公室", "kind": "office", "id": w.county.units["office"]}),
    Route("list users", "GET", "/api/v1/admin/users", {"admin": (200, None)}),
    Route("create user", "POST", "/api/v1/admin/users", {"admin": (409, "user.exists")},
          body=lambda w: {"username": w.county.users["town_a"], "password": "Yanshan#2005",
                          "display_name": "冒名", "unit_id": w.county.units["info"],
                          "roles": ["admin"]}),
    Route("deactivate user", "POST", "/api/v1/admin/users/{ids[admin]}/deactivate",
          {"admin": (409, "user.self")}),
    # A reset ends every session of its user: one who plays no role here.
    Route("reset password", "POST", "/api/v1/admin/users/{people[h4]}/password",
          {"admin": (204, None)}, body=lambda w: {"password": PASSWORD}),
    Route("issue enrolment code", "POST", "/api/v1/admin/users/{people[h4]}/enrolment-codes",
          {"admin": (201, None)}, body={}),
    Route("move user", "POST", "/api/v1/admin/users/{people[h3]}/move",
          {"admin": (409, "user.same_unit")},
          body=lambda w: {"unit_id": w.county.units["finance"]}),
    Route("audit trail", "GET", "/api/v1/admin/audit", {"admin": (200, None)}),
    Route("list keys", "GET", "/api/v1/admin/keys", {"admin": (200, None)}),
    Route("revoke unknown key", "POST", "/api/v1/admin/keys/{unknown_key}/revoke",
          {"admin": (404, "key.not_found")}),
    Route("set a seal", "POST", "/api/v1/admin/units/{unit_office}/seal",
          {"admin": (422, "blob.not_found")}, body={"sha256": "a" * 64}),
    Route("add a series to an unknown unit", "POST", "/api/v1/admin/units/nope/series",
          {"admin": (404, "unit.not_found")}, body={"prefix": "富政发"}),
]


def _format(world: World, route: Route) -> tuple[str, Any]:
    path = route.path.format(doc=world.doc, task=world.task, notice=world.notice,
                             ids=world.ids, people=world.county.ids, unknown_key="f" * 16,
                             unit_office=world.county.units["office"])
    body = route.body(world) if callable(route.body) else route.body
    return path, body


@pytest.mark.parametrize("route,role", [
    pytest.param(route, role, id=f"{route.name}-{role}")
    for route in ROUTES for role in ROLES if role not in route.skip])
def test_admin_routes_by_role(world: World, route: Route, role: str) -> None:
    path, body = _format(world, route)
    api = world.api[role]
    r = api.http.request(route.method, world.live.base_url + path, json=body, timeout=30)
    if role in route.allowed:
        status, code = route.allowed[role]
        if code is None:
            assert r.status_code == status, r.text
        else:
            _problem(r, status, code)
    else:
        _problem(r, 403, "auth.forbidden")


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_admin_routes_need_a_session(world: World, route: Route) -> None:
    path, body = _format(world, route)
    r = requests.request(route.method, world.live.base_url + path, json=body, timeout=30)
    _problem(r, 401)


@pytest.mark.parametrize("method,path", [("GET", "/api/v1/changes"), ("POST", "/api/v1/ops"),
                                         ("GET", "/api/v1/events"),
                                         ("GET", "/api/v1/blobs/" + "0" * 64)])
def test_sync_routes_need_a_session(world: World, method: str, path: str) -> None:
    r = requests.request(method, world.live.base_url + path, timeout=30,
                         json={"ops": [{"op_id": "x", "type": "notice.ack", "data": {}}]}
                         if method == "POST" else None,
                         headers={"Authorization": "Bearer not-a-token"})
    _problem(r, 401)


def test_clerk_reaches_only_their_own_unit(world: World) -> None:
    clerk, town_clerk = world.api["clerk"], world.api["town_clerk"]
    # The unit_id filter is an administrator's: a clerk always gets their own unit.
    r = clerk.get("/api/v1/admin/documents", params={"unit_id": world.county.units["town_a"]})
    ids = {d["id"] for d in r.json()["documents"]}
    assert world.doc["id"] in ids and world.doc2["id"] not in ids
    r = town_clerk.get("/api/v1/admin/documents")
    ids = {d["id"] for d in r.json()["documents"]}
    assert world.doc2["id"] in ids and world.doc["id"] not in ids
    r = world.api["admin"].get("/api/v1/admin/documents",
                               params={"unit_id": world.county.units["town_a"]})
    assert world.doc2["id"] in {d["id"] for d in r.json()["documents"]}
    # Another unit's document and task: the answer of an unknown id, byte for byte
    # (issue 13, finding 15); a registration for another unit (units are public): 403.
    for path, unknown, body in (
            (f"documents/{world.doc['id']}", f"documents/{uid()}", None),
            (f"documents/{world.doc['id']}/archive", f"documents/{uid()}/archive", {}),
            (f"tasks/{world.task['id']}/reroute", f"tasks/{uid()}/reroute",
             {"assignee_id": world.ids["town"]}),
            (f"tasks/{world.task['id']}/cancel", f"tasks/{uid()}/cancel", {})):
        method = "GET" if body is None else "POST"
        hidden = town_clerk.http.request(method, f"{world.live.base_url}/api/v1/admin/{path}",
                                         json=body, timeout=30)
        absent = town_clerk.http.request(method,
                                         f"{world.live.base_url}/api/v1/admin/{unknown}",
                                         json=body, timeout=30)
        _problem(hidden, 404)
        assert (hidden.status_code, hidden.content) == (absent.status_code, absent.content)
    body = _document_body(world) | {"unit_id": world.county.units["office"]}
    _problem(town_clerk.post("/api/v1/admin/documents", body), 403, "auth.forbidden")
    # A clerk may not register a document around another unit's uploaded body.
    _problem(clerk.post("/api/v1/admin/documents", _document_body(world, "doc2_body")), 422,
             "blob.not_found")


def test_receipt_report_and_withdrawal_belong_to_the_publisher(world: World) -> None:
    # Another town's publisher does not see N: the answer of an unknown notice.
    hidden = world.api["publisher2"].get(f"/api/v1/admin/notices/{world.notice['id']}/receipts")
    _problem(hidden, 404, "notice.not_found")
    assert hidden.content == world.api["publisher2"].get(
        f"/api/v1/admin/notices/{uid()}/receipts").content
    report = world.api["publisher"].get(f"/api/v1/admin/notices/{world.notice2['id']}/receipts")
    assert report.status_code == 200
    names = {u["user_id"] for unit in report.json()["units"] for u in unit["users"]}
    assert world.ids["town"] in names and world.ids["staff"] not in names
    # Withdrawal: the publisher their own notice, the admin any; a second time is 409.
    for role in ("publisher", "admin"):
        title = f"撤回测试{role}"
        result = world.api["publisher"].op("notice.publish", {
            "client_ref": f"withdraw-{role}", "title": title, "body": "……",
            "audience_unit_ids": [world.county.units["town_a"]], "requires_ack": False,
            "urgent": False, "expires_at": None, "attachments": []})
        assert result["status"] == "applied", result
        notice = _notice(world.api["publisher"], title)
        _problem(world.api["publisher2"].post(f"/api/v1/admin/notices/{notice['id']}/withdraw"),
                 404, "notice.not_found")
        r = world.api[role].post(f"/api/v1/admin/notices/{notice['id']}/withdraw")
        assert r.status_code == 200, r.text
        _problem(world.api[role].post(f"/api/v1/admin/notices/{notice['id']}/withdraw"), 409,
                 "notice.withdrawn")
        assert ("notice", notice["id"]) not in world.api["town"].pull()
    # A publisher who sees the notice (in its audience) is told it is not theirs.
    result = world.api["publisher2"].op("notice.publish", {
        "client_ref": f"seen-{uid()}", "title": "给办公室的通知", "body": "……",
        "audience_unit_ids": [world.county.units["office"]], "requires_ack": False,
        "urgent": False, "expires_at": None, "attachments": []})
    assert result["status"] == "applied", result
    seen = _notice(world.api["publisher"], "给办公室的通知")
    for method, tail in (("GET", "receipts"), ("POST", "withdraw")):
        _problem(world.api["publisher"].http.request(
            method, f"{world.live.base_url}/api/v1/admin/notices/{seen['id']}/{tail}",
            timeout=30), 403, "auth.forbidden")


def test_key_revocation_by_owner_admin_and_others(world: World) -> None:
    """The admin route: an administrator revokes any key, a user their own, nobody else's."""
    extra = {}
    for name in ("by_owner", "by_admin"):
        kp = generate_keypair("ed25519")
        assert _enrol(world, "leader", {
            "key_id": kp.key_id, "algorithm": "ed25519", "public_key": kp.public_b64}) == (
            201, None)
        extra[name] = kp.key_id
    for role in ROLES:
        if role in ("admin", "leader"):
            continue
        for key_id in extra.values():
            _problem(world.api[role].post(f"/api/v1/admin/keys/{key_id}/revoke"), 403,
                     "auth.forbidden")
    # A non-admin naming an unknown key learns nothing more than "not yours".
    _problem(world.api["leader"].post(f"/api/v1/admin/keys/{'e' * 16}/revoke"), 403,
             "auth.forbidden")
    r = world.api["leader"].post(f"/api/v1/admin/keys/{extra['by_owner']}/revoke")
    assert r.status_code == 200 and r.json()["revoked_at"], r.text
    r = world.api["admin"].post(f"/api/v1/admin/keys/{extra['by_admin']}/revoke")
    assert r.status_code == 200 and r.json()["revoked_at"], r.text
    _problem(world.api["leader"].post(f"/api/v1/admin/keys/{extra['by_owner']}/revoke"), 409,
             "key.revoked")
    # The leader's device key is untouched.
    assert world.api["leader"].pull()[("key", world.keys["leader"])]["revoked_at"] is None


# --- 发文 and 公文交换: every new op, and who sees the new objects -------------------------
# Two more people: the office's 办公室主任 (`reviewer`) and 长安镇's clerk (`town_clerk_b`,
# a town nothing was sent to). The outgoing world, built once on top of the one above:
# - O1 of 市政府办公室, drafted by `staff`, 核稿 done by `reviewer`, waiting for the
#   leader's 签发 (step S);
# - O2 issued to 砚山镇 only, its delivery DL received (签收) by `town_clerk` as document R
#   (registered, not yet routed).

OROLES = (*ROLES, "reviewer", "town_clerk_b")


@dataclass
class OutWorld:
    api: dict[str, Api]
    ids: dict[str, str]
    o1: str
    step: str
    o2: str
    delivery: str
    received: str


@pytest.fixture(scope="module")
def ow(world: World) -> OutWorld:
    from protocol import docbody
    from server import directory
    from server.workflow.numbering import add_series, set_seal
    from tests.server.outgoing_helpers import step_data, tiny_png

    county = world.county
    for short, unit, roles in (("reviewer", "office", ["reviewer"]),
                               ("town_clerk_b", "town_b", ["clerk"])):
        directory.create_user(f"{county.tag}_{short}", PASSWORD, short, county.units[unit],
                              roles, "", user_id=f"{county.tag}-{short}")
    api = dict(world.api)
    for short in ("reviewer", "town_clerk_b"):
        api[short] = Api(world.live.base_url, f"{county.tag}_{short}")
    api["reviewer"].register_key()
    ids = {role: a.id for role, a in api.items()}
    add_series(county.units["office"], "富政办发", "富锦市人民政府办公室")
    set_seal(ids["admin"], county.units["office"], tiny_png())

    def submit(reviewer: str | None, to: str) -> str:
        body = docbody.from_paragraphs(["请认真贯彻执行。"])
        out_id = uid()
        result = api["staff"].op("outgoing.submit", {
            "outgoing_id": out_id, "doc_type": "通知", "title": "关于权限测试的通知",
            "main_recipients": [{"name": "砚山镇人民政府", "unit_ids": [county.units[to]]}],
            "signatory_id": ids["leader"], "reviewer_id": reviewer, "series": "富政办发",
            "body": body, "body_sha256": docbody.body_sha256(body)})
        assert result["status"] == "applied", result
        return out_id

    def sign(role: str, out_id: str) -> None:
        a = api[role]
        a.pull()
        (step,) = [s for s in a.objects("outgoing_step", outgoing_id=out_id,
                                        assignee_id=a.id, status="pending")]
        result = a.op("outgoing.step", step_data(a, step, "approve", text="同意"))
        assert result["status"] == "applied", result

    o1 = submit(ids["reviewer"], "town_a")
    sign("reviewer", o1)
    api["leader"].pull()
    (step,) = api["leader"].objects("outgoing_step", outgoing_id=o1, status="pending")
    o2 = submit(None, "town_a")
    sign("leader", o2)
    for op in ("outgoing.number", "outgoing.seal", "outgoing.issue"):
        assert api["clerk"].op(op, {"outgoing_id": o2})["status"] == "applied"
    api["town_clerk"].pull()
    (dl,) = api["town_clerk"].objects("delivery", outgoing_id=o2)
    assert api["town_clerk"].op("delivery.receive", {"delivery_id": dl["id"], "at": AT}
                                )["status"] == "applied"
    api["town_clerk"].pull()
    (received,) = api["town_clerk"].objects("document", delivery_id=dl["id"])
    return OutWorld(api, ids, o1, step["id"], o2, dl["id"], received["id"])


# role -> (sees O1 with its versions and steps, sees DL, sees the series, sees R)
OUT_VISIBILITY = {
    "admin":        (False, False, False, False),
    "clerk":        (True, True, True, False),
    "leader":       (True, False, False, False),
    "staff":        (True, True, False, False),
    "publisher":    (False, False, False, False),
    "town":         (False, False, False, False),
    "town_clerk":   (False, True, False, True),
    "publisher2":   (False, False, False, False),
    "reviewer":     (True, False, False, False),
    "town_clerk_b": (False, False, False, False),
}


@pytest.mark.parametrize("role", OROLES)
def test_outgoing_objects_reach_exactly_their_audience(ow: OutWorld, role: str) -> None:
    a = ow.api[role]
    a.cursor, a.state = None, {}
    state = a.pull()
    sees_o1, sees_dl, sees_series, sees_r = OUT_VISIBILITY[role]
    assert (("outgoing", ow.o1) in state) is sees_o1
    assert (("outgoing_step", ow.step) in state) is sees_o1
    assert bool(a.objects("outgoing_version", outgoing_id=ow.o1)) is sees_o1
    assert (("delivery", ow.delivery) in state) is sees_dl
    assert bool(a.objects("doc_series")) is sees_series
    assert (("document", ow.received) in state) is sees_r
    # The recipient town sees the delivery, never the sender's route.
    if role == "town_clerk":
        assert ("outgoing", ow.o2) not in state


def _out_op(ow: OutWorld, role: str, op_type: str, data: dict[str, Any]) -> tuple[str, str | None]:
    result = ow.api[role].op(op_type, data)
    return result["status"], result["code"]


def _by_sight(role: str, sees: bool, allowed: tuple[str, str | None],
              seen: tuple[str, str | None], unseen: tuple[str, str | None],
              allowed_roles: tuple[str, ...]) -> tuple[str, str | None]:
    if role in allowed_roles:
        return allowed
    return seen if sees else unseen


CLERK_REQUIRED = ("rejected", "clerk.required")
WRONG_STATUS = ("conflict", "outgoing.wrong_status")
OUT_NOT_FOUND = ("rejected", "outgoing.not_found")


@pytest.mark.parametrize("op_type", ["outgoing.number", "outgoing.seal", "outgoing.issue"])
@pytest.mark.parametrize("role", OROLES)
def test_only_the_units_clerk_numbers_seals_and_issues(ow: OutWorld, role: str,
                                                       op_type: str) -> None:
    # O1 is not signed for issue yet: the clerk gets past the gate and is refused by status.
    got = _out_op(ow, role, op_type, {"outgoing_id": ow.o1})
    assert got == _by_sight(role, OUT_VISIBILITY[role][0], WRONG_STATUS, CLERK_REQUIRED,
                            OUT_NOT_FOUND, ("clerk",))


@pytest.mark.parametrize("role", OROLES)
def test_only_the_named_signer_signs(ow: OutWorld, role: str) -> None:
    from tests.server.outgoing_helpers import step_data

    leader = ow.api["leader"]
    leader.pull()
    step = leader.state[("outgoing_step", ow.step)]
    data = step_data(leader, step, "approve", text="同意印发")
    if role == "leader":
        # The signer's own op with someone else's key is refused; the step stays pending.
        other = ow.api["reviewer"]
        forged = {**data, "signature": {**data["signature"],
                                        "key_id": other.signer.key_id}}  # type: ignore[union-attr]
        assert _out_op(ow, role, "outgoing.step", forged) == ("rejected",
                                                              "signature.unknown_key")
        return
    # Who sees O1 is told the step is someone else's; the others get the answer of an
    # unknown step, word for word (issue 13, finding 15).
    got = _answer(ow, role, "outgoing.step", data)
    if OUT_VISIBILITY[role][0]:
        assert got[:2] == ("rejected", "step.not_assignee")
    else:
        assert got[:2] == ("rejected", "step.not_found")
        assert got == _answer(ow, role, "outgoing.step", {**data, "step_id": uid()})


@pytest.mark.parametrize("role", OROLES)
def test_cancel_and_receipts_by_role(ow: OutWorld, role: str) -> None:
    sees_o2 = role in ("clerk", "staff", "leader")
    got = _out_op(ow, role, "outgoing.cancel", {"outgoing_id": ow.o2, "reason": "撤回"})
    assert got == (WRONG_STATUS if sees_o2 else OUT_NOT_FOUND)  # issued: nobody cancels
    # 签收 and 拒收 are the recipient clerk's; DL is received already.
    for op_type, data in (("delivery.receive", {"delivery_id": ow.delivery, "at": AT}),
                          ("delivery.refuse", {"delivery_id": ow.delivery, "at": AT,
                                               "reason": "非本单位来文"})):
        got = _out_op(ow, role, op_type, data)
        assert got == _by_sight(role, OUT_VISIBILITY[role][1],
                                ("conflict", "delivery.not_pending"), CLERK_REQUIRED,
                                ("rejected", "delivery.not_found"), ("town_clerk",))


@pytest.mark.parametrize("role", OROLES)
def test_exchange_send_needs_an_exchange_account(ow: OutWorld, role: str) -> None:
    doc = {"doc_number": "佳政办发〔2026〕1号", "issuer": "佳木斯市人民政府办公室",
           "doc_type": "通知", "title": "冒充上级来文", "classification": "none",
           "urgency": "normal", "signatory": None, "main_recipients": [], "cc": [],
           "issued_on": "2026-03-01", "notes": None, "body": {"sha256": "0" * 64},
           "attachments": [], "digest": "0" * 64}
    assert _out_op(ow, role, "exchange.send", {
        "send_id": uid(), "document": doc, "main_unit_ids": [ow.api["town"].user["unit_id"]],
    }) == ("rejected", "exchange.not_allowed")


CLERKS = ("clerk", "town_clerk", "town_clerk_b")


def _desk(role: str, allowed: tuple[str, ...], ok: tuple[str, str | None],
          not_found: str, gate: tuple[str, str] = ("rejected", "auth.forbidden"),
          gated: tuple[str, ...] = ()) -> tuple[str, str | None]:
    """Allowed roles reach `ok`; a clerk of another unit gets `not_found` (the object
    is not theirs to see, issue 13 finding 15); everyone else stops at the role gate."""
    if role in allowed:
        return ok
    if role in CLERKS and role not in gated:
        return ("rejected", not_found)
    return gate


@pytest.mark.parametrize("role", OROLES)
def test_desk_ops_are_the_clerks(ow: OutWorld, world: World, role: str) -> None:
    # 分办 of R: 砚山镇's clerk (stopped by an unknown assignee), the admin likewise.
    route = {"document_id": ow.received, "tasks": [{"assignee_id": "nobody", "kind": "read"}]}
    got = _out_op(ow, role, "document.route", route)
    assert got == _desk(role, ("town_clerk", "admin"), ("rejected", "routing.unknown_user"),
                        "document.not_found")
    # Cancel the mayor's task T: its unit's clerk and the admin reach the stage rule.
    got = _out_op(ow, role, "task.cancel", {"task_id": world.task["id"], "reason": "测试"})
    assert got == _desk(role, ("clerk", "admin"), ("conflict", "task.last_in_stage"),
                        "task.not_found")
    got = _out_op(ow, role, "task.reroute", {"task_id": world.task["id"],
                                             "assignee_id": world.ids["leader"], "reason": "测试"})
    assert got == _desk(role, ("clerk", "admin"), ("conflict", "task.same_assignee"),
                        "task.not_found")
    got = _out_op(ow, role, "document.archive", {"document_id": world.doc["id"]})
    assert got == _desk(role, ("clerk", "admin"), ("conflict", "document.not_completed"),
                        "document.not_found")
    # 催办 is the unit's clerk's alone (not even the admin's).
    got = _out_op(ow, role, "task.remind", {"reminder_id": uid(), "task_id": world.task["id"]})
    assert got == _desk(role, ("clerk",), ("applied", None), "task.not_found", CLERK_REQUIRED)
    got = _out_op(ow, role, "task.remind", {"reminder_id": uid(), "step_id": ow.step})
    assert got == _desk(role, ("clerk",), ("applied", None), "step.not_found", CLERK_REQUIRED)
    # A clerk of another unit: each hidden id answers word for word as an unknown one.
    if role in ("town_clerk_b",):
        for op_type, data, name in (
                ("document.route", route, "document_id"),
                ("task.cancel", {"task_id": world.task["id"], "reason": "测试"}, "task_id"),
                ("document.archive", {"document_id": world.doc["id"]}, "document_id"),
                ("task.remind", {"reminder_id": uid(), "task_id": world.task["id"]}, "task_id"),
                ("task.remind", {"reminder_id": uid(), "step_id": ow.step}, "step_id")):
            hidden = _answer(ow, role, op_type, {**data, "reminder_id": uid()}
                             if "reminder_id" in data else data)
            absent = _answer(ow, role, op_type, {**data, name: uid(), **(
                {"reminder_id": uid()} if "reminder_id" in data else {})})
            assert hidden == absent, op_type
    # 登记 of a scanned document: clerks only, and only around their own uploads.
    reg = {"document_id": uid(), "doc_number": "黑政函〔2026〕1号", "issuer": "黑龙江省人民政府",
           "doc_type": "函", "title": "权限测试", "issued_on": "2026-03-01",
           "body_sha256": world.blobs["town_private"]}
    got = _out_op(ow, role, "document.register", reg)
    assert got == (("rejected", "blob.not_found") if role in ("clerk", "town_clerk",
                                                              "town_clerk_b")
                   else CLERK_REQUIRED)


@pytest.mark.parametrize("role", OROLES)
def test_drafts_only_in_the_units_own_series(ow: OutWorld, world: World, role: str) -> None:
    from protocol import docbody

    body = docbody.from_paragraphs(["……"])
    data = {"outgoing_id": uid(), "doc_type": "通知", "title": "越权发文",
            "main_recipients": [{"name": "长安镇人民政府",
                                 "unit_ids": [world.county.units["town_b"]]}],
            "signatory_id": "nobody", "series": "富政办发", "body": body,
            "body_sha256": docbody.body_sha256(body)}
    office = ("clerk", "staff", "publisher", "reviewer")
    # Only the office numbers in 富政办发; within it, the unknown signatory is refused.
    assert _out_op(ow, role, "outgoing.submit", data) == (
        ("rejected", "routing.unknown_user") if role in office else ("rejected", "series.unknown"))
