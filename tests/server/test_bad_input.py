"""Issue 13, finding 16, against a real platform (both backends): bad input of any depth
or byte is a 4xx, never a 500."""

from __future__ import annotations

import uuid

import pytest
import requests

from server.embedded import EmbeddedPlatform
from tests.server.workflow_helpers import Api, make_county


@pytest.fixture(scope="module")
def clerk(live: EmbeddedPlatform) -> Api:
    county = make_county(live.db_url, only=["clerk"])
    return Api(live.base_url, county.users["clerk"])


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
