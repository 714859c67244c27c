"""Ops: idempotency core with key.revoke, refusals roll back; key enrolment (both backends)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from server import feed, ops
from server.models import AppliedOp, SigningKey
from tests.server.conftest import Accounts, assert_problem, bearer, login


def ed25519_key() -> dict:
    raw = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"key_id": hashlib.sha256(raw).hexdigest()[:16], "algorithm": "ed25519",
            "public_key": base64.b64encode(raw).decode()}


def sm2_key() -> dict:
    from protocol.signing import generate_keypair

    kp = generate_keypair("sm2-sm3")  # a point of the SM2 curve (checked at enrolment)
    return {"key_id": kp.key_id, "algorithm": "sm2-sm3", "public_key": kp.public_b64}


def p256_point() -> dict:
    """A well-formed uncompressed point of another curve (NIST P-256): not an SM2 key."""
    raw = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"key_id": hashlib.sha256(raw).hexdigest()[:16], "algorithm": "sm2-sm3",
            "public_key": base64.b64encode(raw).decode()}


def post(client, headers, *op_list) -> list[dict]:
    r = client.post("/api/v1/ops", json={"ops": list(op_list)}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["results"]


def op(type_: str, data: dict, op_id: str | None = None) -> dict:
    return {"op_id": op_id or str(uuid.uuid4()), "type": type_, "data": data}


def enrol(client, headers, user_id: str, key: dict) -> object:
    """POST /keys/enrol with the password and a fresh one-time code of `user_id`."""
    from server import enrolment
    from tests.server.conftest import PASSWORD

    code = enrolment.issue_code(user_id, issued_by="test").code
    return client.post("/api/v1/keys/enrol", headers=headers,
                       json={**key, "password": PASSWORD, "enrolment_code": code})


def test_key_revoke_applies_once_and_replay_is_duplicate(app_client, accounts: Accounts) -> None:
    headers = bearer(login(app_client, "alice", device_id="pc-7"))
    key = ed25519_key()
    r = enrol(app_client, headers, accounts.alice, key)
    assert r.status_code == 201, r.text
    stored = SigningKey.get_by_id(key["key_id"])
    assert stored.user_id == accounts.alice and stored.device_id == "pc-7"
    # The key is in everyone's feed, with its enrolment time and device.
    bob = bearer(login(app_client, "bob"))
    changes = app_client.get("/api/v1/changes", params={"limit": 1000}, headers=bob).json()["changes"]
    keys = [c for c in changes if c["type"] == "key"]
    assert len(keys) == 1 and keys[0]["data"]["user_id"] == accounts.alice
    assert keys[0]["data"]["public_key"] == key["public_key"] and keys[0]["data"]["revoked_at"] is None
    assert keys[0]["data"]["device_name"] == "测试机" and keys[0]["data"]["created_at"]
    first = op("key.revoke", {"key_id": key["key_id"]})
    [res] = post(app_client, headers, first)
    assert res["status"] == "applied" and res["op_id"] == first["op_id"]
    # No seq: the feed's head would count every unit's changes (issue 13, finding 15).
    assert "seq" in res and res["seq"] is None
    seq_after = feed.current_seq()
    # Replay: same result as "duplicate", no second effect.
    [dup] = post(app_client, headers, first)
    assert dup["status"] == "duplicate" and dup["seq"] is None
    assert dup["original_status"] == "applied"
    assert feed.current_seq() == seq_after


def test_reused_op_id_with_other_payload_is_rejected(app_client, accounts: Accounts) -> None:
    headers = bearer(login(app_client, "alice"))
    op_id = str(uuid.uuid4())
    post(app_client, headers, op("key.revoke", {"key_id": "0" * 16}, op_id))
    [res] = post(app_client, headers, op("key.revoke", {"key_id": "1" * 16}, op_id))
    assert res["status"] == "rejected" and res["code"] == "op.id_reused"
    # The same op_id from another user is not theirs to replay either.
    bob = bearer(login(app_client, "bob"))
    [res] = post(app_client, bob, op("key.revoke", {"key_id": "0" * 16}, op_id))
    assert res["code"] == "op.id_reused"


def test_key_register_op_is_refused_whatever_the_key(app_client, accounts: Accounts) -> None:
    """Issue 13, High 1: a bearer token alone never registers a signing key."""
    headers = bearer(login(app_client, "alice"))
    key = ed25519_key()
    results = post(app_client, headers, op("key.register", key), op("nonsense.type", {}),
                   op("key.register", sm2_key()))
    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "key.enrolment_required"), ("rejected", "op.unknown_type"),
        ("rejected", "key.enrolment_required")]
    assert SigningKey.get_or_none(SigningKey.id == key["key_id"]) is None
    # Unknown types are not recorded (a newer platform may know them later).
    assert AppliedOp.select().where(AppliedOp.result.contains("op.unknown_type")).count() == 0


def test_enrolment_refusals(app_client, accounts: Accounts) -> None:
    headers = bearer(login(app_client, "alice"))
    good, sm2 = ed25519_key(), sm2_key()
    bad_b64 = {**ed25519_key(), "public_key": "not base64!"}
    short = {**good, "public_key": base64.b64encode(b"x" * 31).decode()}
    wrong_alg = {**good, "algorithm": "rsa"}
    wrong_id = {**ed25519_key(), "key_id": "0123456789abcdef"}
    got = [enrol(app_client, headers, accounts.alice, k)
           for k in (bad_b64, good, short, wrong_alg, wrong_id, sm2, p256_point())]
    assert [(r.status_code, r.json().get("code")) for r in got] == [
        (422, "key.invalid_public_key"), (201, None), (422, "key.invalid_public_key"),
        (422, "key.unknown_algorithm"), (422, "key.id_mismatch"), (201, None),
        (422, "key.invalid_public_key")]
    # Another user enrolling the same key id: conflict.
    bob = bearer(login(app_client, "bob"))
    assert_problem(enrol(app_client, bob, accounts.bob, good), 409, "key.id_taken")


def test_refused_handler_work_is_rolled_back(app_client, accounts: Accounts) -> None:
    from server.ops import OpOutcome

    def publish_then_conflict(user, data):
        feed.publish("thing", data["id"], {"by": user.id}, "*")
        if data.get("raise"):
            from server.errors import Problem

            raise Problem(403, "test.forbidden", "no")
        return OpOutcome("conflict", "test.moved_on", "the world moved on")

    ops.register_op("test.publish_then_refuse", publish_then_conflict)
    headers = bearer(login(app_client, "alice"))
    before = feed.current_seq()
    results = post(app_client, headers, op("test.publish_then_refuse", {"id": "a"}),
                   op("test.publish_then_refuse", {"id": "b", "raise": True}))
    assert [(r["status"], r["code"]) for r in results] == [
        ("conflict", "test.moved_on"), ("rejected", "test.forbidden")]
    assert feed.current_seq() == before
    assert "thing:a" not in feed.visible_keys(accounts.alice)
    # The refusal is the recorded first result.
    [dup] = post(app_client, headers,
                 op("test.publish_then_refuse", {"id": "a"}, results[0]["op_id"]))
    assert dup["status"] == "duplicate" and dup["original_status"] == "conflict"


@pytest.mark.parametrize("body", [
    {"ops": []},
    {"ops": [op("key.register", {})] * 101},
    {"ops": [{"op_id": "", "type": "key.register", "data": {}}]},
    {"ops": [{"op_id": "x", "type": "key.register", "data": []}]},
    {"ops": [{"op_id": "x", "type": "key.register"}]},
    {"ops": "nope"},
    {},
    [],
])
def test_malformed_batches_are_422(app_client, accounts: Accounts, body) -> None:
    headers = bearer(login(app_client, "alice"))
    assert_problem(app_client.post("/api/v1/ops", json=body, headers=headers), 422,
                   "request.invalid")


def test_ops_need_auth(app_client, accounts: Accounts) -> None:
    assert_problem(app_client.post("/api/v1/ops", json={"ops": [op("key.register", {})]}), 401)


def test_revoke_key_publishes(app_client, accounts: Accounts) -> None:
    from server import directory

    headers = bearer(login(app_client, "alice"))
    key = ed25519_key()
    assert enrol(app_client, headers, accounts.alice, key).status_code == 201
    directory.revoke_key(key["key_id"], by=accounts.alice)
    changes = app_client.get("/api/v1/changes", params={"limit": 1000}, headers=headers).json()
    [k] = [c for c in changes["changes"] if c["type"] == "key"]
    assert k["data"]["revoked_at"] is not None and k["data"]["version"] == 2
    # Re-registering a revoked key is refused.
    assert_problem(enrol(app_client, headers, accounts.alice, key), 409, "key.revoked")


def test_lone_surrogate_is_refused_per_op_not_500(app_client, accounts: Accounts) -> None:
    """Text that is not valid Unicode cannot be hashed or signed: that op alone is refused."""
    headers = bearer(login(app_client, "alice"))
    bad_id = str(uuid.uuid4())
    key = ed25519_key()
    assert enrol(app_client, headers, accounts.alice, key).status_code == 201
    good = op("key.revoke", {"key_id": key["key_id"]})
    # json.dumps cannot write a lone surrogate, so the raw body spells the escape itself.
    bad = '{"op_id": "' + bad_id + '", "type": "key.revoke", "data": {"key_id": "\\ud800"}}'
    body = '{"ops": [' + bad + ", " + json.dumps(good) + "]}"
    r = app_client.post("/api/v1/ops", content=body.encode(),
                        headers={**headers, "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    first, second = r.json()["results"]
    assert first["status"] == "rejected" and first["code"] == "op.invalid_data"
    assert second["status"] == "applied"
