"""Ops: idempotency core with key.register, refusals roll back (both backends)."""

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
    raw = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    # Only the shape (65-byte uncompressed point) is checked at registration.
    return {"key_id": hashlib.sha256(raw).hexdigest()[:16], "algorithm": "sm2-sm3",
            "public_key": base64.b64encode(raw).decode()}


def post(client, headers, *op_list) -> list[dict]:
    r = client.post("/api/v1/ops", json={"ops": list(op_list)}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["results"]


def op(type_: str, data: dict, op_id: str | None = None) -> dict:
    return {"op_id": op_id or str(uuid.uuid4()), "type": type_, "data": data}


def test_key_register_applies_once_and_replay_is_duplicate(app_client, accounts: Accounts) -> None:
    headers = bearer(login(app_client, "alice", device_id="pc-7"))
    key = ed25519_key()
    first = op("key.register", key)
    [res] = post(app_client, headers, first)
    assert res["status"] == "applied" and res["op_id"] == first["op_id"]
    assert isinstance(res["seq"], int)
    stored = SigningKey.get_by_id(key["key_id"])
    assert stored.user_id == accounts.alice and stored.device_id == "pc-7"
    seq_after = feed.current_seq()
    # Replay: same result as "duplicate", no second effect.
    [dup] = post(app_client, headers, first)
    assert dup["status"] == "duplicate" and dup["seq"] == res["seq"]
    assert dup["original_status"] == "applied"
    assert feed.current_seq() == seq_after
    # The key is in everyone's feed.
    bob = bearer(login(app_client, "bob"))
    changes = app_client.get("/api/v1/changes", params={"limit": 1000}, headers=bob).json()["changes"]
    keys = [c for c in changes if c["type"] == "key"]
    assert len(keys) == 1 and keys[0]["data"]["user_id"] == accounts.alice
    assert keys[0]["data"]["public_key"] == key["public_key"] and keys[0]["data"]["revoked_at"] is None


def test_reused_op_id_with_other_payload_is_rejected(app_client, accounts: Accounts) -> None:
    headers = bearer(login(app_client, "alice"))
    op_id = str(uuid.uuid4())
    post(app_client, headers, op("key.register", ed25519_key(), op_id))
    other = ed25519_key()
    [res] = post(app_client, headers, op("key.register", other, op_id))
    assert res["status"] == "rejected" and res["code"] == "op.id_reused"
    assert SigningKey.get_or_none(SigningKey.id == other["key_id"]) is None
    # The same op_id from another user is not theirs to replay either.
    bob = bearer(login(app_client, "bob"))
    [res] = post(app_client, bob, op("key.register", ed25519_key(), op_id))
    assert res["code"] == "op.id_reused"


def test_refusals_and_batch_independence(app_client, accounts: Accounts) -> None:
    headers = bearer(login(app_client, "alice"))
    good, sm2 = ed25519_key(), sm2_key()
    bad_b64 = {**ed25519_key(), "public_key": "not base64!"}
    short = {**good, "public_key": base64.b64encode(b"x" * 31).decode()}
    wrong_alg = {**good, "algorithm": "rsa"}
    wrong_id = {**ed25519_key(), "key_id": "0123456789abcdef"}
    results = post(
        app_client, headers,
        op("key.register", bad_b64), op("nonsense.type", {}), op("key.register", good),
        op("key.register", short), op("key.register", wrong_alg), op("key.register", wrong_id),
        op("key.register", {"key_id": 5}), op("key.register", sm2),
    )
    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "key.invalid_public_key"),
        ("rejected", "op.unknown_type"),
        ("applied", None),
        ("rejected", "key.invalid_public_key"),
        ("rejected", "key.unknown_algorithm"),
        ("rejected", "key.id_mismatch"),
        ("rejected", "op.invalid_data"),
        ("applied", None),
    ]
    # Another user registering the same key id: conflict.
    bob = bearer(login(app_client, "bob"))
    [res] = post(app_client, bob, op("key.register", good))
    assert (res["status"], res["code"]) == ("conflict", "key.id_taken")
    # Unknown types are not recorded (a newer platform may know them later).
    assert AppliedOp.select().where(AppliedOp.result.contains("op.unknown_type")).count() == 0


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
    post(app_client, headers, op("key.register", key))
    directory.revoke_key(key["key_id"], by=accounts.alice)
    changes = app_client.get("/api/v1/changes", params={"limit": 1000}, headers=headers).json()
    [k] = [c for c in changes["changes"] if c["type"] == "key"]
    assert k["data"]["revoked_at"] is not None and k["data"]["version"] == 2
    # Re-registering a revoked key is refused.
    [res] = post(app_client, headers, op("key.register", key))
    assert (res["status"], res["code"]) == ("conflict", "key.revoked")


def test_lone_surrogate_is_refused_per_op_not_500(app_client, accounts: Accounts) -> None:
    """Text that is not valid Unicode cannot be hashed or signed: that op alone is refused."""
    headers = bearer(login(app_client, "alice"))
    bad_id = str(uuid.uuid4())
    good = op("key.register", ed25519_key())
    # json.dumps cannot write a lone surrogate, so the raw body spells the escape itself.
    bad = '{"op_id": "' + bad_id + '", "type": "key.register", "data": {"key_id": "\\ud800"}}'
    body = '{"ops": [' + bad + ", " + json.dumps(good) + "]}"
    r = app_client.post("/api/v1/ops", content=body.encode(),
                        headers={**headers, "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    first, second = r.json()["results"]
    assert first["status"] == "rejected" and first["code"] == "op.invalid_data"
    assert second["status"] == "applied"
