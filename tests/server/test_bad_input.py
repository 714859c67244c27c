"""Issue 13, finding 16, against a real platform (both backends): bad input of any depth
or byte is a 4xx, never a 500."""

from __future__ import annotations

import importlib
import uuid

import pytest
import requests

from server.embedded import EmbeddedPlatform
from tests.server.workflow_helpers import Api, County, make_county


@pytest.fixture(scope="module")
def county(live: EmbeddedPlatform) -> County:
    return make_county(live.db_url, only=["clerk", "admin", "publisher"])


@pytest.fixture(scope="module")
def clerk(live: EmbeddedPlatform, county: County) -> Api:
    return Api(live.base_url, county.users["clerk"])


@pytest.fixture(scope="module")
def admin(live: EmbeddedPlatform, county: County) -> Api:
    return Api(live.base_url, county.users["admin"])


def _op_types() -> list[str]:
    from server import ops
    from server.app import OP_MODULES

    for name in OP_MODULES:
        importlib.import_module(name)
    return ops.registered_types()


_ANY_FIELD = ("id", "document_id", "task_id", "notice_id", "delivery_id", "outgoing_id",
              "key_id", "to_id", "unit_id", "title", "text", "body", "reason")


@pytest.mark.parametrize("op_type", _op_types())
def test_nul_in_any_op_data_is_refused_by_every_op_type(clerk: Api, county: County,
                                                        live: EmbeddedPlatform,
                                                        op_type: str) -> None:
    """PostgreSQL text cannot hold NUL: every op type refuses it alike, as a value of any
    field or as a key (key.revoke answered 500 on PostgreSQL), on both backends."""
    publisher = Api(live.base_url, county.users["publisher"])
    for api in (clerk, publisher):
        for data in ({name: "a\x00b" for name in _ANY_FIELD}, {"a\x00b": 1},
                     {"nested": [{"deep": ["x\x00"]}]}):
            [result] = api.ops([{"op_id": str(uuid.uuid4()), "type": op_type, "data": data}])
            assert result["status"] == "rejected", (op_type, data, result)
            assert result["code"] == "op.invalid_data", result


@pytest.mark.parametrize("field", ["op_id", "type"])
def test_nul_in_an_op_id_or_type_is_a_422(clerk: Api, field: str) -> None:
    op = {"op_id": str(uuid.uuid4()), "type": "notice.ack", "data": {}, field: "a\x00b"}
    r = clerk.http.post(clerk.base_url + "/api/v1/ops", json={"ops": [op]}, timeout=30)
    assert r.status_code == 422, r.text


@pytest.mark.parametrize("path", ["/api/v1/admin/users", "/api/v1/admin/units",
                                  "/api/v1/auth/login", "/api/v1/blobs/batch"])
def test_deeply_nested_bodies_elsewhere_are_a_4xx(admin: Api, path: str) -> None:
    """900 levels in an admin body answered 500 (its NUL check recursed)."""
    deep = "[" * 900 + "]" * 900
    for field in ("username", "name", "sha256"):
        r = admin.http.post(admin.base_url + path, data=f'{{"{field}":{deep}}}'.encode(),
                            timeout=30, headers={"Content-Type": "application/json"})
        assert 400 <= r.status_code < 500, (path, field, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


def test_nul_in_admin_user_and_unit_fields_is_a_422(admin: Api, county: County) -> None:
    user = {"username": "newuser", "password": "Secret#2005x", "display_name": "新用户",
            "unit_id": county.units["office"], "roles": ["staff"], "title": "科员"}
    for field in ("username", "display_name", "title", "unit_id"):
        r = admin.post("/api/v1/admin/users", {**user, field: "a\x00b"})
        assert r.status_code == 422, (field, r.text)
    r = admin.post("/api/v1/admin/users", {**user, "roles": ["staff\x00"]})
    assert r.status_code == 422, r.text
    for field in ("name", "kind"):
        unit = {"name": "新单位", "kind": "office", "parent_id": county.units["root"]}
        r = admin.post("/api/v1/admin/units", {**unit, field: "a\x00b"})
        assert r.status_code == 422, (field, r.text)


@pytest.mark.parametrize("depth", [40, 900, 3000])
def test_deeply_nested_op_data_is_a_4xx(clerk: Api, depth: int) -> None:
    deep = "[" * depth + "]" * depth
    head = f'{{"ops":[{{"op_id":"{uuid.uuid4()}","type":"notice.ack",'
    body = head + '"data":{"notice_id":"x","at":' + deep + "}}]}"
    r = clerk.http.post(clerk.base_url + "/api/v1/ops", data=body.encode(), timeout=30,
                        headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("field", ["username", "device_id", "device_name"])
def test_nul_in_sign_in_fields_is_a_4xx(live: EmbeddedPlatform, field: str) -> None:
    body = {"username": "nobody", "password": "x", "device_id": "d", "device_name": "n",
            field: "a\x00b"}
    r = requests.post(live.base_url + "/api/v1/auth/login", json=body, timeout=30)
    assert r.status_code == 422, r.text


def test_blob_put_answers_the_same_whether_stored_or_not(live: EmbeddedPlatform) -> None:
    """Issue 13, finding 15: a PUT does not tell whether someone else holds the file."""
    county = make_county(live.db_url, only=["clerk", "proposer"])
    first, second = Api(live.base_url, county.users["clerk"]), Api(live.base_url,
                                                                   county.users["proposer"])
    data = f"关于{uuid.uuid4()}的请示".encode()
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    answers = []
    for api in (first, second, second):
        r = api.http.put(f"{live.base_url}/api/v1/blobs/{sha}", data=data, timeout=30,
                         headers={"Content-Type": "text/plain"})
        answers.append((r.status_code, r.json()))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 201


@pytest.mark.parametrize(("who", "path", "param"), [
    ("clerk", "/api/v1/changes", "cursor"),
    ("admin", "/api/v1/admin/users", "unit_id"),
    ("admin", "/api/v1/admin/audit", "user_id"),
    ("admin", "/api/v1/admin/keys", "user_id"),
    ("clerk", "/api/v1/admin/documents", "unit_id"),
])
def test_nul_in_a_query_parameter_is_a_4xx(clerk: Api, admin: Api, who: str, path: str,
                                           param: str) -> None:
    api = clerk if who == "clerk" else admin
    r = api.get(path, params={param: "a\x00b"})
    assert 400 <= r.status_code < 500, (path, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")
