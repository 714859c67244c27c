"""Issue 13, "time the platform vouches for", against a real platform process: every
opinion, signed 发文 step and read/ack receipt carries the platform's `accepted_at` and
its signature over it, under a key `meta` publishes; rotation keeps old receipts
checkable; the user's own time stays a bounded claim."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from protocol.canonical import signoff_message
from protocol.platform_receipt import (
    check_receipt,
    platform_keys_from_wire,
    receipt_subject,
    signed_subject,
)
from server.embedded import EmbeddedPlatform
from tests.server.workflow_helpers import Api, County, make_county, register, sign_in


@pytest.fixture(scope="module")
def people(live: EmbeddedPlatform) -> tuple[dict[str, Api], County]:
    county = make_county(live.db_url, only=["clerk", "proposer", "mayor", "publisher",
                                            "town_a"])
    return sign_in(live.base_url, county, keys=("proposer",)), county


def _meta(live: EmbeddedPlatform) -> dict[str, Any]:
    r = requests.get(f"{live.base_url}/api/v1/meta", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def _opinion_subject(op: dict[str, Any], digest: str) -> str:
    message = signoff_message(task_id=op["task_id"], document_id=op["document_id"],
                              document_digest=digest, decision=op["decision"], text=op["text"],
                              handwriting_sha256=op.get("handwriting_sha256"),
                              forward_to=op["forward_to"], signer_id=op["author_id"],
                              signed_at=op["signed_at"])
    return signed_subject(message, op["signature"]["value"])


def test_meta_publishes_a_receipt_key_and_an_opinion_carries_a_receipt_that_verifies(
        live: EmbeddedPlatform, people: tuple[dict[str, Api], County]) -> None:
    p, county = people
    meta = _meta(live)
    keys = platform_keys_from_wire(meta["platform_keys"])
    assert keys, meta
    doc_id = register(p["clerk"], county)["id"]
    p["proposer"].pull()
    task = p["proposer"].my_pending(doc_id)
    before = datetime.now(UTC) - timedelta(seconds=2)
    assert p["proposer"].sign(doc_id, "approve", forward_to=[county.ids["mayor"]]
                              )["status"] == "applied"
    p["proposer"].pull()
    (op,) = [o for o in p["proposer"].objects("opinion") if o["task_id"] == task["id"]]
    doc = p["proposer"].state[("document", doc_id)]
    accepted = datetime.fromisoformat(op["accepted_at"])
    assert before <= accepted <= datetime.now(UTC) + timedelta(seconds=2)
    common = {"receipt": op["platform_receipt"], "accepted_at": op["accepted_at"],
              "kind": "opinion", "object_id": op["id"],
              "platform_keys": keys}
    check = check_receipt(subject_digest=_opinion_subject(op, doc["digest"]), **common)
    assert check.ok, check
    # Another accepted time, another opinion's id, another text: the receipt no longer fits.
    later = (accepted + timedelta(days=1)).isoformat()
    assert check_receipt(**{**common, "accepted_at": later},
                         subject_digest=_opinion_subject(op, doc["digest"])).problem == "invalid"
    assert check_receipt(**{**common, "object_id": "other"},
                         subject_digest=_opinion_subject(op, doc["digest"])).problem == "invalid"
    changed = {**op, "text": op["text"] + "（改）"}
    assert check_receipt(subject_digest=_opinion_subject(changed, doc["digest"]),
                         **common).problem == "invalid"


def test_read_and_ack_receipts_carry_the_platform_time_beside_the_users_claim(
        live: EmbeddedPlatform, people: tuple[dict[str, Api], County]) -> None:
    p, county = people
    data = {"client_ref": "pr-1", "title": "回执时间", "body": "……",
            "audience_unit_ids": [county.units["town_a"]], "requires_ack": True,
            "urgent": False, "expires_at": None, "attachments": []}
    assert p["publisher"].op("notice.publish", data)["status"] == "applied"
    p["town_a"].pull()
    (notice,) = [n for n in p["town_a"].objects("notice") if n["title"] == "回执时间"]
    claimed = (datetime.now(UTC) - timedelta(hours=3)).isoformat()  # read offline earlier
    assert p["town_a"].op("notice.ack", {"notice_id": notice["id"], "at": claimed}
                          )["status"] == "applied"
    p["town_a"].pull()
    receipts = [r for r in p["town_a"].objects("receipt") if r["notice_id"] == notice["id"]]
    assert {r["kind"] for r in receipts} == {"read", "ack"}
    keys = platform_keys_from_wire(_meta(live)["platform_keys"])
    for r in receipts:
        subject = receipt_subject(notice_id=r["notice_id"], document_id=r["document_id"],
                                  user_id=r["user_id"], kind=r["kind"], at=r["at"])
        check = check_receipt(receipt=r["platform_receipt"], accepted_at=r["accepted_at"],
                              kind="receipt",
                              object_id=r["id"], subject_digest=subject, platform_keys=keys)
        assert check.ok, (r, check)
        # The claim is kept (bounded by publication), the platform's time is its own.
        assert datetime.fromisoformat(r["at"]) <= datetime.fromisoformat(r["accepted_at"])


def test_rotation_keeps_old_receipts_checkable_and_signs_new_ones_with_the_new_key(
        live: EmbeddedPlatform, people: tuple[dict[str, Api], County]) -> None:
    p, county = people
    old_keys = {k["key_id"] for k in _meta(live)["platform_keys"]}
    rotated = subprocess.run([sys.executable, "-m", "server", "platform-key", "rotate",
                              "--db", live.db_url], capture_output=True, text=True, timeout=60)
    assert rotated.returncode == 0, rotated.stderr
    assert "new receipt key" in rotated.stdout
    meta = _meta(live)
    keys = platform_keys_from_wire(meta["platform_keys"])
    new_ids = set(keys) - old_keys
    assert len(new_ids) == 1 and old_keys <= set(keys)
    doc_id = register(p["clerk"], county)["id"]
    p["proposer"].pull()
    task = p["proposer"].my_pending(doc_id)
    assert p["proposer"].sign(doc_id, "approve", forward_to=[county.ids["mayor"]]
                              )["status"] == "applied"
    p["proposer"].pull()
    doc = p["proposer"].state[("document", doc_id)]
    for op in p["proposer"].objects("opinion"):
        check = check_receipt(receipt=op["platform_receipt"], accepted_at=op["accepted_at"],
                              kind="opinion",
                              object_id=op["id"], platform_keys=keys,
                              subject_digest=_opinion_subject(
                                  op, p["proposer"].state[("document", op["document_id"])]
                                  ["digest"]))
        assert check.ok, (op["id"], check)
        if op["task_id"] == task["id"]:
            assert op["platform_receipt"]["key_id"] in new_ids
            assert doc["id"] == op["document_id"]
    audit = subprocess.run([sys.executable, "-m", "server", "audit", "--db", live.db_url],
                           capture_output=True, text=True, timeout=60)
    assert "platform_key.rotated" in audit.stdout, audit.stdout


def test_a_pull_from_the_beginning_carries_the_receipt_keys_and_later_pages_do_not(
        live: EmbeddedPlatform, people: tuple[dict[str, Api], County]) -> None:
    p, _ = people
    first = p["proposer"].get("/api/v1/changes", params={"limit": 5}).json()
    assert first["platform_keys"] == _meta(live)["platform_keys"]
    later = p["proposer"].get("/api/v1/changes",
                              params={"limit": 5, "cursor": first["cursor"]}).json()
    assert "platform_keys" not in later
