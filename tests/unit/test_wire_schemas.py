"""The shared wire schemas (protocol.wire) against the real platform and the client's parsers.

What the demo county's platform sends (every object kind of its change feed, login,
refresh, meta, op results of every status) validates against the schemas; a malformed
object of each kind is refused by the client with `protocol.bad_change`; /openapi.json
is generated from the same schemas.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
import requests

from client.errors import ProtocolError
from client.sync import api, apply
from protocol import ops, wire
from server.embedded import EmbeddedPlatform

PASSWORD = "Fujin@2005"
# A clerk, a leader, the administrator and a bureau's staff see between them every kind.
USERS = ("wangli", "zhangjianguo", "admin", "chenming")


def _login(base: str, username: str) -> dict[str, Any]:
    r = requests.post(f"{base}/api/v1/auth/login", timeout=30, json={
        "username": username, "password": PASSWORD, "device_id": str(uuid.uuid4()),
        "device_name": "wire-schemas"})
    assert r.status_code == 200, r.text
    return dict(r.json())


def _pull(base: str, token: str, cursor: str | None = None) -> list[dict[str, Any]]:
    pages = []
    while True:
        params: dict[str, Any] = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        r = requests.get(f"{base}/api/v1/changes", params=params, timeout=60,
                         headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        pages.append(r.json())
        cursor = pages[-1]["cursor"]
        if not pages[-1]["has_more"]:
            return pages


def _post_ops(base: str, token: str, batch: list[dict[str, Any]]) -> dict[str, Any]:
    r = requests.post(f"{base}/api/v1/ops", json={"ops": batch}, timeout=30,
                      headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return dict(r.json())


class Seen:
    """What the demo platform answered: grants, feed pages per user, op answers."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.grants = {u: _login(base, u) for u in USERS}
        self.pages = {u: _pull(base, g["access_token"]) for u, g in self.grants.items()}
        self.op_answers: list[tuple[list[str], dict[str, Any]]] = []

    def changes(self, user: str | None = None) -> list[dict[str, Any]]:
        users = [user] if user else list(self.pages)
        return [c for u in users for page in self.pages[u] for c in page["changes"]]

    def objects(self, kind: str) -> list[dict[str, Any]]:
        return [c["data"] for c in self.changes() if c["type"] == kind and c["op"] == "upsert"]


@pytest.fixture(scope="module")
def seen(platform_session: EmbeddedPlatform) -> Seen:
    base = platform_session.base_url
    s = Seen(base)
    me = "zhangjianguo"
    my_id = s.grants[me]["user"]["id"]
    token = s.grants[me]["access_token"]
    cursor = s.pages[me][-1]["cursor"]
    # Op results of every status, and the receipt an ack makes.
    notice = next(c["data"] for c in s.changes(me) if c["type"] == "notice")
    done = next(c["data"] for c in s.changes(me) if c["type"] == "task"
                and c["data"]["assignee_id"] == my_id and c["data"]["status"] == "done")
    at = "2005-10-19T10:00:00+08:00"
    ack = {"op_id": str(uuid.uuid4()), "type": ops.NOTICE_ACK,
           "data": {"notice_id": notice["id"], "at": at}}
    late = {"op_id": str(uuid.uuid4()), "type": ops.TASK_COMPLETE,
            "data": {"task_id": done["id"], "decision": "approve", "text": "同意。",
                     "handwriting_sha256": None, "forward_to": [], "signed_at": at,
                     "signature": {"key_id": "k", "algorithm": "ed25519", "value": "x"}}}
    unknown = {"op_id": str(uuid.uuid4()), "type": "spaceship.launch", "data": {}}
    for batch in ([ack, late, unknown], [ack]):
        s.op_answers.append(([op["op_id"] for op in batch], _post_ops(base, token, batch)))
    s.pages[me] += _pull(base, token, cursor)
    return s


# --- what the platform sends validates ------------------------------------------------------


def test_every_object_kind_of_the_demo_feed_validates(seen: Seen) -> None:
    kinds = {c["type"] for c in seen.changes() if c["op"] == "upsert"}
    assert kinds == set(wire.OBJECT_SCHEMAS)
    for pages in seen.pages.values():
        for page in pages:
            wire.ChangePage.model_validate(page)
            wire.PageEnvelope.model_validate(page)
            api.parse_change_page(page)
            apply.prepare_page(page["changes"], page["cursor"])
    for kind in wire.OBJECT_SCHEMAS:
        for data in seen.objects(kind):
            assert wire.validate_object(kind, data) == data


def test_login_refresh_and_meta_answers_parse(seen: Seen) -> None:
    grant = seen.grants["wangli"]
    wire.TokenGrant.model_validate(grant)
    assert api.parse_grant(grant).user.username == "wangli"
    r = requests.post(f"{seen.base}/api/v1/auth/refresh", timeout=30,
                      json={"refresh_token": seen.grants["chenming"]["refresh_token"]})
    assert r.status_code == 200, r.text
    assert api.parse_grant(r.json()).user.username == "chenming"
    meta = requests.get(f"{seen.base}/api/v1/meta", timeout=30).json()
    assert api.parse_meta(meta).instance_id == wire.Meta.model_validate(meta).instance_id


def test_op_results_of_every_status_parse(seen: Seen) -> None:
    statuses = []
    for sent, answer in seen.op_answers:
        wire.OpsResponse.model_validate(answer)
        statuses += [r.status for r in api.parse_op_results(answer, sent)]
    assert sorted(statuses) == sorted(["applied", "conflict", "rejected", "duplicate"])
    assert set(statuses) == set(ops.OP_STATUSES)


def test_op_results_that_break_the_schema_are_refused() -> None:
    good = {"results": [{"op_id": "o1", "status": "applied", "code": None, "detail": None,
                         "seq": 7}]}
    assert api.parse_op_results(good, ["o1"])[0].seq == 7
    for breaking in ({"status": "merged"}, {"seq": "7"}, {"seq": True}, {"op_id": 1},
                     {"code": 5}):
        bad = copy.deepcopy(good)
        bad["results"][0].update(breaking)
        with pytest.raises(ProtocolError) as err:
            api.parse_op_results(bad, ["o1"])
        assert err.value.code == "protocol.malformed"
    with pytest.raises(ProtocolError):
        api.parse_op_results(good, ["o2"])


# --- a malformed object of each kind is refused by the client ----------------------------------


@pytest.mark.parametrize("kind", sorted(wire.OBJECT_SCHEMAS))
def test_a_malformed_object_of_each_kind_is_refused(seen: Seen, kind: str) -> None:
    data = seen.objects(kind)[0]
    change = {"seq": 1, "type": kind, "id": data["id"], "op": "upsert", "data": data}
    apply.prepare_page([change], "c")  # the object as sent is accepted
    breaks: list[dict[str, Any]] = []
    for name in sorted(wire.REQUIRED_FIELDS[kind]):
        dropped = copy.deepcopy(data)
        del dropped[name]
        # An object, a string and a boolean: each is wrong for some field, never right
        # for all of them at once. The version must also not be negative.
        wrong = {"wrong": True} if name != "version" else -1
        breaks += [dropped, {**copy.deepcopy(data), name: wrong}]
    for bad in breaks:
        with pytest.raises(ProtocolError) as err:
            apply.prepare_page([{**change, "data": bad}], "c")
        assert err.value.code == "protocol.bad_change"
        assert err.value.detail is not None and err.value.detail.startswith("change #0")


@pytest.mark.parametrize("change", [
    # An unknown type is ignored (docs/protocol.md), but not with a broken header.
    {"type": "spaceship", "id": "", "op": "upsert", "data": {"id": "", "version": 1}},
    {"type": "spaceship", "id": "x", "op": "merge", "data": {"id": "x", "version": 1}},
    {"type": "task", "id": "x", "op": "merge", "data": None},
    {"type": "task", "id": "", "op": "delete", "data": None},
    {"type": "task", "id": "x", "op": "upsert", "data": None},
    {"type": "task", "id": "x", "op": "delete", "seq": "3"},
])
def test_malformed_changes_are_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as err:
        apply.prepare_page([change], "c")
    assert err.value.code == "protocol.bad_change"


def test_a_receipt_names_a_notice_or_a_document(seen: Seen) -> None:
    data = {**seen.objects("receipt")[0], "notice_id": None, "document_id": None}
    with pytest.raises(ProtocolError) as err:
        apply.prepare_page([{"type": "receipt", "id": data["id"], "op": "upsert",
                             "data": data}], "c")
    assert "neither" in (err.value.detail or "")


def test_times_are_checked_as_the_cache_reads_them(seen: Seen) -> None:
    doc = seen.objects("document")[0]
    for ok in ("2005-10-19T09:30:00+08:00", "2005-10-19T01:30:00Z", "2005-10-19 09:30"):
        wire.validate_object("document", {**doc, "received_at": ok})
    for bad in ("", "yesterday", "2005-02-30T00:00:00Z", 1129685400):
        with pytest.raises(ValueError):
            wire.validate_object("document", {**doc, "received_at": bad})


# --- one definition on both sides -------------------------------------------------------------


def test_openapi_is_generated_from_the_shared_schemas(seen: Seen) -> None:
    spec = requests.get(f"{seen.base}/openapi.json", timeout=30).json()
    schemas = spec["components"]["schemas"]
    for name in ("ChangePage", "DocumentChange", "TokenGrant", "Meta", "OpResult",
                 "OpsRequest", "LoginRequest"):
        assert any(key == name or key.startswith(f"{name}-") for key in schemas), name
    login = spec["paths"]["/api/v1/auth/login"]["post"]
    ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/LoginRequest")


def test_every_op_type_has_a_data_schema() -> None:
    from server import ops as server_ops

    assert set(wire.OP_DATA) == set(ops.OP_TYPES)
    assert wire.MAX_OPS_PER_REQUEST == server_ops.MAX_OPS
    sample = {"task_id": "t1", "decision": "approve", "text": "同意。",
              "handwriting_sha256": None, "forward_to": [], "signed_at": "2005-10-19T10:00:00Z",
              "signature": {"key_id": "k", "algorithm": "ed25519", "value": "x"}}
    wire.TaskCompleteData.model_validate(sample)
    with pytest.raises(ValueError):
        wire.TaskCompleteData.model_validate({**sample, "signature": None})
